package dev.junction.core.engine;

import dev.junction.core.nodes.InterfaceTxNode;
import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.packet.PacketMemory;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Map;

/**
 * A polling thread pinned to one CPU. Each round it adopts the newest graph snapshot (announcing the
 * epoch it runs, which is what lets removal wait for quiescence), polls its receive queues, pushes
 * each burst through the graph node by node until no vector holds packets, and hands staged packets
 * to the transmit queues. Nothing here allocates, locks or logs per packet.
 */
final class Worker implements Runnable, NodeContext {
    private static final VarHandle SEEN_EPOCH;

    static {
        try {
            SEEN_EPOCH = MethodHandles.lookup().findVarHandle(Worker.class, "seenEpoch", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    final int cpu;
    final IdleStrategy.Mode idleMode;
    private final Engine engine;
    private final Arena arena = Arena.ofShared();
    final PacketPool pool;
    private final MemorySegment memory;
    private final IdleStrategy idle;
    /** Node counters by name and reasons; written by the control thread, the objects by this worker. */
    final Map<String, NodeCounters> counters = new HashMap<>();
    final Thread thread;
    volatile boolean running = true;
    @SuppressWarnings("unused") // accessed through SEEN_EPOCH
    private long seenEpoch = -1;
    volatile int tid;
    volatile String pinError;
    volatile TraceBuffer trace;

    // Statistics, written by this worker only.
    long polls;
    long busyPolls;
    long packets;
    long faults;

    // The snapshot this worker runs now.
    private GraphSnapshot snap;
    private WorkerGraph g;
    private CompiledNode[] nodes;
    private InterfaceTable ifs;
    private long now;
    private int tracedInFlight;
    /** Counters of the node running now, for {@link #count}. */
    private NodeCounters countersNow;

    Worker(Engine engine, int index, int cpu, IdleStrategy.Mode idleMode, int poolBuffers, PacketMemory packetMemory) {
        this.engine = engine;
        this.index = index;
        this.cpu = cpu;
        this.idleMode = idleMode;
        this.idle = IdleStrategy.of(idleMode);
        this.pool = pool(arena, poolBuffers, packetMemory, index);
        this.memory = pool.memory();
        this.trace = new TraceBuffer(index);
        this.thread = Thread.ofPlatform().name("junction-worker-" + index).daemon().unstarted(this);
    }

    /**
     * The worker's pool from {@code packetMemory}; when that cannot give the memory (no huge pages
     * free, say) the pool is plain native memory, logged in one line, and the worker runs anyway: a
     * driver that needs the special memory then refuses the pool itself.
     */
    private static PacketPool pool(Arena arena, int buffers, PacketMemory packetMemory, int index) {
        if (packetMemory == PacketMemory.NATIVE) {
            return new PacketPool(arena, buffers);
        }
        try {
            return new PacketPool(arena, buffers, packetMemory);
        } catch (RuntimeException e) {
            System.getLogger("dev.junction.core").log(System.Logger.Level.ERROR, "worker " + index
                    + ": packet memory not available, pool in plain memory: " + e.getMessage());
            return new PacketPool(arena, buffers);
        }
    }

    long seenEpoch() {
        return (long) SEEN_EPOCH.getAcquire(this);
    }

    @Override
    public void run() {
        tid = Affinity.currentTid();
        if (cpu >= 0) {
            try {
                Affinity.pinCurrentThread(cpu);
            } catch (RuntimeException e) {
                pinError = e.getMessage();
            }
        }
        while (running) {
            GraphSnapshot s = engine.current();
            if (s != snap) {
                if (snap != null) {
                    releaseLeaving(s);
                }
                if (s.workers.length <= index) {
                    break; // this worker is not part of the new configuration
                }
                adopt(s);
            }
            SEEN_EPOCH.setRelease(this, s.epoch);
            int work = 0;
            try {
                work = poll();
                if (g.tickSlots.length > 0) {
                    work += tick();
                }
            } catch (Throwable t) {
                // A driver failed outside any node: count it, release what is in flight, go on.
                faults++;
                engine.workerFault(this, t);
                dropInFlight();
            }
            polls++;
            if (work > 0) {
                busyPolls++;
                packets += work;
            }
            idle.idle(work);
        }
        releaseQueues();
        SEEN_EPOCH.setRelease(this, Long.MAX_VALUE);
        arena.close();
    }

    /**
     * Before the pool's memory goes: every queue this worker polled or sent on may still have the
     * device using buffers of it (a NIC's rings), so each is told, here on the worker's thread.
     */
    private void releaseQueues() {
        WorkerGraph wg = g;
        if (wg == null) {
            return;
        }
        for (dev.junction.device.RxQueue q : wg.rxQueues) {
            try {
                q.releaseRx(pool);
            } catch (Throwable t) {
                faults++;
                engine.workerFault(this, t);
            }
        }
        for (dev.junction.device.TxQueue q : wg.txQueues) {
            if (q == null) {
                continue;
            }
            try {
                q.releaseTx(pool);
            } catch (Throwable t) {
                faults++;
                engine.workerFault(this, t);
            }
        }
    }

    /**
     * Before moving to snapshot {@code next}: each node that may hold packets (one with a tick) and
     * is not in {@code next} hands out what it holds, which runs through the current graph one last
     * time. This worker has not announced the new epoch yet, so the nodes are still there to run.
     */
    private void releaseLeaving(GraphSnapshot next) {
        WorkerGraph wg = g;
        for (int k = 0; k < wg.tickSlots.length; k++) {
            int slot = wg.tickSlots[k];
            CompiledNode cn = nodes[slot];
            if (cn.reg.quarantined || contains(next.nodes, cn)) {
                continue;
            }
            PacketVector v = wg.tickOut;
            now = System.nanoTime();
            try {
                for (int round = 0; round < 1000; round++) { // bounded: a node that never stops appending
                    try {
                        countersNow = wg.counters[slot];
                        cn.node.release(v, this);
                    } catch (Throwable t) {
                        quarantine(cn, v, t);
                    }
                    int n = v.count();
                    if (n == 0) {
                        break;
                    }
                    dispatch(cn, wg.counters[slot], v, n);
                    v.clear();
                    drain();
                    if (cn.reg.quarantined) {
                        break;
                    }
                }
            } catch (Throwable t) {
                faults++;
                engine.workerFault(this, t);
                dropInFlight();
            }
        }
    }

    private static boolean contains(CompiledNode[] nodes, CompiledNode cn) {
        for (CompiledNode other : nodes) {
            if (other.node == cn.node) {
                return true;
            }
        }
        return false;
    }

    private void adopt(GraphSnapshot s) {
        snap = s;
        g = s.workers[index];
        nodes = s.nodes;
        ifs = s.interfaces;
    }

    private int poll() {
        WorkerGraph wg = g;
        int[] inputByIf = snap.inputSlotByIf;
        int work = 0;
        now = System.nanoTime();
        if (engine.rxHeld()) {
            return 0; // a swap window: frames wait in the devices' own queues
        }
        TraceBuffer tb = trace;
        for (int q = 0; q < wg.rxQueues.length; q++) {
            int ifIndex = wg.rxInterface[q];
            if (!ifs.isUp(ifIndex)) {
                continue;
            }
            int inputSlot = inputByIf == null ? snap.inputSlot
                    : inputByIf[ifIndex < inputByIf.length - 1 ? ifIndex : inputByIf.length - 1];
            PacketVector in = wg.pending[inputSlot];
            int n = wg.rxQueues[q].receive(pool, in, PacketVector.MAX - in.count());
            if (n <= 0) {
                continue;
            }
            int end = in.count();
            for (int i = end - n; i < end; i++) {
                pool.rxInterface(in.buffer(i), ifIndex);
            }
            PcapCapture cap = snap.captures[ifIndex];
            if (cap != null && cap.direction.rx()) {
                for (int i = end - n; i < end; i++) {
                    int b = in.buffer(i);
                    cap.offer(index, memory, pool.data(b), pool.length(b), now);
                }
            }
            if (engine.traceArmed()) {
                for (int i = end - n; i < end; i++) {
                    int id = engine.takeTraceId();
                    if (id == 0) {
                        break;
                    }
                    int b = in.buffer(i);
                    pool.traceId(b, id);
                    tracedInFlight++;
                    tb.record(id, now, wg.rxLabels[q], nodes[inputSlot].name, pool.length(b));
                }
            }
            work += n;
            drain();
        }
        return work;
    }

    /** Runs nodes in slot order until every vector is empty, then transmits what was staged. */
    private void drain() {
        PacketVector[] pending = g.pending;
        boolean any;
        do {
            any = false;
            for (int s = 0; s < pending.length; s++) {
                if (pending[s].count() > 0) {
                    run(s);
                    any = true;
                }
            }
        } while (any);
        flushTx();
    }

    /** Calls the nodes whose tick is due; what they hand out goes on through the graph. */
    private int tick() {
        WorkerGraph wg = g;
        int out = 0;
        for (int k = 0; k < wg.tickSlots.length; k++) {
            if (now - wg.nextTick[k] < 0) {
                continue;
            }
            wg.nextTick[k] = now + wg.tickEvery[k];
            int s = wg.tickSlots[k];
            CompiledNode cn = nodes[s];
            if (cn.reg.quarantined) {
                continue;
            }
            PacketVector v = wg.tickOut;
            try {
                countersNow = wg.counters[s];
                cn.node.tick(v, this);
            } catch (Throwable t) {
                quarantine(cn, v, t);
            }
            int n = v.count();
            if (n > 0) {
                out += n;
                dispatch(cn, wg.counters[s], v, n);
                v.clear();
                drain();
            }
        }
        return out;
    }

    private void run(int s) {
        WorkerGraph wg = g;
        CompiledNode cn = nodes[s];
        PacketVector v = wg.pending[s];
        wg.pending[s] = wg.processing[s];
        wg.processing[s] = v;
        wg.running[s] = true;
        NodeCounters c = wg.counters[s];
        int n = v.count();
        if (cn.reg.quarantined) {
            if (cn.isFeature && !engine.dropQuarantined()) {
                v.nextAll(PacketVector.NEXT_FEATURE);
            } else {
                dropAll(v, cn.builtin(CompiledNode.QUARANTINED));
            }
        } else {
            long t0 = System.nanoTime();
            try {
                countersNow = c;
                cn.node.process(v, this);
            } catch (Throwable t) {
                quarantine(cn, v, t);
            }
            c.nanos += System.nanoTime() - t0;
        }
        c.calls++;
        c.packets += n;
        n = v.count(); // a node may have appended packets (fragments): they go on too
        if (n > 0 && tracedInFlight == 0 && !cn.tx && moveWhole(s, cn, v)) {
            wg.running[s] = false;
            return;
        }
        dispatch(cn, c, v, n);
        v.clear();
        wg.running[s] = false;
    }

    /** Sends each of the first {@code n} packets of {@code v} where its verdict says. */
    private void dispatch(CompiledNode cn, NodeCounters c, PacketVector v, int n) {
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int verdict = v.verdict(i);
            int target;
            if (verdict >= 0) {
                if (cn.tx) {
                    stageTx(b);
                    continue;
                }
                target = verdict < cn.nextSlot.length ? cn.nextSlot[verdict] : -2;
                if (target >= 0 && cn.nextByIf != null && cn.nextByIf[verdict] != null) {
                    target = byInterface(cn.nextByIf[verdict], cn.nextTx[verdict], b);
                }
            } else if (verdict == PacketVector.NEXT_FEATURE) {
                target = cn.arcNextByIf == null ? cn.arcNext : byInterface(cn.arcNextByIf, cn.arcNextTx, b);
            } else if (verdict == PacketVector.TAKEN) {
                continue; // the node holds it
            } else {
                int reason = PacketVector.dropReason(verdict);
                drop(b, cn, c, reason < cn.reasons.length ? reason : cn.builtin(CompiledNode.BAD_VERDICT));
                continue;
            }
            if (target >= 0) {
                if (tracedInFlight > 0 && pool.traceId(b) != 0) {
                    trace.record(pool.traceId(b), now, cn.name, nodes[target].name, pool.length(b));
                }
                enqueue(target, b, cn, c);
            } else {
                drop(b, cn, c, cn.builtin(target == -1 ? CompiledNode.NEXT_UNAVAILABLE : CompiledNode.BAD_VERDICT));
            }
        }
    }

    /** The slot a per-interface table gives for buffer {@code b}'s receive (or transmit) interface. */
    private int byInterface(int[] table, boolean tx, int b) {
        int i = tx ? pool.txInterface(b) : pool.rxInterface(b);
        return table[i >= 0 && i < table.length - 1 ? i : table.length - 1];
    }

    /**
     * The common case: every packet goes to the same next node and nothing waits there yet. Then the
     * vector itself moves (two array slots swap) instead of its packets one by one. Where the next
     * node depends on each packet's interface (an arc with per-interface features), it moves whole
     * when every packet's interface leads to the same node: one table read a packet, not an enqueue.
     */
    private boolean moveWhole(int s, CompiledNode cn, PacketVector v) {
        int verdict = v.verdict(0);
        int target;
        int[] byIf = null;
        boolean tx = false;
        if (verdict >= 0) {
            target = verdict < cn.nextSlot.length ? cn.nextSlot[verdict] : -1;
            if (cn.nextByIf != null && target >= 0 && cn.nextByIf[verdict] != null) {
                byIf = cn.nextByIf[verdict];
                tx = cn.nextTx[verdict];
            }
        } else if (verdict == PacketVector.NEXT_FEATURE) {
            target = cn.arcNext;
            if (cn.arcNextByIf != null) {
                byIf = cn.arcNextByIf;
                tx = cn.arcNextTx;
            }
        } else {
            return false;
        }
        WorkerGraph wg = g;
        if (target < 0 || !v.verdictsAllEqual()) {
            return false;
        }
        if (byIf != null) {
            target = byInterface(byIf, tx, v.buffer(0));
            for (int i = 1, n = v.count(); i < n; i++) {
                if (byInterface(byIf, tx, v.buffer(i)) != target) {
                    return false;
                }
            }
            if (target < 0) {
                return false;
            }
        }
        if (wg.running[target] || wg.pending[target].count() != 0) {
            return false;
        }
        wg.processing[s] = wg.pending[target];
        wg.pending[target] = v;
        v.resetVerdicts();
        return true;
    }

    private void enqueue(int target, int b, CompiledNode from, NodeCounters c) {
        PacketVector p = g.pending[target];
        if (p.isFull()) {
            if (g.running[target]) {
                drop(b, from, c, from.builtin(CompiledNode.VECTOR_OVERFLOW));
                return;
            }
            run(target);
            p = g.pending[target];
        }
        p.add(b);
    }

    /** A node threw: it is quarantined (the control thread recompiles the graph without it) and its vector dropped. */
    private void quarantine(CompiledNode cn, PacketVector v, Throwable t) {
        cn.reg.quarantined = true;
        faults++;
        engine.nodeFault(cn.reg, t);
        dropAll(v, cn.builtin(CompiledNode.NODE_FAULT));
    }

    private void dropAll(PacketVector v, int reason) {
        for (int i = 0, n = v.count(); i < n; i++) {
            v.drop(i, reason);
        }
    }

    private void drop(int b, CompiledNode cn, NodeCounters c, int reason) {
        c.drops[reason]++;
        if (tracedInFlight > 0 && pool.traceId(b) != 0) {
            trace.record(pool.traceId(b), now, cn.name, cn.dropLabels[reason], pool.length(b));
            tracedInFlight--;
        }
        pool.free(b);
    }

    private void stageTx(int b) {
        int tx = pool.txInterface(b);
        PacketVector sv = g.txStaging[tx];
        if (sv.isFull()) {
            transmit(tx); // it stays on the dirty list
        } else if (!g.isDirty[tx]) {
            g.isDirty[tx] = true;
            g.dirty[dirtyCount++] = tx;
        }
        sv.add(b);
    }

    private int dirtyCount;

    private void flushTx() {
        for (int i = 0; i < dirtyCount; i++) {
            int tx = g.dirty[i];
            transmit(tx);
            g.isDirty[tx] = false;
        }
        dirtyCount = 0;
    }

    private void transmit(int tx) {
        PacketVector sv = g.txStaging[tx];
        int n = sv.count();
        if (n == 0) {
            return;
        }
        PcapCapture cap = snap.captures[tx];
        if (cap != null && cap.direction.tx()) {
            for (int i = 0; i < n; i++) {
                int b = sv.buffer(i);
                cap.offer(index, memory, pool.data(b), pool.length(b), now);
            }
        }
        if (tracedInFlight > 0) {
            for (int i = 0; i < n; i++) {
                int b = sv.buffer(i);
                if (pool.traceId(b) != 0) {
                    trace.record(pool.traceId(b), now, InterfaceTxNode.NAME, g.txLabels[tx], pool.length(b));
                    tracedInFlight--;
                }
            }
        }
        int sent;
        try {
            sent = g.txQueues[tx].transmit(pool, sv);
        } catch (Throwable t) {
            faults++;
            engine.workerFault(this, t);
            sent = 0;
        }
        if (sent < n) {
            NodeCounters c = g.counters[snap.txSlot];
            for (int i = Math.max(sent, 0); i < n; i++) {
                c.drops[InterfaceTxNode.TX_FULL]++;
                pool.free(sv.buffer(i));
            }
        }
        sv.clear();
    }

    /** After a driver fault: free every buffer still in a vector so none leaks. */
    private void dropInFlight() {
        for (int s = 0; s < g.pending.length; s++) {
            freeAll(g.pending[s], s);
            g.processing[s].clear(); // partly scattered already: freeing again would double-free
            g.running[s] = false;
        }
        for (int i = 0; i < dirtyCount; i++) {
            freeAll(g.txStaging[g.dirty[i]], snap.txSlot);
            g.isDirty[g.dirty[i]] = false;
        }
        dirtyCount = 0;
        tracedInFlight = 0;
    }

    private void freeAll(PacketVector v, int slot) {
        CompiledNode cn = nodes[slot];
        for (int i = 0; i < v.count(); i++) {
            g.counters[slot].drops[cn.builtin(CompiledNode.NODE_FAULT)]++;
            pool.free(v.buffer(i));
        }
        v.clear();
    }

    // NodeContext

    @Override
    public int worker() {
        return index;
    }

    @Override
    public PacketPool pool() {
        return pool;
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public InterfaceView interfaces() {
        return ifs;
    }

    @Override
    public int workers() {
        return snap.workers.length;
    }

    @Override
    public void count(int counter, long delta) {
        countersNow.named[counter] += delta;
    }
}
