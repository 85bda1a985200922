package dev.junction.lb.osgi;

import dev.junction.config.StoredConfiguration;
import dev.junction.graph.PacketNode;
import dev.junction.lb.LoadBalancer;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.health.HealthChecker;
import dev.junction.lb.health.ProbeNode;
import dev.junction.lb.health.ProbeSources;
import dev.junction.lb.health.ProbeSlots;
import dev.junction.lb.nodes.LbNode;
import dev.junction.lb.nodes.LbReverseNode;
import dev.junction.routing.LocalService;
import dev.junction.routing.RouteListener;
import dev.junction.routing.Routing;
import dev.junction.routing.SteeredPrefix;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedService;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * feature.lb in OSGi. On activation: the flow table, the stored statements (services before
 * backends), the previous instance's flows ({@link FlowHandover}), and only then the nodes, so that
 * the first packet after an update meets the whole state; each VIP is a registered
 * {@link SteeredPrefix}. On deactivation the nodes leave first (each unregistration returns once no
 * worker runs it), then the flows are saved. Expired flows are reclaimed once a second; the health
 * checks ({@link HealthChecker}) run every 10 ms on their own thread, their probes sent by
 * {@link ProbeNode}, whose answers routing hands over by the probe ports' {@link LocalService} claims.
 */
@Component(immediate = true, service = {})
public final class LbComponent {
    private static final System.Logger LOG = System.getLogger("dev.junction.lb");
    private final List<ServiceRegistration<?>> services = new ArrayList<>();
    private final List<ServiceRegistration<?>> nodes = new ArrayList<>();
    private final Map<Integer, ServiceRegistration<SteeredPrefix>> steered = new HashMap<>();
    private LbControl control;
    private HealthChecker checker;
    private ScheduledExecutorService sweeper;
    private ScheduledExecutorService prober;
    private BundleContext context;

    @Reference
    private Routing routing;
    @Reference
    private ConfigurationAdmin cm;

    private final LbControl.Steering steering = new LbControl.Steering() {
        @Override
        public synchronized void steer(int index, String vrf, String prefix, int family) {
            String node = family == 4 ? LbNode.IP4 : LbNode.IP6;
            steered.put(index, context.registerService(SteeredPrefix.class, SteeredPrefix.of(vrf, prefix, node, index), null));
        }

        @Override
        public synchronized void unsteer(int index) {
            ServiceRegistration<SteeredPrefix> r = steered.remove(index);
            if (r != null) {
                r.unregister();
            }
        }
    };

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        Dictionary<String, Object> settings = stored(LbStatements.SETTINGS_PID);
        control = new LbControl(new FlowTable(LbConfigurator.tableSize(settings)), this::vrfId, steering, this::onLink);
        LbConfigurator configurator = new LbConfigurator(control);
        ManagedService settingsService = configurator.settings();
        if (settings != null) {
            try {
                settingsService.updated(settings);
            } catch (ConfigurationException e) {
                LOG.log(System.Logger.Level.WARNING, e.getReason());
            }
        }
        ManagedServiceFactory svc = configurator.serviceFactory(), backends = configurator.backendFactory(),
                health = configurator.healthFactory();
        ProbeSlots slots = new ProbeSlots();
        HealthChecker checker = new HealthChecker(control, slots, this::vrfId, ProbeSources.of(routing));
        this.checker = checker;
        control.healthChecker(checker);
        applyStored(svc, LbStatements.SERVICE_PID);
        applyStored(backends, LbStatements.BACKEND_PID);
        applyStored(health, LbStatements.HEALTH_PID);
        FlowHandover.restore(context, control, checker);
        nodes.add(context.registerService(PacketNode.class, LbNode.ip4(control), null));
        nodes.add(context.registerService(PacketNode.class, LbNode.ip6(control), null));
        nodes.add(context.registerService(PacketNode.class, LbReverseNode.ip4(control), null));
        nodes.add(context.registerService(PacketNode.class, LbReverseNode.ip6(control), null));
        nodes.add(context.registerService(PacketNode.class, new ProbeNode(slots), null));
        // The probes' answers: routing sends TCP to these ports of its addresses to lb-probe.
        for (int p = 0; p < ProbeNode.PORTS; p++) {
            services.add(context.registerService(LocalService.class,
                    LocalService.of(LocalService.TCP, ProbeNode.FIRST_PORT + p, ProbeNode.NAME), null));
        }
        services.add(context.registerService(LoadBalancer.class, control, null));
        // DSR backends follow the routes: a change may move one to another interface, or off-link.
        services.add(context.registerService(RouteListener.class, vrf -> control.routesChanged(), null));
        services.add(context.registerService(ManagedService.class, settingsService, pid(LbStatements.SETTINGS_PID)));
        services.add(context.registerService(ManagedServiceFactory.class, svc, pid(LbStatements.SERVICE_PID)));
        services.add(context.registerService(ManagedServiceFactory.class, backends, pid(LbStatements.BACKEND_PID)));
        services.add(context.registerService(ManagedServiceFactory.class, health, pid(LbStatements.HEALTH_PID)));
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lb-expiry");
            t.setDaemon(true);
            return t;
        });
        // A tenth of the table every 100 ms: each slot seen once a second, no one pass over all of it.
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                control.table().expireSome(System.nanoTime(), Math.max(1, control.table().capacity() / 10));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "flow expiry: " + e);
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lb-health");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(() -> {
            try {
                checker.run(System.nanoTime());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "health checks: " + e);
            }
        }, 10, 10, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).unregister();
        }
        services.clear();
        sweeper.shutdownNow();
        prober.shutdownNow();
        try {
            prober.awaitTermination(5, TimeUnit.SECONDS); // no round of checks against a stopped instance
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Out of the graph first: the flows saved are then the last ones.
        for (ServiceRegistration<?> r : nodes) {
            r.unregister();
        }
        nodes.clear();
        FlowHandover.save(context, control, checker);
        synchronized (steering) {
            for (ServiceRegistration<SteeredPrefix> r : steered.values()) {
                r.unregister();
            }
            steered.clear();
        }
    }

    private Dictionary<String, Object> stored(String pid) {
        return StoredConfiguration.singleton(cm, pid);
    }

    private void applyStored(ManagedServiceFactory factory, String factoryPid) {
        StoredConfiguration.applyAll(cm, factory, factoryPid, "load-balancer statements", LOG);
    }

    /** The interface of a connected route that holds {@code address} (on-link), or null. */
    private String onLink(String vrf, String address) {
        try {
            Routing.AdjacencyEntry a = routing.resolve(vrf, address);
            return a != null && a.kind().equals("forward") && a.via() == null ? a.iface() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private int vrfId(String name) {
        for (Routing.VrfEntry v : routing.vrfs()) {
            if (v.name().equals(name)) {
                return v.id();
            }
        }
        throw new IllegalArgumentException("no VRF " + name + " (make it with ip:vrf; the default VRF is 'default')");
    }

    private static Hashtable<String, Object> pid(String pid) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", pid);
        return p;
    }
}
