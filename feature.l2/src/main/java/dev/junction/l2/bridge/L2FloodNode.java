package dev.junction.l2.bridge;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code l2-flood}: sends a frame out of every port of its domain but the one it came in on and the
 * ports of the same split-horizon group: a copy (a new buffer) for each but the last port, which gets
 * the frame itself. Copies are appended to the vector; when it is full, the frame is kept (with where
 * its replication stopped) and the rest of its copies go out from {@link #tick}, so that a burst of
 * broadcasts is never cut short by the vector size.
 */
public final class L2FloodNode implements PacketNode {
    public static final String NAME = "l2-flood";
    static final int NOT_A_PORT = 0, NO_PORT = 1, HELD_FULL = 2, NO_ROOM_FOR_TAG = 3;
    static final int COPIES = 0, NO_BUFFER = 1, NO_ROOM = 2;
    private static final int HELD = 4096;

    /** One worker's frames whose replication waits for room, in order. */
    static final class State {
        ResolvedBridges resolved;
        final WorkerCounters counters = new WorkerCounters();
        final int[] heldBuffer = new int[HELD];
        final int[] heldFrom = new int[HELD];
        int heldHead;
        int heldCount;
    }

    final PerWorker<State> states = new PerWorker<>(w -> new State());
    private volatile BridgeConfig config = BridgeConfig.EMPTY;

    void config(BridgeConfig c) {
        config = c;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public List<String> errors() {
        return List.of("not a bridge port", "no port to flood to", "flood queue full: copies not sent",
                "no room for a VLAN tag");
    }

    @Override
    public List<String> counters() {
        return List.of("copies", "no buffer for a copy", "copy too long for its VLAN tag");
    }

    @Override
    public long tickNanos() {
        return 1; // every round: held frames wait one round, not a timer
    }

    @Override
    public void workers(int count) {
        states.resize(count);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        State st = states.get(ctx.worker());
        ResolvedBridges r = resolve(st, ctx);
        int n = v.count();
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int done = replicate(v, i, b, 0, r, st, ctx);
            if (done >= 0) {
                hold(v, i, b, done, st);
            }
        }
    }

    @Override
    public void tick(PacketVector out, NodeContext ctx) {
        drainHeld(out, ctx, false);
    }

    @Override
    public void release(PacketVector out, NodeContext ctx) {
        drainHeld(out, ctx, true);
    }

    /**
     * Hands held frames on, each only when all its remaining copies fit in {@code out} (else at the
     * next tick, or the next release call). A frame for more ports than a vector holds goes in parts
     * from ticks; on release, where nothing may stay held, it is dropped.
     */
    private void drainHeld(PacketVector out, NodeContext ctx, boolean releasing) {
        State st = states.get(ctx.worker());
        if (st.heldCount == 0) {
            return;
        }
        ResolvedBridges r = resolve(st, ctx);
        while (st.heldCount > 0 && !out.isFull()) {
            int b = st.heldBuffer[st.heldHead];
            int from = st.heldFrom[st.heldHead];
            int need = remaining(b, from, r, ctx);
            if (out.count() + need > PacketVector.MAX && out.count() > 0) {
                return;
            }
            out.add(b);
            int i = out.count() - 1;
            if (need > PacketVector.MAX && releasing) {
                out.drop(i, HELD_FULL);
            } else {
                int done = replicate(out, i, b, from, r, st, ctx);
                if (done >= 0) {
                    // More ports than a vector: the copies made go, the frame stays for the next tick.
                    st.heldFrom[st.heldHead] = done;
                    out.take(i);
                    return;
                }
            }
            st.heldHead = (st.heldHead + 1) % HELD;
            st.heldCount--;
        }
    }

    /** How many frames {@code b} still makes from member position {@code from}: its copies and itself. */
    private static int remaining(int b, int from, ResolvedBridges r, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        int src = r.sourcePort(ctx.memory(), pool.data(b), pool.length(b), pool.rxInterface(b));
        int d = src < 0 ? 0 : r.domainOfPort(src);
        if (d == 0) {
            return 1;
        }
        int[] members = r.members[d];
        int[] shg = r.memberShg[d];
        int myShg = r.shgOfPort(src);
        int n = 0;
        for (int k = from; k < members.length; k++) {
            if (eligible(members[k], shg[k], src, myShg, ctx)) {
                n++;
            }
        }
        return Math.max(1, n);
    }

    private ResolvedBridges resolve(State st, NodeContext ctx) {
        ResolvedBridges r = ResolvedBridges.current(st.resolved, config, ctx.interfaces());
        if (r != st.resolved) {
            st.resolved = r;
            st.counters.fit(r.config.maxDomain + 1, r.portDomain.length);
        }
        return r;
    }

    /**
     * Sends copies of {@code b} (packet {@code i} of {@code v}) to the eligible ports from member
     * position {@code from}, and the frame itself to the last one. Returns -1 when the frame has its
     * verdict, or the member position to go on from once there is room in a vector.
     */
    private static int replicate(PacketVector v, int i, int b, int from, ResolvedBridges r, State st, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        int rx = pool.rxInterface(b);
        MemorySegment mem = ctx.memory();
        // The frame is as it was received: its port (a VLAN sub-port by its tag) is found again.
        int src = r.sourcePort(mem, pool.data(b), pool.length(b), rx);
        int d = src < 0 ? 0 : r.domainOfPort(src);
        if (d == 0) {
            v.drop(i, NOT_A_PORT);
            return -1;
        }
        int[] members = r.members[d];
        int[] shg = r.memberShg[d];
        int myShg = r.shgOfPort(src);
        int last = -1;
        for (int k = members.length - 1; k >= 0; k--) {
            if (eligible(members[k], shg[k], src, myShg, ctx)) {
                last = k;
                break;
            }
        }
        if (last < 0 || last < from) {
            v.drop(i, NO_PORT); // alone in its domain, or its ports went while it waited
            return -1;
        }
        long[] pc = st.counters.port;
        for (int k = from; k < last; k++) {
            int m = members[k];
            if (!eligible(m, shg[k], src, myShg, ctx)) {
                continue;
            }
            if (v.isFull()) {
                return k;
            }
            int c = pool.allocate();
            if (c < 0) {
                ctx.count(NO_BUFFER, 1);
                continue;
            }
            if (!VlanRewrite.copy(pool, mem, b, src, c, m)) {
                pool.free(c);
                ctx.count(NO_ROOM, 1);
                continue;
            }
            int out = PortId.ifIndex(m);
            pool.rxInterface(c, rx);
            pool.txInterface(c, out);
            v.add(c);
            v.next(v.count() - 1, 0);
            ctx.count(COPIES, 1);
            if (out * WorkerCounters.PORT < pc.length) {
                pc[out * WorkerCounters.PORT + WorkerCounters.FLOODED_OUT]++;
            }
        }
        int m = members[last];
        if (!VlanRewrite.inPlace(pool, mem, b, src, m)) {
            v.drop(i, NO_ROOM_FOR_TAG);
            return -1;
        }
        int out = PortId.ifIndex(m);
        pool.txInterface(b, out);
        v.next(i, 0);
        if (out * WorkerCounters.PORT < pc.length) {
            pc[out * WorkerCounters.PORT + WorkerCounters.FLOODED_OUT]++;
        }
        return -1;
    }

    /** Whether port id {@code port} gets a copy of a frame from port id {@code src}. */
    private static boolean eligible(int port, int shg, int src, int myShg, NodeContext ctx) {
        return port != src && (shg == 0 || shg != myShg) && ctx.interfaces().isUp(PortId.ifIndex(port));
    }

    /** Keeps packet {@code i} to finish from {@link #tick}; if the queue is full it is dropped and counted. */
    private static void hold(PacketVector v, int i, int b, int from, State st) {
        if (st.heldCount == HELD) {
            v.drop(i, HELD_FULL);
            return;
        }
        int tail = (st.heldHead + st.heldCount) % HELD;
        st.heldBuffer[tail] = b;
        st.heldFrom[tail] = from;
        st.heldCount++;
        v.take(i);
    }
}
