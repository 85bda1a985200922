package dev.junction.routing.internal;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.packet.Ipv4;
import dev.junction.packet.MacAddress;
import dev.junction.routing.Routing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The control side of IPv4 routing: keeps addresses and static routes, derives the FIB from them
 * (connected and local routes from addresses, static routes resolved to an output interface through
 * the connected ones) and applies only the difference to the FIB. Synchronized: one change at a time.
 */
public final class RoutingControl {
    private final Ip4Tables tables;
    private final Dataplane dataplane;
    /** Where an address that comes up on an interface is announced from (gratuitous ARP). */
    private final Announcements announcements;
    private final Ip6Control ip6;
    /** The FPM listener, when one is configured (for the shell's ip:fpm). */
    volatile FpmServer fpm;
    /** Interface name to its addresses (address, length). */
    private final Map<String, List<int[]>> addresses = new TreeMap<>();
    private final Map<Long, StaticRoute> statics = new TreeMap<>();
    /** Routes from a routing daemon (FRR over FPM), below static routes of the same prefix. */
    private final Map<Long, StaticRoute> learned = new TreeMap<>();
    /** Prefixes steered to other bundles' nodes: after connected and local routes, before static ones. */
    private final Map<Long, Entry> steered = new TreeMap<>();
    private final InstalledRoutes<Long, Entry> installed = new InstalledRoutes<>(Entry::adj, this::fibAdd, this::fibRemove);
    private final AdjacencyIds<Adj> adjacencies = new AdjacencyIds<>(new Adj(Ip4Tables.FORWARD, -1, 0),
            this::publishedAdjacencies, this::publishAdjacencies);

    /** A static or learned route: one gateway or more (ECMP), or none with an interface (on-link). */
    private record StaticRoute(int prefix, int len, int[] vias, String iface, String kind) {
        String viaText() {
            StringBuilder sb = new StringBuilder();
            for (int v : vias) {
                sb.append(sb.isEmpty() ? "" : ",").append(Ipv4.format(v));
            }
            return sb.isEmpty() ? null : sb.toString();
        }
    }

    /** What a FIB entry leads to: one path (kind, interface, gateway), or ECMP over {@code paths}. */
    private record Adj(int kind, int ifIndex, int gateway, List<Adj> paths) implements AdjacencyIds.Adjacency<Adj> {
        Adj(int kind, int ifIndex, int gateway) {
            this(kind, ifIndex, gateway, List.of());
        }
    }

    private record Entry(int prefix, int len, String kind, Adj adj, String via, String iface) {
    }

    public RoutingControl(Ip4Tables tables, Ip6Tables tables6, Dataplane dataplane) {
        this(tables, tables6, dataplane, new Announcements());
    }

    /** Controls one VRF's tables; addresses coming up are announced through {@code announcements}. */
    public RoutingControl(Ip4Tables tables, Ip6Tables tables6, Dataplane dataplane, Announcements announcements) {
        this.tables = tables;
        this.dataplane = dataplane;
        this.announcements = announcements;
        this.ip6 = new Ip6Control(tables6, dataplane, announcements);
    }

    /** Checks an interface address of either family; throws saying what is wrong. */
    static void checkAnyAddress(String cidr) {
        if (Ip6Control.isIpv6(cidr)) {
            Ip6Control.checkAddress(cidr);
        } else {
            checkAddress(cidr);
        }
    }

    /** Checks a route prefix of either family (host bits clear); throws saying what is wrong. */
    static void checkAnyPrefix(String prefix) {
        if (Ip6Control.isIpv6(prefix)) {
            Ip6Control.prefix(prefix);
        } else {
            cidr(prefix, true);
        }
    }

    /** Whether prefix {@code outer} covers prefix {@code inner} (both valid; different families: no). */
    static boolean covers(String outer, String inner) {
        if (Ip6Control.isIpv6(outer) != Ip6Control.isIpv6(inner)) {
            return false;
        }
        if (Ip6Control.isIpv6(outer)) {
            dev.junction.routing.fib.Ipv6Prefix o = Ip6Control.prefix(outer), i = Ip6Control.prefix(inner);
            return i.length() >= o.length() && (i.high() & dev.junction.routing.fib.Ipv6Prefix.highMask(o.length())) == o.high()
                    && (i.low() & dev.junction.routing.fib.Ipv6Prefix.lowMask(o.length())) == o.low();
        }
        int[] o = cidr(outer, true), i = cidr(inner, false);
        int mask = o[1] == 0 ? 0 : -1 << (32 - o[1]);
        return i[1] >= o[1] && (i[0] & mask) == o[0];
    }

