package dev.junction.lb.control;

import dev.junction.lb.LoadBalancer;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.maglev.Maglev;
import dev.junction.graph.PerWorker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The load balancer's control side: services and backends as configured, the flow table, and the
 * {@link Snapshot} the nodes read, rebuilt whole (Maglev tables included) on the calling control
 * thread and published with one volatile write. Each VIP (VRF and address) gets a steered index,
 * kept while any service uses it, which {@link Steering} turns into a steered /32 or /128.
 */
public final class LbControl implements LoadBalancer {
    public static final int MAX_BACKENDS = 1 << 14;

    /** Tells routing where VIPs are: a steered prefix per index. */
    public interface Steering {
        void steer(int index, String vrf, String prefix, int family);

        void unsteer(int index);
    }

    /** Where a DSR backend is: the interface of the connected network that holds its address in the VRF, or null. */
    public interface OnLink {
        String iface(String vrf, String address);
    }

    private record Vipkey(String vrf, String address) {
    }

    private final FlowTable table;
    private final ToIntFunction<String> vrfId;
    private final Steering steering;
    private final OnLink onLink;
    private final Map<String, ServiceSpec> services = new TreeMap<>();
    private final Map<String, Integer> serviceNumbers = new HashMap<>();
    /** By service name, by backend key. */
    private final Map<String, Map<String, BackendSpec>> backends = new HashMap<>();
    private final Map<String, Integer> backendIds = new HashMap<>();
    private final Map<Vipkey, Integer> vipIndexes = new HashMap<>();
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    /** Backends the health checks took out of the table, by {@code SERVICE KEY}. */
    private Set<String> down = Set.of();
    /** The health checks (none in unit tests that do not make them): called without this object's lock. */
    private volatile dev.junction.lb.health.HealthChecker health;
    /** Per worker: flows (even index) and packets (odd) by backend id; plain adds by the owning worker. */
    public final PerWorker<long[]> backendCounters = new PerWorker<>(i -> new long[MAX_BACKENDS * 2]);
    /** Per backend number: the sums its counters had when the number was last given out. */
    private final long[] counterBase = new long[MAX_BACKENDS * 2];

    public LbControl(FlowTable table, ToIntFunction<String> vrfId, Steering steering) {
        this(table, vrfId, steering, (vrf, address) -> null);
    }

    public LbControl(FlowTable table, ToIntFunction<String> vrfId, Steering steering, OnLink onLink) {
        this.table = table;
        this.vrfId = vrfId;
        this.steering = steering;
        this.onLink = onLink;
    }

