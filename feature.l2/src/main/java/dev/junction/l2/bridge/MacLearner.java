package dev.junction.l2.bridge;

import dev.junction.l2.BridgeSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The MAC table's only writer: a thread of feature.l2 that takes the workers' learn requests from
 * their {@link LearnRing}s, adds and moves entries within each domain's limit, ages entries out,
 * flushes, keeps static entries as configured, and applies entries handed over by a previous
 * instance. Workers never wait for it: until it has learned a MAC, frames to that MAC flood.
 * Control-side calls ({@link #call}) run on its thread too, so that the table has one writer.
 */
final class MacLearner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.junction.l2");
    /** A tick is 2^24 ns (16.8 ms): the unit of {@link MacTable#seen}. */
    static final int TICK_SHIFT = 24;
    private static final long IDLE_PARK_NS = 200_000;
    /** Entries handed over by an old instance wait this long for their domain and port to be configured. */
    private static final long PENDING_MAX_NS = 30_000_000_000L;
    static final int LEARNED = 0, MOVED = 1, AGED = 2, FLUSHED = 3, LIMIT_REFUSED = 4, WRITER_COUNTERS = 5;

    /** One entry as {@link #entries} reports it. */
    record Entry(int domain, long mac, int ifIndex, boolean isStatic, long ageNanos) {
    }

    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private volatile MacTable table = new MacTable(64);
    /** MACs per domain id, read by workers for the limit check (a stale count errs by a frame or two). */
    private volatile int[] macCount = new int[1];
    private volatile LearnRing[] rings = new LearnRing[0];

    // The writer's own state: only this thread touches it.
    private BridgeConfig config = BridgeConfig.EMPTY;
    private Map<String, Integer> ifIndexes = Map.of();
    private int[] portDomain = new int[0];
    /** Every configured port's id by name: interfaces, and VLAN sub-ports as {@code eth1.42}. */
    private Map<String, Integer> portIds = Map.of();
    private Map<Integer, Integer> subPortDomain = Map.of();
    private long[][] counters = new long[1][WRITER_COUNTERS];
    private long[] portCounters = new long[0]; // by ifIndex * 3: learned, moved, aged
    private boolean[] limitLogged = new boolean[1];
    private final List<LearnedMac> pending = new ArrayList<>();
    private long pendingSince;
    private long nextAgeing;

    MacLearner() {
        thread = Thread.ofPlatform().daemon().name("junction-l2-learner").start(this::run);
    }

    static int tick(long nanos) {
        return (int) (nanos >>> TICK_SHIFT);
    }

    // ---- what workers read ----

    MacTable table() {
        return table;
    }

    int[] macCounts() {
        return macCount;
    }

    LearnRing ring(int worker) {
        LearnRing[] r = rings;
        return worker < r.length ? r[worker] : null;
    }

    /** Control thread: one ring per worker, before a worker of that number runs the bridge. */
    synchronized void workers(int count) {
        LearnRing[] old = rings;
        if (count > old.length) {
            LearnRing[] next = Arrays.copyOf(old, count);
            for (int i = old.length; i < count; i++) {
                next[i] = new LearnRing();
            }
            rings = next;
        }
    }

    // ---- the control side's calls, run on the learner's thread ----

    <T> T call(Supplier<T> work) {
        if (Thread.currentThread() == thread || !running) {
            synchronized (this) {
                return work.get();
            }
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        commands.add(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
            }
        });
        LockSupport.unpark(thread);
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the MAC learner");
        } catch (TimeoutException e) {
            throw new IllegalStateException("the MAC learner did not answer in 10 s");
        }
    }

    /** A new configuration and interface indexes: resizes, drops what no longer belongs, keeps statics. */
    void configure(BridgeConfig next, Map<String, Integer> indexes, Set<Integer> down) {
        call(() -> {
            config = next;
            ifIndexes = Map.copyOf(indexes);
            int max = 0;
            for (int i : ifIndexes.values()) {
                max = Math.max(max, i + 1);
            }
            portDomain = new int[max];
            Map<String, Integer> ids = new HashMap<>();
            Map<Integer, Integer> subDomains = new HashMap<>();
            for (Map.Entry<String, BridgeConfig.Port> e : next.ports.entrySet()) {
                Integer i = ifIndexes.get(e.getKey());
                if (i != null) {
                    ids.put(e.getKey(), i);
                    if (!down.contains(i)) {
                        portDomain[i] = e.getValue().domain();
                    }
                }
            }
            for (BridgeConfig.Vlan v : next.vlans.values()) {
                Integer i = ifIndexes.get(v.iface());
                if (i != null && i <= PortId.MAX_IFINDEX) {
                    int id = PortId.of(i, v.kind(), v.vid());
                    ids.put(v.name(), id);
                    if (!down.contains(i)) {
                        subDomains.put(id, v.domain());
                    }
                }
            }
            portIds = Map.copyOf(ids);
            subPortDomain = Map.copyOf(subDomains);
            if (portCounters.length < max * 3) {
                portCounters = Arrays.copyOf(portCounters, max * 3);
            }
            int domains = next.maxDomain + 1;
            if (counters.length < domains) {
                long[][] c = Arrays.copyOf(counters, domains);
                for (int d = counters.length; d < domains; d++) {
                    c[d] = new long[WRITER_COUNTERS];
                }
                counters = c;
                limitLogged = Arrays.copyOf(limitLogged, domains);
            }
            long want = Math.max(64, next.totalLimit());
            MacTable t = table;
            if (t.capacity() < want * 2 || macCount.length < domains) {
                rebuild((int) Math.min(want, Integer.MAX_VALUE / 4), domains);
            }
            // Entries whose port left its domain, or whose domain went: gone (statics are re-added below).
            dropWhere((d, port, isStatic) -> domainOfPort(port) != d || !config.domains.containsKey(d));
            reconcileStatics();
            applyPending();
            return null;
        });
    }

    /** Forgets learned entries of {@code domain} (0: any) on {@code ifIndex} (-1: any); how many. */
    int flush(int domain, int ifIndex) {
        return call(() -> dropWhere((d, port, isStatic) -> !isStatic && (domain == 0 || d == domain)
                && (ifIndex < 0 || PortId.ifIndex(port) == ifIndex)));
    }

    /** Every entry, for display and hand-over. */
    List<Entry> entries() {
        return call(() -> {
            MacTable t = table;
            long now = System.nanoTime();
            int nowTick = tick(now);
            List<Entry> out = new ArrayList<>();
            for (int i = 0; i < t.capacity(); i++) {
                if (t.isLive(i)) {
                    long k = t.keyAt(i);
                    long v = t.valueAt(i);
                    boolean st = (v & MacTable.STATIC) != 0;
                    long age = st ? 0 : Math.max(0, (long) (nowTick - t.seen[i]) << TICK_SHIFT);
                    out.add(new Entry(MacTable.domainOf(k), MacTable.macOf(k), MacTable.port(v), st, age));
                }
            }
            return out;
        });
    }

    /** Port names by port id (interfaces and VLAN sub-ports), as last configured. */
    Map<Integer, String> portNames() {
        return call(() -> {
            Map<Integer, String> out = new HashMap<>();
            portIds.forEach((name, id) -> out.put(id, name));
            return out;
        });
    }

    /** The writer's counters of a domain ({@link #LEARNED} ...). */
    long[] counters(int domain) {
        return call(() -> domain < counters.length ? counters[domain].clone() : new long[WRITER_COUNTERS]);
    }

    /** Learned, moved and aged on an interface. */
    long[] portCounters(int ifIndex) {
        return call(() -> ifIndex >= 0 && ifIndex * 3 + 2 < portCounters.length
                ? Arrays.copyOfRange(portCounters, ifIndex * 3, ifIndex * 3 + 3) : new long[3]);
    }

    int macs(int domain) {
        int[] c = macCount;
        return domain < c.length ? c[domain] : 0;
    }

    /** Entries of a previous instance: applied as soon as their domain and port are configured. */
    void adopt(List<LearnedMac> handed) {
        call(() -> {
            pending.addAll(handed);
            pendingSince = System.nanoTime();
            applyPending();
            return null;
        });
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the thread ----

    private void run() {
        LearnRing.Sink sink = this::learn;
        while (running) {
            int work = 0;
            Runnable r;
            while ((r = commands.poll()) != null) {
                synchronized (this) {
                    r.run();
                }
                work++;
            }
            for (LearnRing ring : rings) {
                work += ring.drain(sink);
            }
            long now = System.nanoTime();
            if (now - nextAgeing >= 0) {
                synchronized (this) {
                    age(now);
                }
                nextAgeing = now + ageingInterval();
            }
            if (work == 0) {
                LockSupport.parkNanos(IDLE_PARK_NS);
            }
        }
        Runnable r;
        while ((r = commands.poll()) != null) {
            synchronized (this) {
                r.run();
            }
        }
    }

    /** The domain a port id is in now (0: none, or its interface is down). */
    private int domainOfPort(int port) {
        if (PortId.isTagged(port)) {
            return subPortDomain.getOrDefault(port, 0);
        }
        return port >= 0 && port < portDomain.length ? portDomain[port] : 0;
    }

    /** A worker saw {@code key}'s MAC arrive on {@code port}. */
    private void learn(long key, int port) {
        int d = MacTable.domainOf(key);
        if (domainOfPort(port) != d) {
            return; // the port left the domain since the worker looked: not learned
        }
        BridgeSettings s = config.domains.get(d);
        if (s == null || !s.learning()) {
            return;
        }
        MacTable t = table;
        int slot = t.find(key);
        int now = tick(System.nanoTime());
        if (slot >= 0) {
            long v = t.valueAt(slot);
            if ((v & MacTable.STATIC) == 0 && MacTable.port(v) != port) {
                t.update(slot, MacTable.VALID | (port & 0xFFFF_FFFFL));
                counters[d][MOVED]++;
                portCounters[PortId.ifIndex(port) * 3 + 1]++;
            }
            t.seen[slot] = now;
            return;
        }
        if (macCount[d] >= s.macLimit()) {
            counters[d][LIMIT_REFUSED]++;
            return;
        }
        add(t, key, MacTable.VALID | (port & 0xFFFF_FFFFL), now);
        counters[d][LEARNED]++;
        portCounters[PortId.ifIndex(port) * 3]++;
    }

    private void add(MacTable t, long key, long value, int seen) {
        if (!t.hasRoom()) {
            rebuild(t.capacity() / 2, macCount.length);
            t = table;
        }
        t.insert(key, value, seen);
        int d = MacTable.domainOf(key);
        int[] c = macCount;
        c[d]++;
        BridgeSettings s = config.domains.get(d);
        if (s != null && c[d] >= s.macLimit() && !limitLogged[d]) {
            limitLogged[d] = true;
            LOG.log(System.Logger.Level.WARNING, "bridge " + s.name() + ": MAC limit " + s.macLimit()
                    + " reached; frames from further new MACs are dropped (raise it with l2:bridge " + s.name()
                    + " mac-limit=N)");
        }
    }

    private void remove(MacTable t, int slot, int counter) {
        long k = t.keyAt(slot);
        int d = MacTable.domainOf(k);
        int port = MacTable.port(t.valueAt(slot));
        t.delete(slot);
        int[] c = macCount;
        if (d < c.length) {
            c[d]--;
            BridgeSettings s = config.domains.get(d);
            if (s != null && c[d] < s.macLimit()) {
                limitLogged[d] = false;
            }
        }
        if (counter >= 0 && d < counters.length) {
            counters[d][counter]++;
            int i = PortId.ifIndex(port);
            if (counter == AGED && i * 3 + 2 < portCounters.length) {
                portCounters[i * 3 + 2]++;
            }
        }
    }

    /** A fresh table of at least {@code entries}, the live entries copied, then published. */
    private void rebuild(int entries, int domains) {
        MacTable old = table;
        MacTable t = new MacTable(Math.max(entries, old.live));
        old.copyInto(t);
        int[] counts = new int[Math.max(domains, macCount.length)];
        for (int i = 0; i < t.capacity(); i++) {
            if (t.isLive(i)) {
                counts[MacTable.domainOf(t.keyAt(i))]++;
            }
        }
        macCount = counts;
        table = t;
    }

    private interface EntryTest {
        boolean drop(int domain, int port, boolean isStatic);
    }

    private int dropWhere(EntryTest test) {
        MacTable t = table;
        int n = 0;
        for (int i = 0; i < t.capacity(); i++) {
            if (t.isLive(i)) {
                long v = t.valueAt(i);
                if (test.drop(MacTable.domainOf(t.keyAt(i)), MacTable.port(v), (v & MacTable.STATIC) != 0)) {
                    remove(t, i, (v & MacTable.STATIC) != 0 ? -1 : FLUSHED);
                    n++;
                }
            }
        }
        return n;
    }

    private void age(long nowNanos) {
        MacTable t = table;
        int now = tick(nowNanos);
        int[] ageingTicks = new int[config.maxDomain + 1];
        boolean any = false;
        for (Map.Entry<Integer, BridgeSettings> e : config.domains.entrySet()) {
            long s = e.getValue().ageingSeconds();
            ageingTicks[e.getKey()] = s == 0 ? 0 : (int) Math.max(1, (s * 1_000_000_000L) >>> TICK_SHIFT);
            any |= s != 0;
        }
        if (!any) {
            return;
        }
        for (int i = 0; i < t.capacity(); i++) {
            if (t.isLive(i) && (t.valueAt(i) & MacTable.STATIC) == 0) {
                int d = MacTable.domainOf(t.keyAt(i));
                int limit = d < ageingTicks.length ? ageingTicks[d] : 0;
                if (limit > 0 && now - t.seen[i] > limit) {
                    remove(t, i, AGED);
                }
            }
        }
        if (!pending.isEmpty() && nowNanos - pendingSince > PENDING_MAX_NS) {
            pending.clear();
        }
    }

    /** Scan often enough for the shortest ageing time: a tenth of it, from 100 ms to 5 s. */
    private long ageingInterval() {
        long min = Long.MAX_VALUE;
        for (BridgeSettings s : config.domains.values()) {
            if (s.ageingSeconds() > 0) {
                min = Math.min(min, s.ageingSeconds());
            }
        }
        long ns = min == Long.MAX_VALUE ? 1_000_000_000L : min * 100_000_000L;
        return Math.clamp(ns, 100_000_000L, 5_000_000_000L);
    }

    /** Static entries exactly as configured: added or moved to their port, those no longer configured removed. */
    private void reconcileStatics() {
        MacTable t = table;
        for (int i = 0; i < t.capacity(); i++) {
            if (t.isLive(i) && (t.valueAt(i) & MacTable.STATIC) != 0) {
                BridgeConfig.StaticMac s = config.statics.get(t.keyAt(i));
                Integer port = s == null ? null : portIds.get(s.iface());
                if (port == null || port != MacTable.port(t.valueAt(i))) {
                    remove(t, i, -1);
                }
            }
        }
        for (Map.Entry<Long, BridgeConfig.StaticMac> e : config.statics.entrySet()) {
            Integer port = portIds.get(e.getValue().iface());
            if (port == null || !config.domains.containsKey(e.getValue().domain())) {
                continue; // its interface does not exist yet: added when it appears
            }
            long value = MacTable.VALID | MacTable.STATIC | (port & 0xFFFF_FFFFL);
            t = table;
            int slot = t.find(e.getKey());
            if (slot >= 0) {
                t.update(slot, value);
            } else {
                add(t, e.getKey(), value, tick(System.nanoTime()));
            }
        }
    }

    private void applyPending() {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, Integer> ids = new HashMap<>();
        config.domains.forEach((id, s) -> ids.put(s.name(), id));
        long now = System.nanoTime();
        for (Iterator<LearnedMac> it = pending.iterator(); it.hasNext(); ) {
            LearnedMac h = it.next();
            Integer d = ids.get(h.bridge());
            Integer port = portIds.get(h.iface());
            if (d == null || port == null || domainOfPort(port) != d) {
                continue;
            }
            it.remove();
            long key = MacTable.key(d, h.mac());
            MacTable t = table;
            if (t.find(key) < 0 && macCount[d] < config.domains.get(d).macLimit()) {
                add(t, key, MacTable.VALID | (port & 0xFFFF_FFFFL), tick(now - h.ageMillis() * 1_000_000L));
            }
        }
    }
}
