package dev.junction.l2.bridge;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.Ethernet;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code l2-bridge}, the end of the {@code bridge-input} arc: learns each frame's source MAC (asks the
 * {@link MacLearner}; the frame does not wait) and forwards by destination MAC within the receiving
 * port's domain: a known MAC goes to its port, broadcast, multicast and unknown unicast to
 * {@code l2-flood}. Per packet: two lookups in the lock-free {@link MacTable}, no allocation.
 */
public final class L2BridgeNode implements PacketNode {
    public static final String NAME = "l2-bridge";
    static final int TO_OUTPUT = 0, TO_FLOOD = 1;
    static final int NOT_A_PORT = 0, TOO_SHORT = 1, SOURCE_MULTICAST = 2, MAC_LIMIT = 3, SAME_PORT = 4,
            UNKNOWN_UNICAST_OFF = 5, FLOOD_OFF = 6, STATIC_ELSEWHERE = 7, VLAN_NOT_ON_PORT = 8, NO_NATIVE_VLAN = 9,
            NO_ROOM_FOR_TAG = 10;
    static final int LEARN_REQUESTS = 0, LEARN_QUEUE_FULL = 1;
    private static final int RECENT = 256;
    /** A learn request is not repeated for the same MAC and port within this many ticks (~34 ms). */
    private static final int RECENT_TICKS = 2;

    /** One worker's state: the resolved configuration, counters and recently asked learns. */
    static final class State {
        ResolvedBridges resolved;
        final WorkerCounters counters = new WorkerCounters();
        final long[] recentKey = new long[RECENT];
        final int[] recentPort = new int[RECENT];
        final int[] recentTick = new int[RECENT];
    }

    private final MacLearner learner;
    private volatile BridgeConfig config = BridgeConfig.EMPTY;
    final PerWorker<State> states = new PerWorker<>(w -> new State());

    L2BridgeNode(MacLearner learner) {
        this.learner = learner;
    }