    /** Checks gateways (one, or several comma-separated for ECMP) of the prefix's family. */
    static void checkGateway(String prefix, String via) {
        for (String gw : gateways(via)) {
            if (Ip6Control.isIpv6(prefix) != Ip6Control.isIpv6(gw)) {
                throw new IllegalArgumentException("gateway " + gw + " is not of the family of " + prefix);
            }
            if (Ip6Control.isIpv6(gw)) {
                Ip6Control.address(gw);
            } else {
                Ipv4.parse(gw);
            }
        }
    }

    /** The gateways of a {@code via} text: one, or several separated by commas (ECMP); none for null. */
    static List<String> gateways(String via) {
        List<String> out = new ArrayList<>();
        if (via != null) {
            for (String gw : via.split(",")) {
                if (!gw.isBlank()) {
                    out.add(gw.strip());
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("via needs a gateway address");
            }
            if (out.size() > MAX_PATHS) {
                throw new IllegalArgumentException("at most " + MAX_PATHS + " gateways per route, not " + out.size());
            }
        }
        return out;
    }

    /** Most ECMP paths per route. */
    public static final int MAX_PATHS = 64;

    static long key(int prefix, int len) {
        return ((prefix & 0xFFFF_FFFFL) << 6) | len;
    }

    /** Parses {@code a.b.c.d/len}; host bits must be zero when {@code network} is asked for. */
    static int[] cidr(String text, boolean network) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' needs a length, like 10.1.0.0/24");
        }
        int addr = Ipv4.parse(text.substring(0, slash));
        int len;
        try {
            len = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            len = -1;
        }
        if (len < 0 || len > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32 in '" + text + "'");
        }
        int mask = len == 0 ? 0 : -1 << (32 - len);
        if (network && (addr & ~mask) != 0) {
            throw new IllegalArgumentException("'" + text + "' has host bits set; the network is "
                    + Ipv4.format(addr & mask) + "/" + len);
        }
        return new int[] {addr, len};
    }

    private int ifIndex(String iface) {
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.name().equals(iface)) {
                return s.index();
            }
        }
        throw new IllegalArgumentException("no interface named '" + iface + "' (see interface:list)");
    }

    /** Checks an interface address: a.b.c.d/len with a length of 1..30 or 32. */
    static int[] checkAddress(String cidr) {
        int[] a = cidr(cidr, false);
        if (a[1] == 0 || a[1] > 30 && a[1] != 32) {
            throw new IllegalArgumentException("an interface address needs a length of 1..30 or 32, not /" + a[1]);
        }
        return a;
    }

    /** Whether an interface of that name exists now. */
    boolean hasInterface(String iface) {
        try {
            ifIndex(iface);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Recomputes the FIB: interfaces come and go, and the addresses on them with them. */
    public synchronized void refresh() {
        recompute();
        ip6.recompute();
    }

    /** Housekeeping from the control thread, about once a second: FIB groups freed long enough ago. */
    public synchronized void maintain() {
        ip6.reclaim();
        tables.fib.reclaim();
        long cutoff = System.nanoTime() - NEIGHBOUR_LIFETIME_NANOS;
        tables.neighbours.expire(cutoff);
        ip6.expireNeighbours(cutoff);
    }

    /**
     * How long a neighbour stays known without being heard from (hosts that talk to the router
     * refresh themselves: their own ARP and NS teach the cache); then it is asked for again.
     */
    public static final long NEIGHBOUR_LIFETIME_NANOS = 300_000_000_000L;

    public synchronized void addAddress(String iface, String cidr) {
        ifIndex(iface);
        addConfiguredAddress(iface, cidr);
    }

    /** Adds an address from configuration: its interface may appear later. */
    synchronized void addConfiguredAddress(String iface, String cidr) {
        if (Ip6Control.isIpv6(cidr)) {
            ip6.addAddress(iface, cidr);
            return;
        }
        int[] a = checkAddress(cidr);
        List<int[]> list = addresses.computeIfAbsent(iface, k -> new ArrayList<>());
        for (int[] x : list) {
            if (x[0] == a[0]) {
                throw new IllegalArgumentException(Ipv4.format(a[0]) + " is on " + iface + " already");
            }
        }
        list.add(a);
        recompute();
    }

    public synchronized void removeAddress(String iface, String cidr) {
        if (Ip6Control.isIpv6(cidr)) {
            ip6.removeAddress(iface, cidr);
            return;
        }
        int[] a = cidr(cidr, false);
        List<int[]> list = addresses.getOrDefault(iface, new ArrayList<>());
        if (!list.removeIf(x -> x[0] == a[0] && x[1] == a[1])) {
            throw new IllegalArgumentException(iface + " has no address " + cidr + " (see ip:addresses)");
        }
        recompute();
    }

    public synchronized void addRoute(String prefix, String via, String iface) {
        if (iface != null) {
            ifIndex(iface);
        }
        addConfiguredRoute(prefix, via, iface);
    }

    /** Adds a route from configuration: an interface it names may appear later. */
    synchronized void addConfiguredRoute(String prefix, String via, String iface) {
        if (via != null) {
            checkGateway(prefix, via);
        }
        if (Ip6Control.isIpv6(prefix)) {
            ip6.addRoute(prefix, via, iface);
            return;
        }
        int[] p = cidr(prefix, true);
        if (via == null && iface == null) {
            throw new IllegalArgumentException("a route needs a gateway (via) or an interface");
        }
        statics.put(key(p[0], p[1]), new StaticRoute(p[0], p[1], parseGateways(via), iface, "static"));
        recompute();
    }

    public synchronized void removeRoute(String prefix) {
        if (Ip6Control.isIpv6(prefix)) {
            ip6.removeRoute(prefix);
            return;
        }
        int[] p = cidr(prefix, true);
        if (statics.remove(key(p[0], p[1])) == null) {
            throw new IllegalArgumentException("no static route " + prefix + " (see ip:routes)");
        }
        recompute();
    }

    /**
     * Steers {@code prefix} (either family) to next-node {@code next} of the lookups, with
     * {@code index} for the packets' adjacency word; {@code node} names it in {@code ip:routes}.
     */
    public synchronized void steer(String prefix, int next, int index, String node) {
        if (Ip6Control.isIpv6(prefix)) {
            ip6.steer(prefix, next, index, node);
            return;
        }
        int[] p = cidr(prefix, true);
        long k = key(p[0], p[1]);
        steered.put(k, new Entry(p[0], p[1], "steered", new Adj(Ip4Tables.STEERED, next, index), node, null));
        applySteered(k);
    }

    /** Removes a steering; returns whether there was one. */
    public synchronized boolean unsteer(String prefix) {
        if (Ip6Control.isIpv6(prefix)) {
            return ip6.unsteer(prefix);
        }
        int[] p = cidr(prefix, true);
        long k = key(p[0], p[1]);
        if (steered.remove(k) == null) {
            return false;
        }
        applySteered(k);
        return true;
    }

    /**
     * A steering came or went: only its prefix's FIB entry is touched, with the precedence
     * {@link #wanted} gives (connected and local, then steered, then static, then learned). A whole
     * recompute walks every route (a full table: about a second), and a bundle steers one prefix per
     * entry: 100,000 label imposition entries would take a day.
     */
    private void applySteered(long k) {
        if (connected.containsKey(k)) {
            return; // shadowed by an interface's own prefix or address
        }
        Entry e = steered.get(k);
        if (e == null) {
            for (Map<Long, StaticRoute> routes : List.of(statics, learned)) {
                StaticRoute r = routes.get(k);
                e = r == null ? null : resolve(r, connected);
                if (e != null) {
                    break;
                }
            }
        }
        if (e != null) {
            adjacencies.register(List.of(e), Entry::adj);
        }
        installed.put(k, e);
    }

    private static int[] parseGateways(String via) {
        List<String> gws = gateways(via);
        int[] out = new int[gws.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Ipv4.parse(gws.get(i));
        }
        return out;
    }

    /**
     * Adds or replaces a route learned from a routing daemon ({@code kind} names it, e.g. frr): below
     * a static route of the same prefix; not persisted (the daemon sends its routes again when it
     * reconnects). {@code vias} holds one gateway or more (ECMP).
     */
    public synchronized void replaceLearnedRoute(String kind, String prefix, List<String> vias) {
        String via = vias.isEmpty() ? null : String.join(",", vias);
        if (via == null) {
            throw new IllegalArgumentException("a learned route needs a gateway");
        }
        checkGateway(prefix, via);
        if (Ip6Control.isIpv6(prefix)) {
            ip6.replaceLearnedRoute(kind, prefix, via);
            return;
        }
        int[] p = cidr(prefix, true);
        long k = key(p[0], p[1]);
        learned.put(k, new StaticRoute(p[0], p[1], parseGateways(via), null, kind));
        applyLearned(k);
    }

    /** Removes a learned route; returns whether there was one. */
    public synchronized boolean removeLearnedRoute(String prefix) {
        if (Ip6Control.isIpv6(prefix)) {
            return ip6.removeLearnedRoute(prefix);
        }
        int[] p = cidr(prefix, true);
        long k = key(p[0], p[1]);
        boolean had = learned.remove(k) != null;
        if (had) {
            applyLearned(k);
        }
        return had;
    }

    /** Learned routes as (kind, prefix, gateways) triples, IPv4 then IPv6: what an update hands over. */
    public synchronized List<String[]> learnedRoutes() {
        List<String[]> out = new ArrayList<>();
        for (StaticRoute r : learned.values()) {
            out.add(new String[] {r.kind, Ipv4.format(r.prefix) + "/" + r.len, r.viaText()});
        }
        ip6.learnedRoutes(out);
        return out;
    }

    /** Removes every route learned from {@code kind} (its daemon went away for good). */
    public synchronized void removeLearnedRoutes(String kind) {
        learned.values().removeIf(r -> r.kind.equals(kind));
        ip6.removeLearnedRoutes(kind);
        recompute();
    }

    /** Connected and local routes of the last recompute: what static and learned gateways resolve through. */
    private Map<Long, Entry> connected = Map.of();

    /** Everything the FIB should hold: connected and local routes, then static, then learned ones. */
    private Map<Long, Entry> wanted() {
        Map<Long, Entry> want = new LinkedHashMap<>();
        // One snapshot of the interfaces for the whole computation: a device may come or go
        // meanwhile (at boot they arrive while the addresses are applied).
        Map<String, Integer> indexes = new HashMap<>();
        int size = 0;
        for (InterfaceStatus s : dataplane.interfaces()) {
            size = Math.max(size, s.index() + 1);
            indexes.put(s.name(), s.index());
        }
        int[] primary = new int[size];
        for (Map.Entry<String, List<int[]>> e : addresses.entrySet()) {
            Integer idx = indexes.get(e.getKey());
            if (idx == null) {
                continue; // the interface went away (or is not there yet): its routes go with it
            }
            for (int[] a : e.getValue()) {
                int mask = a[1] == 0 ? 0 : -1 << (32 - a[1]);
                if (primary[idx] == 0) {
                    primary[idx] = a[0];
                }
                if (a[1] < 32) {
                    want.put(key(a[0] & mask, a[1]), new Entry(a[0] & mask, a[1], "connected",
                            new Adj(Ip4Tables.FORWARD, idx, 0), null, e.getKey()));
                }
                want.put(key(a[0], 32), new Entry(a[0], 32, "local", new Adj(Ip4Tables.LOCAL, idx, 0), null, e.getKey()));
            }
        }
        tables.interfaceAddress = primary;
        connected = Map.copyOf(want);
        steered.forEach(want::putIfAbsent);
        for (Map<Long, StaticRoute> routes : List.of(statics, learned)) {
            for (StaticRoute r : routes.values()) {
                Entry e = resolve(r, connected);
                if (e != null) {
                    want.putIfAbsent(key(r.prefix, r.len), e);
                }
            }
        }
        return want;
    }

    private int publishedAdjacencies() {
        return tables.adjacencies.kind().length;
    }

    /** The arrays of every adjacency by id; a group's {@code ifIndex} and {@code gateway} say where its paths are. */
    private void publishAdjacencies(List<Adj> byId, int[] firstMember, int[] members) {
        int n = byId.size();
        int[] kind = new int[n];
        int[] ifs = new int[n];
        int[] gws = new int[n];
        for (int i = 0; i < n; i++) {
            Adj a = byId.get(i);
            kind[i] = a.kind;
            ifs[i] = a.ifIndex;
            gws[i] = a.gateway;
            if (a.kind == Ip4Tables.MULTIPATH) {
                ifs[i] = firstMember[i]; // a group: its paths are members[ifIndex .. ifIndex + gateway)
                gws[i] = a.paths.size();
            }
        }
        tables.adjacencies = new Ip4Tables.Adjacencies(kind, ifs, gws, members);
    }

    /** Run after every change of this VRF's FIB (set by VrfControl: it tells the RouteListeners). */
    private volatile Runnable changed = () -> {
    };

    void onChange(Runnable r) {
        changed = r;
        ip6.onChange(r);
    }

    private void fibAdd(long key, Entry e) {
        changed.run();
        tables.fib.add(e.prefix, e.len, adjacencies.id(e.adj));
        if (e.adj.kind == Ip4Tables.LOCAL) { // an address came up on an interface
            announcements.announce4(e.adj.ifIndex, e.prefix);
        }
    }

    /**
     * Announces again every address the FIB holds as local on the interface, both families (as when
     * they came up); returns how many were queued. Throws when there is no such interface.
     */
    public synchronized int announce(String iface) {
        int ifIndex = ifIndex(iface);
        int n = 0;
        for (Entry e : installed.entries().values()) {
            if (e.adj.kind == Ip4Tables.LOCAL && e.adj.ifIndex == ifIndex && announcements.announce4(ifIndex, e.prefix)) {
                n++;
            }
        }
        return n + ip6.announce(ifIndex);
    }

    private void fibRemove(long key, Entry e) {
        changed.run();
        tables.fib.remove(e.prefix, e.len);
    }

    /** Rebuilds the wanted FIB and applies the difference: adds and replacements first, removals last. */
    private void recompute() {
        Map<Long, Entry> want = wanted();
        adjacencies.register(want.values(), Entry::adj);
        installed.replaceAll(want);
    }

    /**
     * A learned route changed: only its own FIB entry is touched (a daemon streams a whole table one
     * route at a time). A static, connected or local route of the same prefix keeps precedence.
     */
    private void applyLearned(long k) {
        Entry cur = installed.get(k);
        if (cur != null && (connected.containsKey(k) || statics.containsKey(k) && cur.kind.equals("static"))) {
            return; // shadowed
        }
        StaticRoute r = learned.get(k);
        Entry e = r == null ? null : resolve(r, connected);
        if (e != null) {
            adjacencies.register(List.of(e), Entry::adj);
        }
        installed.put(k, e);
    }

    /** What a table load did. */
    public record LoadResult(int routes, long nanos, long fibBytes) {
    }

    /**
     * Replaces every learned route of {@code kind} by {@code routes} ({prefix, gateways} pairs, IPv4
     * and IPv6 mixed): all of them are checked first and the whole load refused if one is bad; then
     * a new FIB is built beside the one the workers use, off the workers, and published with one
     * write, so that forwarding never sees half a table. {@code progress} hears how far it got.
     */
    public synchronized LoadResult loadTable(String kind, List<String[]> routes, java.util.function.Consumer<String> progress) {
        long t0 = System.nanoTime();
        Map<Long, StaticRoute> v4 = new LinkedHashMap<>();
        List<String[]> v6 = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            String[] r = routes.get(i);
            try {
                checkGateway(r[0], r[1]);
                if (Ip6Control.isIpv6(r[0])) {
                    Ip6Control.prefix(r[0]);
                    v6.add(r);
                } else {
                    int[] p = cidr(r[0], true);
                    v4.put(key(p[0], p[1]), new StaticRoute(p[0], p[1], parseGateways(r[1]), null, kind));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("route " + (i + 1) + " (" + r[0] + " " + r[1] + "): " + e.getMessage()
                        + "; nothing loaded");
            }
            if ((i + 1) % 200_000 == 0) {
                progress.accept("checked " + (i + 1) + " of " + routes.size() + " routes");
            }
        }
        learned.values().removeIf(r -> r.kind.equals(kind));
        learned.putAll(v4);
        Map<Long, Entry> want = wanted();
        adjacencies.register(want.values(), Entry::adj);
        Ipv4Lookup fresh = tables.newFib();
        int done = 0;
        for (Entry e : want.values()) {
            fresh.add(e.prefix, e.len, adjacencies.id(e.adj));
            if (++done % 200_000 == 0) {
                progress.accept("IPv4 FIB: " + done + " of " + want.size() + " routes");
            }
        }
        tables.fib = fresh; // the workers take the new table from their next vector on
        changed.run();
        installed.loaded(want);
        long bytes = fresh.memoryBytes() + ip6.loadTable(kind, v6, progress);
        return new LoadResult(v4.size() + v6.size(), System.nanoTime() - t0, bytes);
    }

    /**
     * A route's output: out of its interface (to each gateway, or on-link), or to each gateway out of
     * the connected route it lies in; gateways that no connected route covers are left out, and a
     * route with none left is inactive (null). Several paths make an ECMP group.
     */
    private Entry resolve(StaticRoute r, Map<Long, Entry> connected) {
        String via = r.viaText();
        if (r.iface != null && !hasInterface(r.iface)) {
            return null;
        }
        List<Adj> paths = new ArrayList<>();
        java.util.Set<String> ifaces = new java.util.TreeSet<>();
        if (r.vias.length == 0) {
            paths.add(new Adj(Ip4Tables.FORWARD, ifIndex(r.iface), 0));
            ifaces.add(r.iface);
        }
        for (int gw : r.vias) {
            if (r.iface != null) {
                paths.add(new Adj(Ip4Tables.FORWARD, ifIndex(r.iface), gw));
                ifaces.add(r.iface);
                continue;
            }
            Entry best = null;
            for (Entry c : connected.values()) {
                int mask = c.len == 0 ? 0 : -1 << (32 - c.len);
                if (c.kind.equals("connected") && (gw & mask) == c.prefix && (best == null || c.len > best.len)) {
                    best = c;
                }
            }
            if (best != null) {
                paths.add(new Adj(Ip4Tables.FORWARD, best.adj.ifIndex, gw));
                ifaces.add(best.iface);
            }
        }
        if (paths.isEmpty()) {
            return null;
        }
        Adj adj = paths.size() == 1 ? paths.getFirst() : new Adj(Ip4Tables.MULTIPATH, -1, 0, List.copyOf(paths));
        return new Entry(r.prefix, r.len, r.kind, adj, via, String.join(",", ifaces));
    }

    public synchronized List<Routing.RouteEntry> routes() {
        // Sorted by (prefix, length) on the numeric key first: a full table has a million routes.
        TreeMap<Long, List<Routing.RouteEntry>> byKey = new TreeMap<>((x, y) -> Long.compareUnsigned(x, y));
        for (Map.Entry<Long, Entry> me : installed.entries().entrySet()) {
            Entry e = me.getValue();
            byKey.computeIfAbsent(me.getKey(), k -> new ArrayList<>(1))
                    .add(new Routing.RouteEntry(Ipv4.format(e.prefix) + "/" + e.len, e.kind, e.via, e.iface, true));
        }
        for (Map<Long, StaticRoute> routes : List.of(statics, learned)) {
            for (Map.Entry<Long, StaticRoute> e : routes.entrySet()) {
                StaticRoute r = e.getValue();
                Entry in = installed.get(e.getKey());
                if (in == null || !in.kind.equals(r.kind)) {
                    byKey.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(
                            new Routing.RouteEntry(Ipv4.format(r.prefix) + "/" + r.len, r.kind, r.viaText(), r.iface, false));
                }
            }
        }
        List<Routing.RouteEntry> out = new ArrayList<>(installed.entries().size() + 16);
        byKey.values().forEach(out::addAll);
        ip6.routes(out);
        return out;
    }

    /** The ECMP groups the installed routes use, IPv4 then IPv6, in order of first use by prefix. */
    /** The adjacencies the installed routes use, IPv4 then IPv6 (see {@link Routing#adjacencies}). */
    public synchronized List<Routing.AdjacencyEntry> adjacencies() {
        Map<Integer, String> names = interfaceNames();
        List<Routing.AdjacencyEntry> out = new ArrayList<>();
        for (AdjacencyIds.Used<Adj, Entry> u : adjacencies.used(installed.entries().values(), Entry::adj)) {
            Adj a = u.adjacency();
            boolean onePath = a.kind != Ip4Tables.MULTIPATH && a.kind != Ip4Tables.STEERED;
            String via = a.kind == Ip4Tables.STEERED ? u.entry().via : onePath && a.gateway != 0 ? Ipv4.format(a.gateway) : null;
            out.add(new Routing.AdjacencyEntry(4, u.id(), AdjacencyIds.kindName(a.kind),
                    onePath ? names.getOrDefault(a.ifIndex, "#" + a.ifIndex) : null, via, u.paths()));
        }
        ip6.adjacencies(names, out);
        return out;
    }

    /** The adjacency the FIB gives {@code address} now, or null (see {@link Routing#resolve}). */
    public synchronized Routing.AdjacencyEntry resolve(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("an address to resolve, a.b.c.d or x:y::z");
        }
        if (address.indexOf(':') >= 0) {
            return ip6.resolve(address, interfaceNames());
        }
        int a;
        try {
            a = Ipv4.parse(address);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an address: " + address + " (write a.b.c.d or x:y::z)");
        }
        // The arrays the data plane reads: the FIB's id, then what the id means (published after it).
        int id = tables.fib.lookup(a);
        Ip4Tables.Adjacencies adj = tables.adjacencies;
        if (id <= 0 || id >= adj.kind().length) {
            return null;
        }
        Map<Integer, String> names = interfaceNames();
        int kind = adj.kind()[id];
        List<Integer> paths = new ArrayList<>();
        if (kind == Ip4Tables.MULTIPATH) {
            for (int k = 0; k < adj.gateway()[id]; k++) {
                paths.add(adj.members()[adj.ifIndex()[id] + k]);
            }
        }
        boolean onePath = kind != Ip4Tables.MULTIPATH && kind != Ip4Tables.STEERED;
        int gw = adj.gateway()[id];
        return new Routing.AdjacencyEntry(4, id, AdjacencyIds.kindName(kind),
                onePath ? names.getOrDefault(adj.ifIndex()[id], "#" + adj.ifIndex()[id]) : null,
                onePath && gw != 0 ? Ipv4.format(gw) : null, List.copyOf(paths));
    }

    public synchronized List<Routing.EcmpGroup> ecmpGroups() {
        Map<Integer, String> names = interfaceNames();
        Map<Adj, int[]> uses = new LinkedHashMap<>();
        Map<Adj, String> example = new HashMap<>();
        TreeMap<Long, Entry> sorted = new TreeMap<>((x, y) -> Long.compareUnsigned(x, y));
        installed.entries().forEach((k, e) -> {
            if (e.adj.kind == Ip4Tables.MULTIPATH) {
                sorted.put(k, e);
            }
        });
        for (Entry e : sorted.values()) {
            uses.computeIfAbsent(e.adj, a -> new int[1])[0]++;
            example.putIfAbsent(e.adj, Ipv4.format(e.prefix) + "/" + e.len);
        }
        List<Routing.EcmpGroup> out = new ArrayList<>();
        uses.forEach((adj, n) -> {
            List<String> gateways = new ArrayList<>(), ifaces = new ArrayList<>();
            for (Adj p : adj.paths) {
                gateways.add(Ipv4.format(p.gateway));
                ifaces.add(names.getOrDefault(p.ifIndex, "#" + p.ifIndex));
            }
            out.add(new Routing.EcmpGroup(gateways, ifaces, n[0], example.get(adj)));
        });
        ip6.ecmpGroups(names, out);
        return out;
    }

    private Map<Integer, String> interfaceNames() {
        Map<Integer, String> names = new HashMap<>();
        for (InterfaceStatus s : dataplane.interfaces()) {
            names.put(s.index(), s.name());
        }
        return names;
    }

    public synchronized List<Routing.AddressEntry> addresses() {
        List<Routing.AddressEntry> out = new ArrayList<>();
        addresses.forEach((iface, list) -> list.forEach(a -> out.add(new Routing.AddressEntry(iface, Ipv4.format(a[0]) + "/" + a[1]))));
        ip6.addresses(out);
        return out;
    }

    public synchronized List<Routing.NeighbourEntry> neighbours() {
        Map<Integer, String> names = interfaceNames();
        long now = System.nanoTime();
        List<Routing.NeighbourEntry> out = new ArrayList<>();
        tables.neighbours.forEach((ifIndex, ip, mac, updated) -> out.add(new Routing.NeighbourEntry(
                names.getOrDefault(ifIndex, "#" + ifIndex), Ipv4.format(ip), MacAddress.format(mac), (now - updated) / 1_000_000)));
        ip6.neighbours(names, now, out);
        out.sort((a, b) -> (a.iface() + a.address()).compareTo(b.iface() + b.address()));
        return out;
    }
}
