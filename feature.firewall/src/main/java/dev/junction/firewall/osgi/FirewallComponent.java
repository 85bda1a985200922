package dev.junction.firewall.osgi;

import dev.junction.config.StoredConfiguration;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceListener;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.firewall.nodes.FirewallNode;
import dev.junction.graph.PacketNode;
import dev.junction.routing.Routing;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
 * feature.firewall in OSGi. On activation: the connection table (its size from {@code fw-settings}),
 * the previous instance's connections ({@link ConnectionHandover}), the stored statements, and only
 * then the nodes, so that the first packet after an update meets the whole state. On deactivation the
 * nodes leave first (each unregistration returns once no worker runs it), then the table is saved.
 * Expired connections are reclaimed once a second on a thread of the bundle's own, which also
 * resolves the attached VRFs' names again and turns the nodes on on new interfaces (a VRF's set
 * runs on every interface).
 */
@Component(immediate = true, service = {})
public final class FirewallComponent {
    private static final System.Logger LOG = System.getLogger("dev.junction.firewall");
    private final List<ServiceRegistration<?>> services = new ArrayList<>();
    private final List<ServiceRegistration<?>> nodes = new ArrayList<>();
    private FirewallControl control;
    private ScheduledExecutorService sweeper;
    private BundleContext context;

    @Reference
    private Dataplane dataplane;
    @Reference
    private Routing routing;
    @Reference
    private ConfigurationAdmin cm;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        int capacity = FirewallStatements.DEFAULT_CAPACITY;
        Dictionary<String, Object> settings = stored(FirewallStatements.SETTINGS_PID);
        if (settings != null && settings.get("table") instanceof Number n && Long.bitCount(n.longValue()) == 1) {
            capacity = n.intValue();
        }
        ConnTable table = new ConnTable(capacity);
        control = new FirewallControl(table, dataplane::enableFeature, System::nanoTime, this::vrfId);
        control.interfaces(names(dataplane.interfaces())); // before the stored VRF attachments turn the nodes on
        ConnectionHandover.restore(context, table);
        FirewallConfigurator configurator = new FirewallConfigurator(control, this::vrfId);
        ManagedService settingsService = configurator.settings();
        if (settings != null) {
            try {
                settingsService.updated(settings);
            } catch (ConfigurationException e) {
                LOG.log(System.Logger.Level.WARNING, "fw-settings: " + e.getReason());
            }
        }
        ManagedServiceFactory rules = configurator.ruleFactory(), attach = configurator.attachFactory(),
                zones = configurator.zoneFactory();
        // Stored statements before the nodes join: after an update the first packet meets them all.
        applyStored(rules, FirewallStatements.RULE_PID);
        applyStored(attach, FirewallStatements.ATTACH_PID);
        applyStored(zones, FirewallStatements.ZONE_PID);
        ConnectionHandover.restoreHits(context, control); // for the sets that came back unchanged
        for (PacketNode n : List.of(FirewallNode.ip4Input(control), FirewallNode.ip6Input(control), FirewallNode.output(control))) {
            nodes.add(context.registerService(PacketNode.class, n, null));
        }
        services.add(context.registerService(Firewall.class, control, null));
        services.add(context.registerService(ManagedServiceFactory.class, rules, pid(FirewallStatements.RULE_PID)));
        services.add(context.registerService(ManagedServiceFactory.class, attach, pid(FirewallStatements.ATTACH_PID)));
        services.add(context.registerService(ManagedServiceFactory.class, zones, pid(FirewallStatements.ZONE_PID)));
        services.add(context.registerService(ManagedService.class, settingsService, pid(FirewallStatements.SETTINGS_PID)));
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "firewall-expiry");
            t.setDaemon(true);
            return t;
        });
        // Told on the data plane's control thread, which may hold its lock: switched on the sweeper.
        InterfaceListener interfaces = ifs -> {
            List<String> now = names(ifs);
            try {
                sweeper.execute(() -> control.interfaces(now));
            } catch (RejectedExecutionException stopping) {
                // deactivated meanwhile
            }
        };
        services.add(context.registerService(InterfaceListener.class, interfaces, null));
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                control.refreshVrfs();
                control.expire();
                for (String line : control.denials().drain()) {
                    LOG.log(System.Logger.Level.INFO, line);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "connection expiry: " + e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).unregister();
        }
        services.clear();
        sweeper.shutdownNow();
        // Out of the graph first: the connections saved are then the last ones.
        for (ServiceRegistration<?> r : nodes) {
            r.unregister();
        }
        nodes.clear();
        ConnectionHandover.save(context, control.table());
        ConnectionHandover.saveHits(context, control);
    }

    private Dictionary<String, Object> stored(String pid) {
        return StoredConfiguration.singleton(cm, pid);
    }

    private void applyStored(ManagedServiceFactory factory, String factoryPid) {
        StoredConfiguration.applyAll(cm, factory, factoryPid, "firewall statements", LOG);
    }

    private int vrfId(String name) {
        for (Routing.VrfEntry v : routing.vrfs()) {
            if (v.name().equals(name)) {
                return v.id();
            }
        }
        throw FirewallControl.noVrf(name);
    }

    private static List<String> names(List<InterfaceStatus> interfaces) {
        List<String> out = new ArrayList<>();
        for (InterfaceStatus s : interfaces) {
            out.add(s.name());
        }
        return out;
    }

    private static Hashtable<String, Object> pid(String pid) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", pid);
        return p;
    }
}
