package dev.junction.routing.internal;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.routing.Routing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link Routing} service over VRFs: one {@link RoutingControl} per VRF, each with its own tables
 * in {@link Vrfs}. An interface belongs to one VRF (the default unless bound to another); its
 * addresses are applied in that VRF's control, and move with it when it is bound elsewhere. Routes
 * name their VRF. Synchronized: one change at a time.
 *
 * <p>A VRF may stand for a kernel routing table, as a Linux VRF device does ({@code ip link add red
 * type vrf table 10}); the default VRF stands for main (254). Routes FRR sends over FPM go to the VRF
 * of their table. Those of a table no VRF has are kept aside, up to {@link #MAX_KEPT_ASIDE}, and
 * applied when a VRF takes the table (FRR does not send them again); a VRF that leaves its table
 * (removed, or given another) puts them aside again.
 */
public final class VrfControl implements Routing {
    public static final String DEFAULT = "default";
    /** The kernel's own tables: main is the default VRF's, and no VRF takes default or local. */
    static final long TABLE_DEFAULT = 253, TABLE_MAIN = 254, TABLE_LOCAL = 255;
    /** Kernel table numbers are unsigned 32-bit (RTA_TABLE). */
    static final long TABLE_MAX = 0xFFFF_FFFFL;
    /** Most routes kept aside for tables no VRF has, all tables together. */
    public static final int MAX_KEPT_ASIDE = 1_000_000;
    private static final System.Logger LOG = System.getLogger("dev.junction.routing");
    private final Vrfs vrfs;
    private final Dataplane dataplane;
    private final int maxKeptAside;
    private final Map<String, Integer> ids = new TreeMap<>();
    private final Map<Integer, RoutingControl> controls = new TreeMap<>();
    /** Interface name to VRF name, for interfaces not in the default VRF. */
    private final Map<String, String> bindings = new TreeMap<>();
    /** Every configured address, by interface: re-applied in the right VRF when bindings change. */
    private final Map<String, List<String>> addresses = new LinkedHashMap<>();
    /** Kernel table to the VRF that stands for it, main (the default VRF's) left out. */
    private final Map<Long, String> vrfOfTable = new HashMap<>();
    /** Routes FRR sent for tables no VRF has: table, prefix, gateways. */
    private final Map<Long, Map<String, List<String>>> keptAside = new HashMap<>();
    private int keptAsideRoutes;
    /** The FPM listener, when one is configured (for the shell's ip:fpm). */
    volatile FpmServer fpm;
    /** The labelled routes FRR sends (label switched paths, IP routes with labels), for other bundles. */
    public final LabelRoutes labelRoutes = new LabelRoutes();

    /** What became of a route FRR sent for a table. */
    public enum Placement {
        /** In the FIB of the VRF that has the table. */
        IN_VRF,
        /** No VRF has the table: kept until one takes it. */
        KEPT_ASIDE,
        /** No VRF has the table and {@link #MAX_KEPT_ASIDE} routes are kept aside already. */
        DROPPED
    }

    /** Who hears of route changes ({@link dev.junction.routing.RouteListener}s, through RoutingComponent). */
    final RouteChanges changes = new RouteChanges();

    public VrfControl(Vrfs vrfs, Dataplane dataplane) {
        this(vrfs, dataplane, MAX_KEPT_ASIDE);
    }

    VrfControl(Vrfs vrfs, Dataplane dataplane, int maxKeptAside) {
        this.vrfs = vrfs;
        this.neighbours = vrfs.neighbours4::lookup;
        this.dataplane = dataplane;
        this.maxKeptAside = maxKeptAside;
        ids.put(DEFAULT, 0);
        controls.put(0, new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), dataplane, vrfs.announcements));
        controls.get(0).onChange(() -> changes.changed(DEFAULT));
    }

    /** The default VRF's control: it stands for the kernel's main table. */
    public RoutingControl defaultControl() {
        return controls.get(0);
    }

    static void checkName(String vrf) {
        if (vrf == null || !vrf.matches("[A-Za-z][A-Za-z0-9_-]{0,31}")) {
            throw new IllegalArgumentException("a VRF name is a letter then up to 31 letters, digits, - or _, not '" + vrf + "'");
        }
    }

    /**
     * Parses a VRF's kernel table: 1..4294967295 but the kernel's own 253 (default), 254 (main, the
     * default VRF's) and 255 (local). Throws saying what is wrong.
     */
    static long parseTable(String text) {
        long table;
        try {
            table = Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            table = -1;
        }
        if (table < 1 || table > TABLE_MAX) {
            throw new IllegalArgumentException("table must be a whole number from 1 to " + TABLE_MAX + ", not '" + text + "'");
        }
        if (!mayStandFor(table)) {
            throw new IllegalArgumentException("table " + table + " is the kernel's "
                    + (table == TABLE_MAIN ? "main table, the default VRF's" : table == TABLE_LOCAL ? "local table" : "default table")
                    + "; a VRF takes another (1..252 or 256.." + TABLE_MAX + ", e.g. 10)");
        }
        return table;
    }

    /** Whether a VRF other than the default may stand for kernel table {@code table}. */
    static boolean mayStandFor(long table) {
        return table >= 1 && table <= TABLE_MAX && (table < TABLE_DEFAULT || table > TABLE_LOCAL);
    }

    /** The control of a VRF that exists; throws naming the VRFs there are. */
    public synchronized RoutingControl control(String vrf) {
        Integer id = ids.get(vrf == null ? DEFAULT : vrf);
        if (id == null) {
            throw new IllegalArgumentException("no VRF named '" + vrf + "' (there are: " + String.join(", ", ids.keySet())
                    + "; make one with ip:vrf)");
        }
        return controls.get(id);
    }

    private RoutingControl controlOfInterface(String iface) {
        return controls.get(ids.get(bindings.getOrDefault(iface, DEFAULT)));
    }

    // ---- addresses: applied in the VRF of their interface ----

    @Override
    public synchronized void addAddress(String iface, String cidr) {
        controlOfInterface(iface).addAddress(iface, cidr);
        addresses.computeIfAbsent(iface, k -> new ArrayList<>()).add(cidr);
    }

    /** From configuration: the interface may appear later. */
    synchronized void addConfiguredAddress(String iface, String cidr) {
        controlOfInterface(iface).addConfiguredAddress(iface, cidr);
        addresses.computeIfAbsent(iface, k -> new ArrayList<>()).add(cidr);
    }

    @Override
    public synchronized void removeAddress(String iface, String cidr) {
        controlOfInterface(iface).removeAddress(iface, cidr);
        List<String> list = addresses.get(iface);
        if (list != null) {
            list.remove(cidr);
        }
    }

    // ---- routes ----

    @Override
    public void addRoute(String prefix, String via, String iface) {
        addRoute(DEFAULT, prefix, via, iface);
    }

    @Override
    public synchronized void addRoute(String vrf, String prefix, String via, String iface) {
        RoutingControl c = control(vrf);
        if (iface != null) {
            requireIn(vrf, iface);
        }
        c.addRoute(prefix, via, iface);
    }

    /** From configuration: a VRF or interface it names may appear later (then it waits). */
    synchronized void addConfiguredRoute(String vrf, String prefix, String via, String iface) {
        String name = vrf == null ? DEFAULT : vrf;
        if (!ids.containsKey(name)) {
            define(name);
        }
        control(name).addConfiguredRoute(prefix, via, iface);
    }

    private void requireIn(String vrf, String iface) {
        String in = bindings.getOrDefault(iface, DEFAULT);
        if (!in.equals(vrf == null ? DEFAULT : vrf)) {
            throw new IllegalArgumentException("interface " + iface + " is in VRF " + in + ", not " + vrf);
        }
    }

    /**
     * Steers {@code prefix} of VRF {@code vrf} to another bundle's {@code node} with {@code index}
     * (a {@link dev.junction.routing.SteeredPrefix}); throws saying what is wrong. A node new to the
     * lookups is added to their next nodes first, so no FIB entry names an index they lack.
     */
    public void steer(String vrf, String prefix, String node, int index) {
        RoutingControl.checkAnyPrefix(prefix);
        if (node == null || node.isBlank()) {
            throw new IllegalArgumentException("a steered prefix needs the name of its node");
        }
        if (index < 0) {
            throw new IllegalArgumentException("a steered prefix's index is 0 or more, not " + index);
        }
        control(vrf); // throws for a VRF that does not exist
        boolean[] added = {false};
        int next = vrfs.steerTargets.indexOf(node, added);
        if (added[0]) {
            for (String lookup : List.of(dev.junction.routing.nodes.Ip4LookupNode.NAME,
                    dev.junction.routing.nodes.Ip6LookupNode.NAME)) {
                try {
                    dataplane.refreshNext(lookup);
                } catch (IllegalArgumentException notThereYet) {
                    // Not in the graph yet: it reads its next nodes, targets included, when it joins.
                }
            }
        }
        synchronized (this) {
            control(vrf).steer(prefix, next, index, node);
        }
    }

    /** Removes a steering; returns whether there was one (false too when its VRF is gone). */
    public synchronized boolean unsteer(String vrf, String prefix) {
        Integer id = ids.get(vrf == null ? DEFAULT : vrf);
        return id != null && controls.get(id).unsteer(prefix);
    }

    @Override
    public void removeRoute(String prefix) {
        removeRoute(DEFAULT, prefix);
    }

    @Override
    public synchronized void removeRoute(String vrf, String prefix) {
        control(vrf).removeRoute(prefix);
    }

    @Override
    public List<RouteEntry> routes() {
        return routes(DEFAULT);
    }

    @Override
    public synchronized List<RouteEntry> routes(String vrf) {
        return control(vrf).routes();
    }

    @Override
    public synchronized List<AddressEntry> addresses() {
        List<AddressEntry> out = new ArrayList<>();
        for (RoutingControl c : controls.values()) {
            out.addAll(c.addresses());
        }
        return out;
    }

    @Override
    public synchronized List<NeighbourEntry> neighbours() {
        return defaultControl().neighbours(); // neighbours are per interface: one table for all VRFs
    }

    @Override
    public synchronized List<Routing.AdjacencyEntry> adjacencies(String vrf) {
        return control(vrf).adjacencies();
    }

    @Override
    public synchronized Routing.AdjacencyEntry resolve(String vrf, String address) {
        return control(vrf).resolve(address);
    }

    @Override
    public dev.junction.routing.Ip4Neighbours ip4Neighbours() {
        return neighbours; // not synchronized: the fast path's own lock-free table
    }

    /** ip4-rewrite's table, as other bundles' fast paths read it. */
    private final dev.junction.routing.Ip4Neighbours neighbours;

    @Override
    public synchronized List<Routing.EcmpGroup> ecmpGroups(String vrf) {
        return control(vrf).ecmpGroups();
    }

    @Override
    public synchronized int announce(String iface) {
        long refusedBefore = vrfs.announcements.refusedCount();
        int count = controlOfInterface(iface).announce(iface);
        if (vrfs.announcements.refusedCount() != refusedBefore) {
            throw new IllegalArgumentException("announcements are queued for " + Announcements.CAPACITY
                    + " addresses already (" + count + " of " + iface + "'s queued); try again in " + Announcements.REPEATS + " s");
        }
        if (count == 0) {
            throw new IllegalArgumentException(iface + " has no addresses to announce (see ip:addresses)");
        }
        return count;
    }

    // ---- VRFs ----

    /** Makes a VRF with empty tables; returns its id. */
    private int define(String vrf) {
        checkName(vrf);
        Integer id = ids.get(vrf);
        if (id != null) {
            return id;
        }
        int next = 1;
        while (controls.containsKey(next)) {
            next++;
        }
        if (next >= Vrfs.MAX) {
            throw new IllegalArgumentException("at most " + (Vrfs.MAX - 1) + " VRFs besides the default one");
        }
        Ip4Tables t4 = new Ip4Tables(vrfs.neighbours4, true); // a VRF's table grows with its routes
        Ip6Tables t6 = new Ip6Tables(vrfs.neighbours6);
        vrfs.tables(next, t4, t6);
        ids.put(vrf, next);
        RoutingControl c = new RoutingControl(t4, t6, dataplane, vrfs.announcements);
        c.onChange(() -> changes.changed(vrf));
        controls.put(next, c);
        return next;
    }

    /**
     * Puts interfaces in a VRF (made if new) and makes it stand for kernel table {@code table} (0:
     * none). The table is checked first: a table another VRF has refuses the whole change.
     */
    public synchronized void bindVrf(String vrf, List<String> interfaces, long table) {
        checkName(vrf);
        if (DEFAULT.equals(vrf)) {
            throw new IllegalArgumentException("the default VRF's table is main (254); no other");
        }
        if (table != 0) {
            parseTable(Long.toString(table));
            String holder = vrfOfTable.get(table);
            if (holder != null && !holder.equals(vrf)) {
                throw new IllegalArgumentException("table " + table + " is VRF " + holder
                        + "'s already: a table belongs to one VRF (see ip:vrfs)");
            }
        }
        bindVrf(vrf, interfaces);
        setTable(vrf, table);
    }

    /** The kernel table a VRF stands for: main for the default VRF, 0 for none. */
    private long tableOf(String vrf) {
        if (DEFAULT.equals(vrf)) {
            return TABLE_MAIN;
        }
        for (Map.Entry<Long, String> e : vrfOfTable.entrySet()) {
            if (e.getValue().equals(vrf)) {
                return e.getKey();
            }
        }
        return 0;
    }

    /**
     * The VRF leaves its table, if it had one, for {@code table} (0: none): the routes FRR sent for
     * the old one leave its FIB and are kept aside, those kept for the new one join it.
     */
    private void setTable(String vrf, long table) {
        long old = tableOf(vrf);
        if (old == table) {
            return;
        }
        RoutingControl c = control(vrf);
        if (old != 0) {
            vrfOfTable.remove(old);
            List<String[]> learned = c.learnedRoutes();
            c.removeLearnedRoutes(FpmServer.KIND);
            int dropped = 0;
            for (String[] r : learned) {
                if (r[0].equals(FpmServer.KIND) && !keepAside(old, r[1], RoutingControl.gateways(r[2]))) {
                    dropped++;
                }
            }
            if (dropped > 0) {
                LOG.log(System.Logger.Level.WARNING, "VRF " + vrf + " left table " + old + ": " + dropped
                        + " of its FRR routes dropped (" + maxKeptAside + " routes are kept aside already)");
            }
        }
        if (table == 0) {
            return;
        }
        vrfOfTable.put(table, vrf);
        Map<String, List<String>> waiting = keptAside.remove(table);
        if (waiting != null) {
            keptAsideRoutes -= waiting.size();
            for (Map.Entry<String, List<String>> r : waiting.entrySet()) {
                try {
                    c.replaceLearnedRoute(FpmServer.KIND, r.getKey(), r.getValue());
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "FRR route " + r.getKey() + " of table " + table + " refused by VRF "
                            + vrf + ": " + e.getMessage());
                }
            }
        }
    }

    /** Keeps a route of a table no VRF has; false when {@link #MAX_KEPT_ASIDE} are kept already. */
    private boolean keepAside(long table, String prefix, List<String> gateways) {
        Map<String, List<String>> routes = keptAside.computeIfAbsent(table, t -> new HashMap<>());
        if (!routes.containsKey(prefix)) {
            if (keptAsideRoutes >= maxKeptAside) {
                if (routes.isEmpty()) {
                    keptAside.remove(table);
                }
                return false;
            }
            keptAsideRoutes++;
        }
        routes.put(prefix, List.copyOf(gateways));
        return true;
    }

    /** The VRF that stands for kernel table {@code table} (main: the default VRF), or null. */
    synchronized String vrfOfTable(long table) {
        return table == TABLE_MAIN ? DEFAULT : vrfOfTable.get(table);
    }

    private RoutingControl controlOfTable(long table) {
        if (table == TABLE_MAIN) {
            return defaultControl();
        }
        String vrf = vrfOfTable.get(table);
        return vrf == null ? null : control(vrf);
    }

    // ---- routes FRR sends for kernel tables (FPM), kind frr ----

    /**
     * Adds or replaces a route FRR sent for kernel table {@code table}: in the VRF that has the table,
     * else kept aside for the VRF that takes it later. Throws when the route is bad.
     */
    public synchronized Placement replaceLearnedRoute(long table, String prefix, List<String> gateways) {
        RoutingControl c = controlOfTable(table);
        if (c != null) {
            c.replaceLearnedRoute(FpmServer.KIND, prefix, gateways);
            return Placement.IN_VRF;
        }
        if (gateways.isEmpty()) {
            throw new IllegalArgumentException("a learned route needs a gateway");
        }
        RoutingControl.checkAnyPrefix(prefix);
        RoutingControl.checkGateway(prefix, String.join(",", gateways));
        return keepAside(table, prefix, gateways) ? Placement.KEPT_ASIDE : Placement.DROPPED;
    }

    /** Removes a route FRR withdrew from kernel table {@code table}, from its VRF or from those kept aside. */
    public synchronized void removeLearnedRoute(long table, String prefix) {
        RoutingControl c = controlOfTable(table);
        if (c != null) {
            c.removeLearnedRoute(prefix);
            return;
        }
        Map<String, List<String>> routes = keptAside.get(table);
        if (routes != null && routes.remove(prefix) != null) {
            keptAsideRoutes--;
            if (routes.isEmpty()) {
                keptAside.remove(table);
            }
        }
    }

    /** Removes every route FRR sent, from every VRF and from those kept aside. */
    public synchronized void removeLearnedRoutes() {
        for (RoutingControl c : controls.values()) {
            c.removeLearnedRoutes(FpmServer.KIND);
        }
        keptAside.clear();
        keptAsideRoutes = 0;
    }

    /** Most routes kept aside, all tables together ({@link #MAX_KEPT_ASIDE} but in tests). */
    int maxKeptAside() {
        return maxKeptAside;
    }

    /** How many routes are kept aside, by table. */
    public synchronized Map<Long, Integer> keptAside() {
        Map<Long, Integer> out = new TreeMap<>();
        keptAside.forEach((table, routes) -> out.put(table, routes.size()));
        return out;
    }

    /**
     * Routes FRR sent for tables other than main, as (prefix, gateways, table) triples: those in VRFs
     * and those kept aside (what an update hands over besides the default VRF's learned routes).
     */
    public synchronized List<String[]> tableRoutes() {
        List<String[]> out = new ArrayList<>();
        vrfOfTable.forEach((table, vrf) -> {
            for (String[] r : control(vrf).learnedRoutes()) {
                if (r[0].equals(FpmServer.KIND)) {
                    out.add(new String[] {r[1], r[2], Long.toString(table)});
                }
            }
        });
        keptAside.forEach((table, routes) -> routes.forEach((prefix, gws) ->
                out.add(new String[] {prefix, String.join(",", gws), Long.toString(table)})));
        return out;
    }

    @Override
    public synchronized void bindVrf(String vrf, List<String> interfaces) {
        checkName(vrf);
        define(vrf);
        for (String iface : interfaces) {
            String from = bindings.getOrDefault(iface, DEFAULT);
            if (from.equals(vrf)) {
                continue;
            }
            // The interface's addresses leave the old VRF's tables and join the new one's.
            List<String> addrs = addresses.getOrDefault(iface, List.of());
            RoutingControl old = controls.get(ids.get(from));
            for (String a : addrs) {
                try {
                    old.removeAddress(iface, a);
                } catch (IllegalArgumentException gone) {
                    // not applied there (refused earlier): nothing to move
                }
            }
            if (vrf.equals(DEFAULT)) {
                bindings.remove(iface);
            } else {
                bindings.put(iface, vrf);
            }
            RoutingControl now = controls.get(ids.get(vrf));
            for (String a : addrs) {
                now.addConfiguredAddress(iface, a);
            }
        }
        publishBindings();
    }

    @Override
    public synchronized void removeVrf(String vrf) {
        if (DEFAULT.equals(vrf)) {
            throw new IllegalArgumentException("the default VRF cannot be removed");
        }
        Integer id = ids.get(vrf);
        if (id == null) {
            throw new IllegalArgumentException("no VRF named '" + vrf + "' (see ip:vrfs)");
        }
        List<String> members = new ArrayList<>();
        bindings.forEach((iface, v) -> {
            if (v.equals(vrf)) {
                members.add(iface);
            }
        });
        bindVrf(DEFAULT, members);
        setTable(vrf, 0);
        ids.remove(vrf);
        controls.remove(id);
        vrfs.tables(id, null, null);
    }

    @Override
    public synchronized List<VrfEntry> vrfs() {
        List<VrfEntry> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            List<String> members = new ArrayList<>();
            if (e.getKey().equals(DEFAULT)) {
                for (InterfaceStatus s : dataplane.interfaces()) {
                    if (!bindings.containsKey(s.name())) {
                        members.add(s.name());
                    }
                }
            } else {
                bindings.forEach((iface, v) -> {
                    if (v.equals(e.getKey())) {
                        members.add(iface);
                    }
                });
            }
            out.add(new VrfEntry(e.getKey(), e.getValue(), members, controls.get(e.getValue()).routes().size(), tableOf(e.getKey())));
        }
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }

    /** Interface indexes change as devices come and go: publish the VRF of each index again. */
    private void publishBindings() {
        List<InterfaceStatus> ifs = dataplane.interfaces(); // one snapshot
        int size = 0;
        for (InterfaceStatus s : ifs) {
            size = Math.max(size, s.index() + 1);
        }
        int[] byIndex = new int[size];
        for (InterfaceStatus s : ifs) {
            String v = bindings.get(s.name());
            byIndex[s.index()] = v == null ? 0 : ids.get(v);
        }
        vrfs.bindings(byIndex);
    }

    /** The interfaces changed (the graph's epoch moved): bindings and every VRF's FIB follow. */
    public synchronized void refresh() {
        publishBindings();
        for (RoutingControl c : controls.values()) {
            c.refresh();
        }
    }

    public synchronized void maintain() {
        for (RoutingControl c : controls.values()) {
            c.maintain();
        }
    }
}
