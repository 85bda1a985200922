package dev.junction.routing.internal;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.packet.Ipv6;
import dev.junction.packet.MacAddress;
import dev.junction.routing.Routing;
import dev.junction.routing.fib.Ipv6Fib;
import dev.junction.routing.fib.Ipv6Prefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The control side of IPv6 routing, as {@link RoutingControl} is for IPv4: addresses (each a
 * connected route and a local /128; an interface with one also gets its link-local fe80::EUI-64
 * address, for neighbour discovery and link-local peers), static routes resolved through the
 * connected routes, and the difference applied to the FIB. Called by RoutingControl under its lock.
 */
final class Ip6Control {
    /** Freed FIB groups are reused only when no route changed for this long (no reader is still in one). */
    private static final long GRACE_NANOS = 1_000_000_000L;
    private final Ip6Tables tables;
    private final Dataplane dataplane;
    /** Where an address that comes up on an interface is announced from (unsolicited NA). */
    private final Announcements announcements;
    private final Map<String, List<Address>> addresses = new TreeMap<>();
    private final Map<Ipv6Prefix, StaticRoute> statics = new LinkedHashMap<>();
    private final Map<Ipv6Prefix, StaticRoute> learned = new LinkedHashMap<>();
    /** Prefixes steered to other bundles' nodes: after connected and local routes, before static ones. */
    private final Map<Ipv6Prefix, Entry> steered = new LinkedHashMap<>();
    private final InstalledRoutes<Ipv6Prefix, Entry> installed = new InstalledRoutes<>(Entry::adj, this::fibAdd, this::fibRemove);
    private final AdjacencyIds<Adj> adjacencies = new AdjacencyIds<>(new Adj(Ip6Tables.FORWARD, -1, 0, 0),
            this::publishedAdjacencies, this::publishAdjacencies);
    private long lastChange;
    private boolean groupsRetired;

    /** An interface address: the address itself and its prefix length. */
    private record Address(long high, long low, int length) {
    }

