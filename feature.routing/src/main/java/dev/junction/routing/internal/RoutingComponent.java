package dev.junction.routing.internal;

import dev.junction.config.StoredConfiguration;
import dev.junction.config.StatementType;
import dev.junction.dataplane.Dataplane;
import dev.junction.graph.PacketNode;
import dev.junction.routing.Routing;
import java.util.ArrayList;
import java.util.List;
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
 * IPv4 and IPv6 routing in the graph: registers the routing nodes (plain nodes first, then the features that
 * lead to them, so that no packet is steered to a node that is not there yet; removal in reverse)
 * and the {@link Routing} service.
 */
@Component(immediate = true, service = {})
public final class RoutingComponent {
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    @Reference
    private Dataplane dataplane;

    @Activate
    void activate(BundleContext context) {
        Vrfs vrfs = new Vrfs();
        this.tables = vrfs.ip4(0);
        this.tables6 = vrfs.ip6(0);
        this.context = context;
        restoreNeighbours(context, tables, tables6, dataplane);
        VrfControl vrfControl = new VrfControl(vrfs, dataplane);
        VrfConfigs vrfConfigs = new VrfConfigs(vrfControl);
        AddressConfigs addressConfigs = new AddressConfigs(vrfControl);
        RouteConfigs routeConfigs = new RouteConfigs(vrfControl);
        // Apply the stored VRFs, addresses and routes before any node joins the graph, so that after
        // an update the first packet meets the same FIB as before (ConfigAdmin's own delivery comes
        // later and finds nothing to change).
        applyStored(vrfConfigs, RoutingStatements.VRF_PID);
        applyStored(addressConfigs, RoutingStatements.ADDRESS_PID);
        applyStored(routeConfigs, RoutingStatements.ROUTE_PID);
        vrfControl.refresh();
        this.vrfControl = vrfControl;
        handedOver = restoreLearnedRoutes(context, vrfControl);
        // Route listeners of other bundles, told on a thread of routing's own.
        vrfControl.changes.start();
        routeListeners = following(context, dev.junction.routing.RouteListener.class, vrfControl.changes::add,
                vrfControl.changes::remove);
        routeListeners.open();
        // Other bundles told of the labelled routes FRR sends (an MPLS bundle's label table).
        labelRouteListeners = following(context, dev.junction.routing.LabelRouteListener.class, vrfControl.labelRoutes::add,
                vrfControl.labelRoutes::remove);
        labelRouteListeners.open();
        // Other bundles' steered prefixes, before the nodes join: the lookups start with their targets.
        steered = new org.osgi.util.tracker.ServiceTracker<>(context, dev.junction.routing.SteeredPrefix.class,
                new SteeredPrefixes(context, vrfControl));
        steered.open();
        localServices = new org.osgi.util.tracker.ServiceTracker<>(context, dev.junction.routing.LocalService.class,
                new LocalServiceTracker(context, vrfs.localServices, dataplane));
        localServices.open();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            registrations.add(context.registerService(PacketNode.class, n, null));
        }
        registrations.add(context.registerService(Routing.class, vrfControl, null));
        registrations.add(context.registerService(StatementType.class, new RoutingStatements.Vrf(), null));
        registrations.add(context.registerService(ManagedServiceFactory.class, vrfConfigs,
                pid(RoutingStatements.VRF_PID)));
        registrations.add(context.registerService(StatementType.class, new RoutingStatements.Address(), null));
        registrations.add(context.registerService(StatementType.class, new RoutingStatements.Route(), null));
        registrations.add(context.registerService(StatementType.class, new RoutingStatements.Fpm(), null));
        registrations.add(context.registerService(org.osgi.service.cm.ManagedService.class, this::fpmConfigured,
                pid(RoutingStatements.FPM_PID)));
        registrations.add(context.registerService(ManagedServiceFactory.class, addressConfigs,
                pid(RoutingStatements.ADDRESS_PID)));
        registrations.add(context.registerService(ManagedServiceFactory.class, routeConfigs,
                pid(RoutingStatements.ROUTE_PID)));
        // Interfaces come and go: recompute when they do, so that configured addresses take effect
        // when their interface appears (at boot a device may come after this bundle).
        registrations.add(context.registerService(dev.junction.dataplane.InterfaceListener.class,
                interfaces -> refreshQuietly(vrfControl), null));
        // Neighbour ageing and the retirement of old ECMP groups: once a second.
        watcher = Thread.ofPlatform().daemon().name("junction-routing-maintain").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L);
                try {
                    vrfControl.maintain();
                } catch (RuntimeException e) {
                    // Never let one bad round stop the maintenance: log, and try again next second.
                    System.getLogger("dev.junction.routing").log(System.Logger.Level.ERROR, "routing maintenance failed", e);
                }
            }
        });
    }

    private static void refreshQuietly(VrfControl vrfControl) {
        try {
            vrfControl.refresh();
        } catch (RuntimeException e) {
            System.getLogger("dev.junction.routing").log(System.Logger.Level.ERROR, "routing refresh failed", e);
        }
    }

    /** A tracker of other bundles' {@code type} services that hands each to {@code add} and, when it goes, to {@code remove}. */
    private static <T> org.osgi.util.tracker.ServiceTracker<T, T> following(BundleContext context, Class<T> type,
            java.util.function.Consumer<T> add, java.util.function.Consumer<T> remove) {
        return new org.osgi.util.tracker.ServiceTracker<>(context, type, null) {
            @Override
            public T addingService(org.osgi.framework.ServiceReference<T> ref) {
                T s = super.addingService(ref);
                if (s != null) {
                    add.accept(s);
                }
                return s;
            }

            @Override
            public void removedService(org.osgi.framework.ServiceReference<T> ref, T s) {
                remove.accept(s);
                super.removedService(ref, s);
            }
        };
    }

    private Thread watcher;
    private org.osgi.util.tracker.ServiceTracker<dev.junction.routing.RouteListener, dev.junction.routing.RouteListener> routeListeners;
    private org.osgi.util.tracker.ServiceTracker<dev.junction.routing.LabelRouteListener, dev.junction.routing.LabelRouteListener> labelRouteListeners;
    private org.osgi.util.tracker.ServiceTracker<dev.junction.routing.SteeredPrefix, dev.junction.routing.SteeredPrefix> steered;
    private org.osgi.util.tracker.ServiceTracker<dev.junction.routing.LocalService, dev.junction.routing.LocalService> localServices;
    private VrfControl vrfControl;
    /** Kernel table to the prefixes of FRR routes handed over by the previous instance, for the new FPM listener. */
    private java.util.Map<Long, java.util.List<String>> handedOver = java.util.Map.of();
    private FpmServer fpm;
    private String fpmListen;
    private static final String LEARNED_HANDOVER = "learned-routes.handover";

    /** {@code fpm listen=ADDRESS:PORT}: (re)starts the FPM listener; no configuration stops it. */
    private synchronized void fpmConfigured(java.util.Dictionary<String, ?> p) throws ConfigurationException {
        String listen = p == null ? null : String.valueOf(p.get("listen"));
        if (java.util.Objects.equals(listen, fpmListen)) {
            return;
        }
        if (fpm != null) {
            fpm.close();
            fpm = null;
            vrfControl.fpm = null;
        }
        fpmListen = listen;
        if (listen == null) {
            return;
        }
        try {
            fpm = new FpmServer(vrfControl, RoutingStatements.listenAddress(listen));
            fpm.adopt(handedOver);
            vrfControl.fpm = fpm;
        } catch (IllegalArgumentException e) {
            fpmListen = null;
            throw new ConfigurationException("listen", e.getMessage());
        } catch (java.io.IOException e) {
            fpmListen = null;
            throw new ConfigurationException("listen", "cannot listen on " + listen + ": " + e.getMessage());
        }
    }

    /** Learned routes back from the previous instance of this bundle ({@link LearnedRouteHandover}). */
    private static java.util.Map<Long, java.util.List<String>> restoreLearnedRoutes(BundleContext context, VrfControl vrfs) {
        java.io.File f = context.getDataFile(LEARNED_HANDOVER);
        if (f == null || !f.isFile()) {
            return java.util.Map.of();
        }
        try {
            java.util.List<String> lines = java.nio.file.Files.readAllLines(f.toPath());
            if (fresh(context, f, lines.isEmpty() ? "" : lines.getFirst())) {
                return LearnedRouteHandover.read(lines.subList(1, lines.size()), vrfs);
            }
        } catch (java.io.IOException e) {
            System.getLogger("dev.junction.routing").log(System.Logger.Level.WARNING, "learned routes not handed over: " + e);
        } finally {
            f.delete();
        }
        return java.util.Map.of();
    }

    private static void saveLearnedRoutes(BundleContext context, VrfControl vrfs) {
        java.io.File f = context.getDataFile(LEARNED_HANDOVER);
        if (f == null) {
            return;
        }
        try {
            java.nio.file.Files.writeString(f.toPath(), framework(context) + "\n" + LearnedRouteHandover.write(vrfs));
        } catch (java.io.IOException e) {
            System.getLogger("dev.junction.routing").log(System.Logger.Level.WARNING, "learned routes not handed over: " + e);
        }
    }

    @Reference
    private ConfigurationAdmin cm;

    private void applyStored(ManagedServiceFactory factory, String factoryPid) {
        StoredConfiguration.applyAll(cm, factory, factoryPid, "routing configuration", System.getLogger("dev.junction.routing"));
    }
    private Ip4Tables tables;
    private Ip6Tables tables6;
    private BundleContext context;
    /** A hand-over file older than this is from another run: interface indexes may differ, ignore it. */
    private static final long HANDOVER_MAX_AGE_MS = 30_000;

    /** This framework launch: a hand-over is only for a bundle update within it, never across a restart. */
    private static String framework(BundleContext context) {
        // The framework's UUID, and this process: a file left by another run never matches.
        return context.getProperty("org.osgi.framework.uuid") + "/" + ProcessHandle.current().pid() + "/"
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    /**
     * Whether a hand-over file was written by this framework launch, recently: interface indexes,
     * MACs and neighbours of another run (a restart, another test) must not be taken for ours.
     */
    private static boolean fresh(BundleContext context, java.io.File f, String writtenBy) {
        return framework(context).equals(writtenBy) && System.currentTimeMillis() - f.lastModified() < HANDOVER_MAX_AGE_MS;
    }
    private static final String HANDOVER = "neighbours.handover";

    /**
     * Neighbours are state an update must not lose (the first packet to an unknown neighbour is spent
     * on ARP): the old instance writes them to the bundle's data area, which survives an update, and
     * the new one reads them back.
     */
    /** Interface names by index, or indexes by name, as the data plane has them now. */
    private static java.util.Map<Object, Object> interfaceNames(Dataplane dataplane) {
        java.util.Map<Object, Object> m = new java.util.HashMap<>();
        for (dev.junction.dataplane.InterfaceStatus s : dataplane.interfaces()) {
            m.put(s.index(), s.name());
            m.put(s.name(), s.index());
        }
        return m;
    }

    private static void restoreNeighbours(BundleContext context, Ip4Tables tables, Ip6Tables tables6, Dataplane dataplane) {
        java.io.File f = context.getDataFile(HANDOVER);
        if (f == null || !f.isFile()) {
            return;
        }
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(new java.io.FileInputStream(f)))) {
            if (fresh(context, f, in.readUTF())) {
                // By interface name: an index means nothing once the data plane has restarted.
                java.util.Map<Object, Object> index = interfaceNames(dataplane);
                int n = in.readInt();
                long now = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Object ifIndex = index.get(in.readUTF());
                    int ip = in.readInt();
                    long mac = in.readLong();
                    if (ifIndex != null) {
                        tables.neighbours.learn((Integer) ifIndex, ip, mac, now);
                    }
                }
                int n6 = in.readInt();
                for (int i = 0; i < n6; i++) {
                    Object ifIndex = index.get(in.readUTF());
                    long high = in.readLong(), low = in.readLong(), mac = in.readLong();
                    if (ifIndex != null) {
                        tables6.neighbours.learn((Integer) ifIndex, high, low, mac, now);
                    }
                }
            }
        } catch (java.io.IOException e) {
            System.getLogger("dev.junction.routing").log(System.Logger.Level.WARNING, "neighbours not handed over: " + e);
        } finally {
            f.delete();
        }
    }

    private static void saveNeighbours(BundleContext context, Ip4Tables tables, Ip6Tables tables6, Dataplane dataplane) {
        java.io.File f = context.getDataFile(HANDOVER);
        if (f == null) {
            return;
        }
        java.util.List<long[]> all = new java.util.ArrayList<>();
        tables.neighbours.forEach((ifIndex, ip, mac, updated) -> all.add(new long[] {ifIndex, ip, mac}));
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(new java.io.FileOutputStream(f)))) {
            out.writeUTF(framework(context));
            java.util.Map<Object, Object> names = interfaceNames(dataplane);
            out.writeInt(all.size());
            for (long[] n : all) {
                out.writeUTF(String.valueOf(names.get((int) n[0])));
                out.writeInt((int) n[1]);
                out.writeLong(n[2]);
            }
            java.util.List<long[]> all6 = new java.util.ArrayList<>();
            tables6.neighbours.forEach((ifIndex, high, low, mac, updated) -> all6.add(new long[] {ifIndex, high, low, mac}));
            out.writeInt(all6.size());
            for (long[] n : all6) {
                out.writeUTF(String.valueOf(names.get((int) n[0])));
                out.writeLong(n[1]);
                out.writeLong(n[2]);
                out.writeLong(n[3]);
            }
        } catch (java.io.IOException e) {
            System.getLogger("dev.junction.routing").log(System.Logger.Level.WARNING, "neighbours not handed over: " + e);
        }
    }

    private static java.util.Hashtable<String, Object> pid(String pid) {
        java.util.Hashtable<String, Object> p = new java.util.Hashtable<>();
        p.put("service.pid", pid);
        return p;
    }

    /** Factory PID junction.ip.address: one interface address per configuration. */
    private static final class AddressConfigs implements ManagedServiceFactory {
        private final VrfControl control;
        private final java.util.Map<String, String[]> byPid = new java.util.HashMap<>();

        AddressConfigs(VrfControl control) {
            this.control = control;
        }

        @Override
        public String getName() {
            return "Junction IPv4 addresses";
        }

        @Override
        public synchronized void updated(String pid, java.util.Dictionary<String, ?> p) throws ConfigurationException {
            String iface = String.valueOf(p.get("iface"));
            String ip = String.valueOf(p.get("ip"));
            String[] old = byPid.get(pid);
            if (old != null && old[0].equals(iface) && old[1].equals(ip)) {
                return; // applied already
            }
            deleted(pid);
            try {
                control.addConfiguredAddress(iface, ip);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("ip", e.getMessage());
            }
            byPid.put(pid, new String[] {iface, ip});
        }

        @Override
        public synchronized void deleted(String pid) {
            String[] old = byPid.remove(pid);
            if (old != null) {
                control.removeAddress(old[0], old[1]);
            }
        }
    }

    /**
     * Factory PID junction.ip.vrf: one VRF, its interfaces and kernel table per configuration. A
     * configuration refused (its table another VRF's) is tried again after each change of another:
     * ConfigAdmin hands a loaded file over one configuration at a time, so a table that moves from
     * one VRF to another may reach the new one before the old one lets it go.
     */
    private static final class VrfConfigs implements ManagedServiceFactory {
        private final VrfControl control;
        private final java.util.Map<String, String> byPid = new java.util.HashMap<>();
        private final java.util.Map<String, String> applied = new java.util.HashMap<>();
        private final java.util.Map<String, java.util.Dictionary<String, ?>> refused = new java.util.LinkedHashMap<>();

        VrfConfigs(VrfControl control) {
            this.control = control;
        }

        @Override
        public String getName() {
            return "Junction VRFs";
        }

        @Override
        public synchronized void updated(String pid, java.util.Dictionary<String, ?> p) throws ConfigurationException {
            apply(pid, p);
            retryRefused();
        }

        private void apply(String pid, java.util.Dictionary<String, ?> p) throws ConfigurationException {
            String name = String.valueOf(p.get("name"));
            Object ifs = p.get("interfaces");
            Object table = p.get("table");
            String summary = name + " " + ifs + " " + table;
            if (summary.equals(applied.get(pid))) {
                return;
            }
            String old = byPid.get(pid);
            if (old != null && !old.equals(name)) {
                remove(pid);
            }
            try {
                java.util.List<String> list = ifs == null || ifs.toString().isBlank() ? java.util.List.of()
                        : java.util.List.of(ifs.toString().split(","));
                control.bindVrf(name, list, table == null ? 0 : VrfControl.parseTable(table.toString()));
            } catch (IllegalArgumentException e) {
                refused.put(pid, p);
                throw new ConfigurationException(table == null ? "name" : "table", e.getMessage());
            }
            refused.remove(pid);
            byPid.put(pid, name);
            applied.put(pid, summary);
        }

        private void retryRefused() {
            for (String pid : new java.util.ArrayList<>(refused.keySet())) {
                try {
                    apply(pid, refused.get(pid));
                    System.getLogger("dev.junction.routing").log(System.Logger.Level.INFO, pid + ": applied now");
                } catch (ConfigurationException still) {
                    // still refused: ConfigAdmin reported why when it was delivered
                }
            }
        }

        @Override
        public synchronized void deleted(String pid) {
            refused.remove(pid);
            remove(pid);
            retryRefused();
        }

        private void remove(String pid) {
            applied.remove(pid);
            String old = byPid.remove(pid);
            if (old != null) {
                try {
                    control.removeVrf(old);
                } catch (IllegalArgumentException gone) {
                    // removed already
                }
            }
        }
    }

    /** Factory PID junction.ip.route: one static route per configuration. */
    private static final class RouteConfigs implements ManagedServiceFactory {
        private final VrfControl control;
        private final java.util.Map<String, String> byPid = new java.util.HashMap<>();
        private final java.util.Map<String, String> applied = new java.util.HashMap<>();

        RouteConfigs(VrfControl control) {
            this.control = control;
        }

        @Override
        public String getName() {
            return "Junction IPv4 routes";
        }

        @Override
        public synchronized void updated(String pid, java.util.Dictionary<String, ?> p) throws ConfigurationException {
            String prefix = String.valueOf(p.get("prefix"));
            Object via = p.get("via");
            Object iface = p.get("iface");
            Object vrf = p.get("vrf");
            String summary = prefix + " " + via + " " + iface + " " + vrf;
            if (summary.equals(applied.get(pid))) {
                return; // applied already
            }
            deleted(pid);
            try {
                control.addConfiguredRoute(vrf == null ? null : vrf.toString(), prefix, via == null ? null : via.toString(),
                        iface == null ? null : iface.toString());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("prefix", e.getMessage());
            }
            byPid.put(pid, (vrf == null ? VrfControl.DEFAULT : vrf.toString()) + " " + prefix);
            applied.put(pid, summary);
        }

        @Override
        public synchronized void deleted(String pid) {
            applied.remove(pid);
            String old = byPid.remove(pid);
            if (old != null) {
                String[] w = old.split(" ");
                try {
                    control.removeRoute(w[0], w[1]);
                } catch (IllegalArgumentException gone) {
                    // its VRF went first
                }
            }
        }
    }

    @Deactivate
    void deactivate() {
        watcher.interrupt();
        for (int i = registrations.size() - 1; i >= 0; i--) {
            registrations.get(i).unregister(); // each returns once no worker runs the node
        }
        registrations.clear();
        steered.close();
        localServices.close();
        routeListeners.close();
        labelRouteListeners.close();
        vrfControl.changes.stop();
        saveNeighbours(context, tables, tables6, dataplane);
        synchronized (this) {
            if (fpm != null) {
                fpm.close();
            }
        }
        saveLearnedRoutes(context, vrfControl);
    }
}