    void config(BridgeConfig c) {
        config = c;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), L2FloodNode.NAME);
    }

    @Override
    public List<String> errors() {
        return List.of("not a bridge port", "frame too short", "source MAC is multicast", "MAC limit reached",
                "destination on the receiving port", "unknown unicast, flooding off", "broadcast/multicast, flooding off",
                "static MAC seen on another port", "VLAN not on this port", "untagged frame, no native VLAN on this port",
                "no room for a VLAN tag");
    }

    @Override
    public List<String> counters() {
        return List.of("learn requests", "learn queue full");
    }

    @Override
    public void workers(int count) {
        learner.workers(count);
        states.resize(count);
    }

    private ResolvedBridges resolve(State st, NodeContext ctx) {
        ResolvedBridges r = ResolvedBridges.current(st.resolved, config, ctx.interfaces());
        if (r != st.resolved) {
            st.resolved = r;
            st.counters.fit(r.config.maxDomain + 1, r.portDomain.length);
        }
        return r;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        State st = states.get(ctx.worker());
        ResolvedBridges r = resolve(st, ctx);
        long[] dc = st.counters.domain;
        long[] pc = st.counters.port;
        PacketPool pool = ctx.pool();
        MemorySegment mem = ctx.memory();
        MacTable t = learner.table();
        int[] macCount = learner.macCounts();
        LearnRing ring = learner.ring(ctx.worker());
        int tick = MacLearner.tick(ctx.now());
        int n = v.count();
        // The receiving port and its domain's settings, kept from the packet before while the
        // interface is the same and has no VLAN sub-ports (then the port depends on the interface
        // alone): most of a vector comes from one interface, and this spares the chain of lookups.
        int lastRx = Integer.MIN_VALUE, lastPort = -1, d = 0, limit = 0;
        boolean learn = false, flood = false, unknownFlood = false;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int rx = pool.rxInterface(b);
            int len = pool.length(b);
            long f = pool.data(b);
            int port;
            if (rx == lastRx) {
                port = lastPort;
            } else {
                port = r.sourcePort(mem, f, len, rx);
                if (port < 0) {
                    v.drop(i, -1 - port); // the reason it names
                    continue;
                }
                d = r.domainOfPort(port);
                learn = r.learning[d];
                limit = r.macLimit[d];
                flood = r.flood[d];
                unknownFlood = r.unknownUnicastFlood[d];
                boolean byInterface = rx >= 0 && rx < r.vlans.length && r.vlans[rx] == null;
                lastRx = byInterface ? rx : Integer.MIN_VALUE;
                lastPort = port;
            }
            if (len < Ethernet.HEADER_LENGTH) {
                v.drop(i, TOO_SHORT);
                continue;
            }
            long src = Ethernet.source(mem, f);
            long dst = Ethernet.destination(mem, f);
            if (Ethernet.isMulticast(src)) {
                v.drop(i, SOURCE_MULTICAST);
                continue;
            }
            if (learn) {
                long sk = MacTable.key(d, src);
                int slot = t.slot(sk);
                long sv = slot >= 0 ? t.value(slot) : 0;
                if ((sv & MacTable.VALID) != 0) {
                    if (MacTable.port(sv) == port) {
                        if (t.seen[slot] != tick) {
                            t.seen[slot] = tick; // refresh: only when the tick changed, not a store per frame
                        }
                    } else if ((sv & MacTable.STATIC) != 0) {
                        v.drop(i, STATIC_ELSEWHERE);
                        continue;
                    } else {
                        askToLearn(st, ring, sk, port, tick, ctx); // a move
                    }
                } else if (d < macCount.length && macCount[d] >= limit) {
                    v.drop(i, MAC_LIMIT);
                    dc[d * WorkerCounters.DOMAIN + WorkerCounters.LIMIT_DROPS]++;
                    pc[rx * WorkerCounters.PORT + WorkerCounters.PORT_LIMIT_DROPS]++;
                    continue;
                } else {
                    askToLearn(st, ring, sk, port, tick, ctx);
                }
            }
            if (Ethernet.isMulticast(dst)) {
                if (flood) {
                    v.next(i, TO_FLOOD);
                    dc[d * WorkerCounters.DOMAIN + WorkerCounters.FLOODED]++;
                } else {
                    v.drop(i, FLOOD_OFF);
                }
                continue;
            }
            int slot = t.slot(MacTable.key(d, dst));
            long dv = slot >= 0 ? t.value(slot) : 0;
            if ((dv & MacTable.VALID) != 0) {
                int out = MacTable.port(dv);
                if (out == port) {
                    v.drop(i, SAME_PORT);
                    dc[d * WorkerCounters.DOMAIN + WorkerCounters.FILTERED]++;
                } else if (!VlanRewrite.inPlace(pool, mem, b, port, out)) {
                    v.drop(i, NO_ROOM_FOR_TAG);
                } else {
                    pool.txInterface(b, PortId.ifIndex(out));
                    v.next(i, TO_OUTPUT);
                    dc[d * WorkerCounters.DOMAIN + WorkerCounters.FORWARDED]++;
                }
            } else if (unknownFlood) {
                v.next(i, TO_FLOOD);
                dc[d * WorkerCounters.DOMAIN + WorkerCounters.UNKNOWN_UNICAST]++;
            } else {
                v.drop(i, UNKNOWN_UNICAST_OFF);
            }
        }
    }

    /** Queues "key was seen on port" for the learner, at most once per MAC and port every few ticks. */
    private static void askToLearn(State st, LearnRing ring, long key, int port, int tick, NodeContext ctx) {
        int h = (int) (key ^ (key >>> 21) ^ port) & (RECENT - 1);
        if (st.recentKey[h] == key && st.recentPort[h] == port && tick - st.recentTick[h] < RECENT_TICKS) {
            return;
        }
        if (ring != null && ring.offer(key, port)) {
            st.recentKey[h] = key;
            st.recentPort[h] = port;
            st.recentTick[h] = tick;
            ctx.count(LEARN_REQUESTS, 1);
        } else {
            ctx.count(LEARN_QUEUE_FULL, 1);
        }
    }
}