    /** A static or learned route: gateways (several: ECMP), or none with an interface (on-link). */
    private record StaticRoute(Ipv6Prefix prefix, long[] gwHigh, long[] gwLow, String iface, String kind) {
        String viaText() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < gwHigh.length; i++) {
                sb.append(sb.isEmpty() ? "" : ",").append(text(gwHigh[i], gwLow[i]));
            }
            return sb.isEmpty() ? null : sb.toString();
        }
    }

    /** One path (kind, interface, gateway), or an ECMP group over {@code paths}. */
    private record Adj(int kind, int ifIndex, long gwHigh, long gwLow, List<Adj> paths) implements AdjacencyIds.Adjacency<Adj> {
        Adj(int kind, int ifIndex, long gwHigh, long gwLow) {
            this(kind, ifIndex, gwHigh, gwLow, List.of());
        }
    }

    private record Entry(Ipv6Prefix prefix, String kind, Adj adj, String via, String iface) {
    }

    Ip6Control(Ip6Tables tables, Dataplane dataplane, Announcements announcements) {
        this.tables = tables;
        this.dataplane = dataplane;
        this.announcements = announcements;
    }

    static boolean isIpv6(String text) {
        return text.indexOf(':') >= 0;
    }

    /** Parses an address without a length. */
    static Ipv6Prefix address(String text) {
        if (text.indexOf('/') >= 0) {
            throw new IllegalArgumentException("'" + text + "' is a prefix; an address has no /length");
        }
        try {
            return Ipv6Prefix.parse(text + "/128");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv6 address like 2001:db8::1");
        }
    }

    /** Parses an interface address {@code x::y/len}: a length of 1..128, not multicast, not link-local. */
    static Address checkAddress(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' needs a length, like 2001:db8:1::1/64");
        }
        Ipv6Prefix a = address(text.substring(0, slash));
        int len;
        try {
            len = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            len = -1;
        }
        if (len < 1 || len > 128) {
            throw new IllegalArgumentException("an IPv6 interface address needs a length of 1..128, in '" + text + "'");
        }
        if (Ipv6.isMulticast(a.high()) || Ipv6.isLinkLocal(a.high()) || (a.high() | a.low()) == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a unicast global address"
                    + " (link-local addresses are made from the MAC)");
        }
        return new Address(a.high(), a.low(), len);
    }

    private static String text(long high, long low) {
        return Ipv6Prefix.formatAddress(high, low);
    }

    private int ifIndex(String iface) {
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.name().equals(iface)) {
                return s.index();
            }
        }
        return -1;
    }

    void addAddress(String iface, String cidr) {
        Address a = checkAddress(cidr);
        List<Address> list = addresses.computeIfAbsent(iface, k -> new ArrayList<>());
        for (Address x : list) {
            if (x.high == a.high && x.low == a.low) {
                throw new IllegalArgumentException(text(a.high, a.low) + " is on " + iface + " already");
            }
        }
        list.add(a);
        recompute();
    }

    void removeAddress(String iface, String cidr) {
        Address a = checkAddress(cidr);
        List<Address> list = addresses.getOrDefault(iface, new ArrayList<>());
        if (!list.remove(a)) {
            throw new IllegalArgumentException(iface + " has no address " + cidr + " (see ip:addresses)");
        }
        if (list.isEmpty()) {
            addresses.remove(iface);
        }
        recompute();
    }

    /** Parses a route's prefix: host bits must be zero. */
    static Ipv6Prefix prefix(String text) {
        return Ipv6Prefix.parse(text);
    }

    void addRoute(String prefix, String via, String iface) {
        Ipv6Prefix p = prefix(prefix);
        if (via == null && iface == null) {
            throw new IllegalArgumentException("a route needs a gateway (via) or an interface");
        }
        statics.put(p, route(p, via, iface, "static"));
        recompute();
    }

    private static StaticRoute route(Ipv6Prefix p, String via, String iface, String kind) {
        List<String> gws = RoutingControl.gateways(via);
        long[] high = new long[gws.size()], low = new long[gws.size()];
        for (int i = 0; i < high.length; i++) {
            Ipv6Prefix gw = address(gws.get(i));
            if (Ipv6.isMulticast(gw.high())) {
                throw new IllegalArgumentException("gateway " + gws.get(i) + " is a multicast address");
            }
            if (Ipv6.isLinkLocal(gw.high()) && iface == null && kind.equals("static")) {
                throw new IllegalArgumentException("a link-local gateway (" + gws.get(i) + ") needs --iface: it is on one link only");
            }
            high[i] = gw.high();
            low[i] = gw.low();
        }
        return new StaticRoute(p, high, low, iface, kind);
    }

    void replaceLearnedRoute(String kind, String prefix, String via) {
        Ipv6Prefix p = prefix(prefix);
        learned.put(p, route(p, via, null, kind));
        applyLearned(p);
    }

    boolean removeLearnedRoute(String prefix) {
        Ipv6Prefix p = prefix(prefix);
        boolean had = learned.remove(p) != null;
        if (had) {
            applyLearned(p);
        }
        return had;
    }

    /** Learned routes as (kind, prefix, gateways) triples, for the hand-over across an update. */
    void learnedRoutes(List<String[]> out) {
        for (StaticRoute r : learned.values()) {
            out.add(new String[] {r.kind, r.prefix.toString(), r.viaText()});
        }
    }

    void removeLearnedRoutes(String kind) {
        learned.values().removeIf(r -> r.kind.equals(kind));
        recompute();
    }

    void removeRoute(String prefix) {
        if (statics.remove(prefix(prefix)) == null) {
            throw new IllegalArgumentException("no static route " + prefix + " (see ip:routes)");
        }
        recompute();
    }

    /** Connected and local routes of the last recompute: what gateways resolve through. */
    private Map<Ipv6Prefix, Entry> connected = Map.of();

    /** Everything the FIB should hold: connected and local routes, then static, then learned ones. */
    private Map<Ipv6Prefix, Entry> wanted() {
        Map<Ipv6Prefix, Entry> want = new LinkedHashMap<>();
        Map<Integer, long[]> macs = new HashMap<>();
        Map<String, Integer> indexes = new HashMap<>();
        int size = 0;
        for (InterfaceStatus s : dataplane.interfaces()) { // one snapshot: devices come and go meanwhile
            size = Math.max(size, s.index() + 1);
            macs.put(s.index(), new long[] {MacAddress.parse(s.mac())});
            indexes.put(s.name(), s.index());
        }
        long[] high = new long[size], low = new long[size], linkLocal = new long[size];
        for (Map.Entry<String, List<Address>> e : addresses.entrySet()) {
            Integer idx = indexes.get(e.getKey());
            if (idx == null) {
                continue; // the interface went away (or is not there yet): its routes go with it
            }
            linkLocal[idx] = Ipv6.interfaceId(macs.get(idx)[0]);
            for (Address a : e.getValue()) {
                if ((high[idx] | low[idx]) == 0) {
                    high[idx] = a.high;
                    low[idx] = a.low;
                }
                if (a.length < 128) {
                    Ipv6Prefix net = new Ipv6Prefix(a.high & Ipv6Prefix.highMask(a.length), a.low & Ipv6Prefix.lowMask(a.length), a.length);
                    want.put(net, new Entry(net, "connected", new Adj(Ip6Tables.FORWARD, idx, 0, 0), null, e.getKey()));
                }
                Ipv6Prefix host = new Ipv6Prefix(a.high, a.low, 128);
                want.put(host, new Entry(host, "local", new Adj(Ip6Tables.LOCAL, idx, 0, 0), null, e.getKey()));
            }
        }
        tables.addresses = new Ip6Tables.Addresses(high, low, linkLocal);
        connected = Map.copyOf(want);
        steered.forEach(want::putIfAbsent);
        for (Map<Ipv6Prefix, StaticRoute> routes : List.of(statics, learned)) {
            for (StaticRoute r : routes.values()) {
                Entry e = resolve(r, connected);
                if (e != null) {
                    want.putIfAbsent(r.prefix, e);
                }
            }
        }
        return want;
    }

    private int publishedAdjacencies() {
        return tables.adjacencies.kind().length;
    }

    /** The arrays of every adjacency by id; a group's {@code ifIndex} and {@code gwLow} say where its paths are. */
    private void publishAdjacencies(List<Adj> byId, int[] firstMember, int[] members) {
        int n = byId.size();
        int[] kind = new int[n], ifs = new int[n];
        long[] gwh = new long[n], gwl = new long[n];
        for (int i = 0; i < n; i++) {
            Adj a = byId.get(i);
            kind[i] = a.kind;
            ifs[i] = a.ifIndex;
            gwh[i] = a.gwHigh;
            gwl[i] = a.gwLow;
            if (a.kind == Ip6Tables.MULTIPATH) {
                ifs[i] = firstMember[i]; // paths are members[ifIndex .. ifIndex + gatewayLow)
                gwl[i] = a.paths.size();
            }
        }
        tables.adjacencies = new Ip6Tables.Adjacencies(kind, ifs, gwh, gwl, members);
    }

    private volatile Runnable changed = () -> {
    };

    void onChange(Runnable r) {
        changed = r;
    }

    /** The adjacencies the installed IPv6 routes use, appended to {@code out} by id. */
    /** As RoutingControl.resolve, for an IPv6 address. */
    Routing.AdjacencyEntry resolve(String address, Map<Integer, String> names) {
        Ipv6Prefix p;
        try {
            p = Ipv6Prefix.parse(address + "/128");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an address: " + address + " (write a.b.c.d or x:y::z)");
        }
        int id = tables.fib.lookup(p.high(), p.low());
        Ip6Tables.Adjacencies adj = tables.adjacencies;
        if (id <= 0 || id >= adj.kind().length) {
            return null;
        }
        int kind = adj.kind()[id];
        List<Integer> paths = new java.util.ArrayList<>();
        if (kind == Ip6Tables.MULTIPATH) {
            for (int k = 0; k < adj.gatewayLow()[id]; k++) {
                paths.add(adj.members()[adj.ifIndex()[id] + k]);
            }
        }
        boolean onePath = kind != Ip6Tables.MULTIPATH && kind != Ip6Tables.STEERED;
        long high = adj.gatewayHigh()[id], low = adj.gatewayLow()[id];
        return new Routing.AdjacencyEntry(6, id, AdjacencyIds.kindName(kind),
                onePath ? names.getOrDefault(adj.ifIndex()[id], "#" + adj.ifIndex()[id]) : null,
                onePath && (high | low) != 0 ? text(high, low) : null, List.copyOf(paths));
    }

    void adjacencies(Map<Integer, String> names, List<Routing.AdjacencyEntry> out) {
        for (AdjacencyIds.Used<Adj, Entry> u : adjacencies.used(installed.entries().values(), Entry::adj)) {
            Adj a = u.adjacency();
            boolean onePath = a.kind() != Ip6Tables.MULTIPATH && a.kind() != Ip6Tables.STEERED;
            String via = a.kind() == Ip6Tables.STEERED ? u.entry().via
                    : onePath && (a.gwHigh() | a.gwLow()) != 0 ? text(a.gwHigh(), a.gwLow()) : null;
            out.add(new Routing.AdjacencyEntry(6, u.id(), AdjacencyIds.kindName(a.kind()),
                    onePath ? names.getOrDefault(a.ifIndex(), "#" + a.ifIndex()) : null, via, u.paths()));
        }
    }

    private void fibAdd(Ipv6Prefix p, Entry e) {
        changed.run();
        tables.fib.add(p.high(), p.low(), p.length(), adjacencies.id(e.adj));
        if (e.adj.kind == Ip6Tables.LOCAL) { // an address came up on an interface
            announcements.announce6(e.adj.ifIndex, p.high(), p.low());
        }
    }

    /** As RoutingControl.announce, for the IPv6 addresses local on {@code ifIndex}. */
    int announce(int ifIndex) {
        int n = 0;
        for (Map.Entry<Ipv6Prefix, Entry> e : installed.entries().entrySet()) {
            Adj adj = e.getValue().adj;
            if (adj.kind == Ip6Tables.LOCAL && adj.ifIndex == ifIndex
                    && announcements.announce6(ifIndex, e.getKey().high(), e.getKey().low())) {
                n++;
            }
        }
        return n;
    }

    private void fibRemove(Ipv6Prefix p, Entry e) {
        changed.run();
        tables.fib.remove(p.high(), p.low(), p.length());
        groupsRetired = true;
    }

    /** Rebuilds the wanted FIB and applies the difference: adds and replacements first, removals last. */
    void recompute() {
        Map<Ipv6Prefix, Entry> want = wanted();
        adjacencies.register(want.values(), Entry::adj);
        if (installed.replaceAll(want)) {
            lastChange = System.nanoTime();
        }
    }

    /** A learned route changed: only its own FIB entry is touched; connected and static routes keep precedence. */
    private void applyLearned(Ipv6Prefix p) {
        Entry cur = installed.get(p);
        if (cur != null && (connected.containsKey(p) || statics.containsKey(p) && cur.kind.equals("static"))) {
            return;
        }
        StaticRoute r = learned.get(p);
        Entry e = r == null ? null : resolve(r, connected);
        lastChange = System.nanoTime();
        if (e != null) {
            adjacencies.register(List.of(e), Entry::adj);
        }
        installed.put(p, e);
    }

    /**
     * Replaces the learned routes of {@code kind} by {@code routes} (checked already) in a new FIB
     * built beside the workers' one and published with one write; returns the new FIB's bytes.
     */
    long loadTable(String kind, List<String[]> routes, java.util.function.Consumer<String> progress) {
        learned.values().removeIf(r -> r.kind.equals(kind));
        for (String[] r : routes) {
            Ipv6Prefix p = prefix(r[0]);
            learned.put(p, route(p, r[1], null, kind));
        }
        Map<Ipv6Prefix, Entry> want = wanted();
        adjacencies.register(want.values(), Entry::adj);
        int n = want.size();
        long[] highs = new long[n], lows = new long[n];
        byte[] lengths = new byte[n];
        int[] hops = new int[n];
        int i = 0;
        for (Entry e : want.values()) {
            highs[i] = e.prefix.high();
            lows[i] = e.prefix.low();
            lengths[i] = (byte) e.prefix.length();
            hops[i++] = adjacencies.id(e.adj);
        }
        if (!routes.isEmpty()) {
            progress.accept("IPv6 FIB: building " + n + " routes");
        }
        Ipv6Fib fresh = Ipv6Fib.build(highs, lows, lengths, hops, n);
        tables.fib = fresh;
        changed.run();
        installed.loaded(want);
        return routes.isEmpty() ? 0 : fresh.memoryBytes();
    }

    /**
     * Gives the FIB groups freed by removals back for reuse, once no route has changed for the grace
     * period: a worker that loaded a pointer to a freed group has long finished with it by then.
     */
    void expireNeighbours(long cutoffNanos) {
        tables.neighbours.expire(cutoffNanos);
    }

    void reclaim() {
        if (groupsRetired && System.nanoTime() - lastChange >= GRACE_NANOS) {
            tables.fib.reclaimGroups();
            groupsRetired = false;
        }
    }

    /**
     * A route's output: out of its interface (to each gateway, or on-link), or to each gateway out of
     * the connected route it lies in; uncovered gateways are left out, a route with none is inactive.
     */
    private Entry resolve(StaticRoute r, Map<Ipv6Prefix, Entry> connected) {
        int idx = r.iface == null ? -1 : ifIndex(r.iface);
        if (r.iface != null && idx < 0) {
            return null;
        }
        List<Adj> paths = new ArrayList<>();
        java.util.Set<String> ifaces = new java.util.TreeSet<>();
        if (r.gwHigh.length == 0) {
            paths.add(new Adj(Ip6Tables.FORWARD, idx, 0, 0));
            ifaces.add(r.iface);
        }
        for (int g = 0; g < r.gwHigh.length; g++) {
            long gh = r.gwHigh[g], gl = r.gwLow[g];
            if (idx >= 0) {
                paths.add(new Adj(Ip6Tables.FORWARD, idx, gh, gl));
                ifaces.add(r.iface);
                continue;
            }
            Entry best = null;
            for (Entry c : connected.values()) {
                Ipv6Prefix p = c.prefix;
                if (c.kind.equals("connected") && (gh & Ipv6Prefix.highMask(p.length())) == p.high()
                        && (gl & Ipv6Prefix.lowMask(p.length())) == p.low() && (best == null || p.length() > best.prefix.length())) {
                    best = c;
                }
            }
            if (best != null) {
                paths.add(new Adj(Ip6Tables.FORWARD, best.adj.ifIndex, gh, gl));
                ifaces.add(best.iface);
            }
        }
        if (paths.isEmpty()) {
            return null;
        }
        Adj adj = paths.size() == 1 ? paths.getFirst() : new Adj(Ip6Tables.MULTIPATH, -1, 0, 0, List.copyOf(paths));
        return new Entry(r.prefix, r.kind, adj, r.viaText(), String.join(",", ifaces));
    }

    /** Appends the ECMP groups the installed IPv6 routes use, in prefix order of first use. */
    void ecmpGroups(Map<Integer, String> names, List<Routing.EcmpGroup> out) {
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : installed.entries().values()) {
            if (e.adj.kind == Ip6Tables.MULTIPATH) {
                sorted.add(e);
            }
        }
        sorted.sort((a, b) -> compare(a.prefix, b.prefix));
        Map<Adj, int[]> uses = new java.util.LinkedHashMap<>();
        Map<Adj, String> example = new java.util.HashMap<>();
        for (Entry e : sorted) {
            uses.computeIfAbsent(e.adj, a -> new int[1])[0]++;
            example.putIfAbsent(e.adj, e.prefix.toString());
        }
        uses.forEach((adj, n) -> {
            List<String> gateways = new ArrayList<>(), ifaces = new ArrayList<>();
            for (Adj p : adj.paths) {
                gateways.add(text(p.gwHigh, p.gwLow));
                ifaces.add(names.getOrDefault(p.ifIndex, "#" + p.ifIndex));
            }
            out.add(new Routing.EcmpGroup(gateways, ifaces, n[0], example.get(adj)));
        });
    }

    void steer(String prefix, int next, int index, String node) {
        Ipv6Prefix p = prefix(prefix);
        steered.put(p, new Entry(p, "steered", new Adj(Ip6Tables.STEERED, next, 0, index), node, null));
        applySteered(p);
    }

    boolean unsteer(String prefix) {
        Ipv6Prefix p = prefix(prefix);
        if (steered.remove(p) == null) {
            return false;
        }
        applySteered(p);
        return true;
    }

    /**
     * A steering came or went: only its prefix's entry is touched, with {@link #wanted}'s precedence
     * (connected and local, steered, static, learned), as RoutingControl does for IPv4.
     */
    private void applySteered(Ipv6Prefix p) {
        if (connected.containsKey(p)) {
            return;
        }
        Entry e = steered.get(p);
        if (e == null) {
            for (Map<Ipv6Prefix, StaticRoute> routes : List.of(statics, learned)) {
                StaticRoute r = routes.get(p);
                e = r == null ? null : resolve(r, connected);
                if (e != null) {
                    break;
                }
            }
        }
        lastChange = System.nanoTime();
        if (e != null) {
            adjacencies.register(List.of(e), Entry::adj);
        }
        installed.put(p, e);
    }

    void routes(List<Routing.RouteEntry> out) {
        List<Entry> sorted = new ArrayList<>(installed.entries().values());
        sorted.sort((a, b) -> compare(a.prefix, b.prefix));
        for (Entry e : sorted) {
            out.add(new Routing.RouteEntry(e.prefix.toString(), e.kind, e.via, e.iface, true));
        }
        for (Map<Ipv6Prefix, StaticRoute> routes : List.of(statics, learned)) {
            for (StaticRoute r : routes.values()) {
                Entry in = installed.get(r.prefix);
                if (in == null || !in.kind.equals(r.kind)) {
                    out.add(new Routing.RouteEntry(r.prefix.toString(), r.kind, r.viaText(), r.iface, false));
                }
            }
        }
    }

    private static int compare(Ipv6Prefix a, Ipv6Prefix b) {
        int c = Long.compareUnsigned(a.high(), b.high());
        c = c != 0 ? c : Long.compareUnsigned(a.low(), b.low());
        return c != 0 ? c : Integer.compare(a.length(), b.length());
    }

    void addresses(List<Routing.AddressEntry> out) {
        addresses.forEach((iface, list) -> list.forEach(a -> out.add(new Routing.AddressEntry(iface, text(a.high, a.low) + "/" + a.length))));
    }

    void neighbours(Map<Integer, String> names, long now, List<Routing.NeighbourEntry> out) {
        tables.neighbours.forEach((ifIndex, high, low, mac, updated) -> out.add(new Routing.NeighbourEntry(
                names.getOrDefault(ifIndex, "#" + ifIndex), text(high, low), MacAddress.format(mac), (now - updated) / 1_000_000)));
    }
}