    /** Routes changed: DSR backends are looked up again (the whole snapshot is rebuilt, boringly). */
    public synchronized void routesChanged() {
        if (services.values().stream().anyMatch(s -> s.mode().equals("dsr"))) {
            publish();
        }
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public FlowTable table() {
        return table;
    }

    public void workers(int count) {
        backendCounters.resize(count);
    }

    private static int protocol(String p) {
        return switch (p == null ? "" : p) {
            case "tcp" -> 6;
            case "udp" -> 17;
            default -> throw new IllegalArgumentException("protocol '" + p + "': say tcp or udp");
        };
    }

    /** The service as it will be kept: checked whole, defaults filled in. */
    public static ServiceSpec normalise(ServiceSpec s) {
        if (s.name() == null || !s.name().matches("[A-Za-z][A-Za-z0-9_.-]{0,29}")) {
            throw new IllegalArgumentException("service name '" + s.name() + "': a letter, then up to 29 letters, digits, "
                    + "'_', '.', '-' (e.g. web)");
        }
        Addresses.parse(s.vip());
        protocol(s.protocol());
        if (s.port() < 0 || s.port() > 65535) {
            throw new IllegalArgumentException("port " + s.port() + ": 1..65535, or 0 for all ports");
        }
        String mode = s.mode() == null ? "nat" : s.mode();
        if (!mode.equals("nat") && !mode.equals("dsr") && !mode.equals("gre")) {
            throw new IllegalArgumentException("mode '" + mode + "': say nat, dsr or gre");
        }
        if (!mode.equals("nat") && Addresses.parse(s.vip())[0] == 6) {
            throw new IllegalArgumentException("mode " + mode + " is IPv4 only so far; an IPv6 VIP takes mode nat");
        }
        String source = s.source();
        if (mode.equals("gre")) {
            if (source == null || Addresses.parse(source)[0] != 4) {
                throw new IllegalArgumentException("mode gre needs source=A.B.C.D, the outer header's source address "
                        + "(one of Junction's)");
            }
            long[] a = Addresses.parse(source);
            source = Addresses.format(4, a[1], a[2]);
        } else if (source != null) {
            throw new IllegalArgumentException("source= is for mode gre only");
        }
        int size = s.tableSize() == 0 ? Maglev.DEFAULT_SIZE : s.tableSize();
        if (!Maglev.isPrime(size) || size > 10_000_019) {
            throw new IllegalArgumentException("table size " + size + ": a prime up to 10000019 (65537, 655373)");
        }
        if (s.limit() < 0) {
            throw new IllegalArgumentException("limit " + s.limit() + ": 0 (the table's capacity) or more");
        }
        String vrf = s.vrf() == null ? "default" : s.vrf();
        return new ServiceSpec(s.name(), vrf, s.vip(), s.protocol(), s.port(), mode, size, s.limit(), source);
    }

    @Override
    public synchronized void addService(ServiceSpec spec) {
        ServiceSpec s = normalise(spec);
        vrfId.applyAsInt(s.vrf()); // throws for a VRF that does not exist
        for (ServiceSpec o : services.values()) {
            if (!o.name().equals(s.name()) && o.vrf().equals(s.vrf()) && Addresses.parse(o.vip())[2] == Addresses.parse(s.vip())[2]
                    && java.util.Arrays.equals(Addresses.parse(o.vip()), Addresses.parse(s.vip()))
                    && o.protocol().equals(s.protocol()) && o.port() == s.port()) {
                throw new IllegalArgumentException("service " + o.name() + " already has " + s.vip() + " " + s.protocol()
                        + " port " + s.port() + " in VRF " + s.vrf());
            }
        }
        if (!s.mode().equals("nat")) {
            for (BackendSpec b : backends.getOrDefault(s.name(), Map.of()).values()) {
                if (b.port() != 0) {
                    throw new IllegalArgumentException("mode " + s.mode() + " rewrites no port: backend " + b.key() + " has one");
                }
            }
        }
        if (!serviceNumbers.containsKey(s.name())) {
            int n = 0;
            while (serviceNumbers.containsValue(n)) {
                n++;
            }
            if (n >= FlowTable.MAX_SERVICES) {
                throw new IllegalArgumentException("at most " + FlowTable.MAX_SERVICES + " services");
            }
            serviceNumbers.put(s.name(), n);
        }
        services.put(s.name(), s);
        backends.computeIfAbsent(s.name(), k -> new LinkedHashMap<>());
        table.serviceLimit(serviceNumbers.get(s.name()), s.limit());
        publish();
    }

    @Override
    public synchronized void removeService(String name) {
        if (services.remove(name) == null) {
            throw new IllegalArgumentException("no service " + name + " (see lb:services)");
        }
        for (String key : backends.remove(name).keySet()) {
            backendIds.remove(name + " " + key);
        }
        Integer number = serviceNumbers.remove(name);
        publish();
        // Its flows go with it: their number may name another service next (lb:connections, limits).
        table.clearService(number);
    }

    public static BackendSpec normalise(BackendSpec b) {
        long[] a = Addresses.parse(b.address());
        if (b.port() < 0 || b.port() > 65535) {
            throw new IllegalArgumentException("backend port " + b.port() + ": 1..65535, or 0 for the port the client sent to");
        }
        if (b.weight() < 0 || b.weight() > 1_000_000) {
            throw new IllegalArgumentException("weight " + b.weight() + ": 0..1000000 (0 takes no new flows)");
        }
        return new BackendSpec(b.service(), Addresses.format((int) a[0], a[1], a[2]), b.port(), b.weight(), b.drained());
    }

    @Override
    public synchronized void addBackend(BackendSpec spec) {
        BackendSpec b = normalise(spec);
        ServiceSpec s = services.get(b.service());
        if (s == null) {
            throw new IllegalArgumentException("no service " + b.service() + " (lb:service-add first)");
        }
        if (Addresses.parse(b.address())[0] != Addresses.parse(s.vip())[0]) {
            throw new IllegalArgumentException("backend " + b.address() + " is not of the family of VIP " + s.vip());
        }
        if (!s.mode().equals("nat") && b.port() != 0) {
            throw new IllegalArgumentException("service " + s.name() + " is " + s.mode() + ", which rewrites no port: leave port out");
        }
        String id = b.service() + " " + b.key();
        if (!backendIds.containsKey(id)) {
            java.util.Set<Integer> used = new java.util.HashSet<>(backendIds.values());
            int n = 0;
            while (used.contains(n)) {
                n++;
            }
            if (n >= MAX_BACKENDS) {
                throw new IllegalArgumentException("at most " + MAX_BACKENDS + " backends in all");
            }
            backendIds.put(id, n);
            // A number freed by a removed backend starts from what its counters hold now: the new
            // backend's flows and packets are its own (workers keep adding to the same slots).
            counterBase[n * 2] = backendCounterSum(n, 0);
            counterBase[n * 2 + 1] = backendCounterSum(n, 1);
        }
        backends.get(b.service()).put(b.key(), b);
        publish();
    }

    @Override
    public synchronized void removeBackend(String service, String address, int port) {
        Map<String, BackendSpec> bs = backends.get(service);
        if (bs == null) {
            throw new IllegalArgumentException("no service " + service + " (see lb:services)");
        }
        String key = new BackendSpec(service, normalise(new BackendSpec(service, address, port, 0, false)).address(), port, 0, false).key();
        if (bs.remove(key) == null) {
            throw new IllegalArgumentException("service " + service + " has no backend " + key + " (see lb:services)");
        }
        backendIds.remove(service + " " + key);
        publish();
    }

    /** Rebuilds the snapshot from the configuration (Maglev tables included) and publishes it. */
    private void publish() {
        Map<Vipkey, List<Snapshot.Service>> byVip = new LinkedHashMap<>();
        Snapshot.Backend[] ids = new Snapshot.Backend[backendIds.isEmpty() ? 0 : java.util.Collections.max(backendIds.values()) + 1];
        for (ServiceSpec s : services.values()) {
            long[] vip = Addresses.parse(s.vip());
            Vipkey vk = new Vipkey(s.vrf(), Addresses.format((int) vip[0], vip[1], vip[2]));
            List<BackendSpec> bs = new ArrayList<>(backends.get(s.name()).values());
            String[] names = new String[bs.size()];
            int[] weights = new int[bs.size()];
            int[] idOf = new int[bs.size()];
            for (int i = 0; i < bs.size(); i++) {
                BackendSpec b = bs.get(i);
                names[i] = b.key();
                boolean isDown = down.contains(s.name() + " " + b.key());
                weights[i] = b.drained() || isDown ? 0 : b.weight();
                idOf[i] = backendIds.get(s.name() + " " + b.key());
                long[] a = Addresses.parse(b.address());
                String iface = s.mode().equals("dsr") ? onLink.iface(s.vrf(), b.address()) : null;
                ids[idOf[i]] = new Snapshot.Backend(idOf[i], (int) a[0], a[1], a[2], b.port(), iface, isDown);
            }
            int[] t = Maglev.build(names, weights, s.tableSize());
            for (int p = 0; p < t.length; p++) {
                t[p] = t[p] < 0 ? -1 : idOf[t[p]];
            }
            byVip.computeIfAbsent(vk, k -> new ArrayList<>()).add(new Snapshot.Service(serviceNumbers.get(s.name()), s.name(),
                    protocol(s.protocol()), s.port(), s.mode().equals("dsr") ? Snapshot.MODE_DSR
                            : s.mode().equals("gre") ? Snapshot.MODE_GRE : Snapshot.MODE_NAT,
                    s.source() == null ? 0 : (int) Addresses.parse(s.source())[2], t));
        }
        // Indexes: kept for VIPs that stay, freed for those that went, the lowest free for new ones.
        List<Integer> gone = new ArrayList<>();
        vipIndexes.entrySet().removeIf(e -> {
            if (!byVip.containsKey(e.getKey())) {
                gone.add(e.getValue());
                return true;
            }
            return false;
        });
        List<Vipkey> added = new ArrayList<>();
        for (Vipkey k : byVip.keySet()) {
            if (!vipIndexes.containsKey(k)) {
                int n = 0;
                while (vipIndexes.containsValue(n)) {
                    n++;
                }
                vipIndexes.put(k, n);
                added.add(k);
            }
        }
        Snapshot.Vip[] vips = new Snapshot.Vip[vipIndexes.isEmpty() ? 0 : java.util.Collections.max(vipIndexes.values()) + 1];
        for (Map.Entry<Vipkey, List<Snapshot.Service>> e : byVip.entrySet()) {
            long[] a = Addresses.parse(e.getKey().address());
            vips[vipIndexes.get(e.getKey())] = new Snapshot.Vip((int) a[0], vrfId.applyAsInt(e.getKey().vrf()), a[1], a[2],
                    e.getValue().toArray(new Snapshot.Service[0]));
        }
        snapshot = new Snapshot(vips, ids);
        // Routing only after the snapshot: the first packet steered to a new VIP finds its services.
        for (int i : gone) {
            steering.unsteer(i);
        }
        for (Vipkey k : added) {
            long[] a = Addresses.parse(k.address());
            steering.steer(vipIndexes.get(k), k.vrf(), k.address() + (a[0] == 4 ? "/32" : "/128"), (int) a[0]);
        }
    }

    /**
     * The health checks' verdict: these backends ({@code SERVICE KEY}) are down and leave the Maglev
     * tables (rebuilt here, off the workers); the others are in as their weights say. Their flows stay
     * on them, as a drained backend's do, except a SYN that meets one (a new connection, or a
     * client's retry): it is balanced again.
     */
    public synchronized void down(Set<String> backends) {
        if (!backends.equals(down)) {
            down = Set.copyOf(backends);
            publish();
        }
    }

    /** Whether the health checks hold {@code SERVICE KEY} down. */
    public synchronized boolean isDown(String serviceAndKey) {
        return down.contains(serviceAndKey);
    }

    public void healthChecker(dev.junction.lb.health.HealthChecker checker) {
        this.health = checker;
    }

    private dev.junction.lb.health.HealthChecker checker() {
        dev.junction.lb.health.HealthChecker h = health;
        if (h == null) {
            throw new IllegalArgumentException("health checks are not running");
        }
        return h;
    }

    @Override
    public void health(HealthSpec spec) {
        checker().set(spec);
    }

    @Override
    public void removeHealth(String service) {
        checker().remove(service);
    }

    @Override
    public List<HealthSpec> healthSpecs() {
        dev.junction.lb.health.HealthChecker h = health;
        return h == null ? List.of() : h.specs();
    }

    @Override
    public List<BackendHealth> health() {
        dev.junction.lb.health.HealthChecker h = health;
        return h == null ? List.of() : h.status(System.nanoTime());
    }

    /** Service numbers by name and backend ids by {@code SERVICE KEY}: what flows refer to (handover). */
    public synchronized Map<String, Integer> serviceNumbers() {
        return new HashMap<>(serviceNumbers);
    }

    public synchronized Map<String, Integer> backendIds() {
        return new HashMap<>(backendIds);
    }

    public synchronized List<ServiceSpec> serviceSpecs() {
        return new ArrayList<>(services.values());
    }

    public synchronized List<BackendSpec> backendSpecs() {
        List<BackendSpec> out = new ArrayList<>();
        for (Map<String, BackendSpec> m : backends.values()) {
            out.addAll(m.values());
        }
        return out;
    }

    /** Since backend number {@code id} was given to its backend, summed over workers. */
    private long backendCounter(int id, int which) {
        return backendCounterSum(id, which) - counterBase[id * 2 + which];
    }

    /** Summed over workers (plain reads of other threads' counters: a moment's view). */
    private long backendCounterSum(int id, int which) {
        long n = 0;
        for (int w = 0; w < backendCounters.size(); w++) {
            n += backendCounters.get(w)[id * 2 + which];
        }
        return n;
    }

    @Override
    public TableStatus tableStatus() {
        long[] t = table.timeouts();
        return new TableStatus(table.capacity(), table.size(), t[0] / 1_000_000_000L, t[1] / 1_000_000_000L,
                t[2] / 1_000_000_000L);
    }

    @Override
    public synchronized List<ServiceStatus> services() {
        List<ServiceStatus> out = new ArrayList<>();
        Snapshot snap = snapshot;
        for (ServiceSpec s : services.values()) {
            int number = serviceNumbers.get(s.name());
            int[] t = null;
            for (Snapshot.Vip v : snap.vips) {
                for (Snapshot.Service x : v == null ? new Snapshot.Service[0] : v.services) {
                    if (x.number == number) {
                        t = x.table;
                    }
                }
            }
            List<BackendStatus> bs = new ArrayList<>();
            for (BackendSpec b : backends.get(s.name()).values()) {
                int id = backendIds.get(s.name() + " " + b.key());
                int share = 0;
                for (int p = 0; t != null && p < t.length; p++) {
                    share += t[p] == id ? 1 : 0;
                }
                bs.add(new BackendStatus(b, backendCounter(id, 0), backendCounter(id, 1), share));
            }
            out.add(new ServiceStatus(s, table.serviceCount(number), table.serviceRefused(number), bs));
        }
        return out;
    }

    @Override
    public synchronized List<Connection> connections(String service, String host, int port, int max) {
        Map<Integer, String> names = new HashMap<>();
        serviceNumbers.forEach((k, v) -> names.put(v, k));
        long[] h = host == null ? null : Addresses.parse(host);
        List<Connection> out = new ArrayList<>();
        long now = System.nanoTime();
        table.forEach(now, Integer.MAX_VALUE, (slot, k, v, closing, seen, rev, rk, rv) -> {
            if (out.size() >= max) {
                return;
            }
            String svc = names.getOrDefault(FlowTable.service(v[2]), "?");
            int family = (k[0] & 1L << 62) != 0 ? 6 : 4;
            int proto = (int) (k[0] >>> 32) & 0xff, sport = (int) (k[0] >>> 16) & 0xffff, dport = (int) k[0] & 0xffff;
            int bport = FlowTable.port(v[2]);
            if (service != null && !service.equals(svc)) {
                return;
            }
            if (port > 0 && sport != port && dport != port && bport != port) {
                return;
            }
            if (h != null && !(h[1] == k[1] && h[2] == k[2] || h[1] == k[3] && h[2] == k[4] || h[1] == v[0] && h[2] == v[1])) {
                return;
            }
            out.add(new Connection(svc, proto == 6 ? "tcp" : proto == 17 ? "udp" : Integer.toString(proto),
                    endpoint(family, k[1], k[2], sport), endpoint(family, k[3], k[4], dport), endpoint(family, v[0], v[1], bport),
                    Math.max(0, (now - seen) / 1_000_000), closing));
        });
        return out;
    }

    private static String endpoint(int family, long hi, long lo, int port) {
        String a = Addresses.format(family, hi, lo);
        return (family == 6 ? "[" + a + "]" : a) + ":" + port;
    }

    @Override
    public int clearConnections() {
        return table.clear();
    }
}
