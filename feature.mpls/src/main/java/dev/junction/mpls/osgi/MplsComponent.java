package dev.junction.mpls.osgi;

import dev.junction.config.StoredConfiguration;
import dev.junction.config.StatementSpec;
import dev.junction.dataplane.Dataplane;
import dev.junction.graph.PacketNode;
import dev.junction.mpls.Mpls;
import dev.junction.mpls.control.MplsControl;
import dev.junction.mpls.nodes.MplsImposeNode;
import dev.junction.mpls.nodes.MplsLookupNode;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.routing.LabelRouteListener;
import dev.junction.routing.RouteListener;
import dev.junction.routing.Routing;
import dev.junction.routing.SteeredPrefix;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * feature.mpls in OSGi. On activation: the stored {@code mpls-label} and {@code mpls-ftn} statements
 * are applied (entries made, next hops resolved, prefixes steered), the counters of the previous
 * instance come back ({@link CounterHandover}), and only then do the nodes join, so that the first
 * frame after an update meets the whole table. Next hops are resolved again after each route change
 * (a {@link RouteListener}) and once a second (neighbours learnt). FRR's label switched paths and
 * labelled routes come from routing as a whole set each time ({@link LabelRouteListener}) and become
 * entries of kind {@code frr}. On deactivation the nodes leave
 * first, then the counters are saved and the steerings withdrawn.
 */
@Component(immediate = true, service = {})
public final class MplsComponent {
    private static final System.Logger LOG = System.getLogger("dev.junction.mpls");
    private final List<ServiceRegistration<?>> services = new ArrayList<>();
    private final List<ServiceRegistration<?>> nodes = new ArrayList<>();
    private MplsControl control;
    private ScheduledExecutorService resolver;
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
        MplsTables tables = new MplsTables();
        control = new MplsControl(tables, new RoutingResolver(routing, dataplane), (vrf, prefix, index) -> {
            ServiceRegistration<SteeredPrefix> r = context.registerService(SteeredPrefix.class,
                    SteeredPrefix.of(vrf, prefix, MplsImposeNode.NAME, index), null);
            return r::unregister;
        });
        ManagedServiceFactory labels = labelFactory(), ftns = ftnFactory();
        applyStored(labels, MplsStatements.LABEL_PID);
        applyStored(ftns, MplsStatements.FTN_PID);
        // FRR's label switched paths and labelled routes (routing hands over the whole set on
        // registration, soon): waited for, briefly, so that after an update the learned entries are
        // back with their counters before the nodes join.
        java.util.concurrent.CountDownLatch firstSet = new java.util.concurrent.CountDownLatch(1);
        services.add(context.registerService(LabelRouteListener.class, routes -> {
            control.applyLearned(routes);
            firstSet.countDown();
        }, null));
        try {
            if (!firstSet.await(2, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "routing did not hand over FRR's label routes within 2 s: they come later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        control.resolveAll();
        CounterHandover.restore(context, tables);
        for (PacketNode n : List.of(new MplsLookupNode(tables), new MplsImposeNode(tables))) {
            nodes.add(context.registerService(PacketNode.class, n, null));
        }
        services.add(context.registerService(Mpls.class, control, null));
        services.add(context.registerService(ManagedServiceFactory.class, labels, pid(MplsStatements.LABEL_PID)));
        services.add(context.registerService(ManagedServiceFactory.class, ftns, pid(MplsStatements.FTN_PID)));
        services.add(context.registerService(RouteListener.class, vrf -> control.resolveAll(), null));
        resolver = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mpls-resolver");
            t.setDaemon(true);
            return t;
        });
        resolver.scheduleWithFixedDelay(() -> {
            try {
                control.resolveAll();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "next hop resolution: " + e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).unregister();
        }
        services.clear();
        resolver.shutdownNow();
        for (ServiceRegistration<?> r : nodes) { // out of the graph first: the counters saved are the last
            r.unregister();
        }
        nodes.clear();
        CounterHandover.save(context, control.tables());
        control.close();
    }

    private static Map<String, Object> checked(StatementSpec spec, String pid, Dictionary<String, ?> p)
            throws ConfigurationException {
        Object n = p == null ? null : p.get("name");
        if (n == null) {
            throw new ConfigurationException("name", "statement " + pid + " has no name");
        }
        Map<String, String> words = new LinkedHashMap<>();
        spec.read(p).forEach((k, v) -> words.put(k, String.valueOf(v)));
        try {
            return spec.check(n.toString(), words);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(null, spec.kind() + " " + n + ": " + e.getMessage());
        }
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private ManagedServiceFactory labelFactory() {
        Map<String, String> names = new java.util.concurrent.ConcurrentHashMap<>();
        return new ManagedServiceFactory() {
            public String getName() {
                return "Junction MPLS label table entries";
            }

            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                Map<String, Object> v = checked(MplsStatements.LabelStatement.SPEC, pid, p);
                String name = p.get("name").toString();
                try {
                    control.putLabel(name, ((Number) v.get("label")).intValue(), v.get("action").toString(),
                            str(v.get("via")), str(v.get("out")), str(v.get("vrf")), "uniform".equals(v.get("ttl")));
                } catch (IllegalArgumentException e) {
                    throw new ConfigurationException(null, "mpls-label " + name + ": " + e.getMessage());
                }
                String before = names.put(pid, name);
                if (before != null && !before.equals(name)) {
                    control.removeLabel(before);
                }
            }

            public void deleted(String pid) {
                String name = names.remove(pid);
                if (name != null) {
                    control.removeLabel(name);
                }
            }
        };
    }

    private ManagedServiceFactory ftnFactory() {
        Map<String, String> names = new java.util.concurrent.ConcurrentHashMap<>();
        return new ManagedServiceFactory() {
            public String getName() {
                return "Junction MPLS imposition entries";
            }

            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                Map<String, Object> v = checked(MplsStatements.FtnStatement.SPEC, pid, p);
                String name = p.get("name").toString();
                try {
                    control.putFtn(name, str(v.get("vrf")), v.get("prefix").toString(), v.get("via").toString(),
                            v.get("out").toString(), "uniform".equals(v.get("ttl")), MplsStatements.tc(v.get("tc")));
                } catch (IllegalArgumentException e) {
                    throw new ConfigurationException(null, "mpls-ftn " + name + ": " + e.getMessage());
                }
                String before = names.put(pid, name);
                if (before != null && !before.equals(name)) {
                    control.removeFtn(before);
                }
            }

            public void deleted(String pid) {
                String name = names.remove(pid);
                if (name != null) {
                    control.removeFtn(name);
                }
            }
        };
    }

    private void applyStored(ManagedServiceFactory factory, String factoryPid) {
        StoredConfiguration.applyAll(cm, factory, factoryPid, "MPLS statements", LOG);
    }

    private static Hashtable<String, Object> pid(String pid) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", pid);
        return p;
    }

}
