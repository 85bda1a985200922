package dev.junction.core.engine;

import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.packet.PacketVector;

/**
 * What one worker needs to run one graph snapshot, built off the worker by the control thread so that
 * adopting a snapshot allocates nothing: two vectors per node (the one filling and the one being
 * processed), the node counters, its receive queues and a transmit queue and staging vector per
 * interface.
 */
final class WorkerGraph {
    final PacketVector[] pending;
    final PacketVector[] processing;
    final boolean[] running;
    final NodeCounters[] counters;
    final RxQueue[] rxQueues;
    final int[] rxInterface;
    final String[] rxLabels;
    final TxQueue[] txQueues;
    final PacketVector[] txStaging;
    final String[] txLabels;
    /** Interfaces with staged packets, so that a flush does not scan every interface. */
    final int[] dirty;
    final boolean[] isDirty;

    /** Nodes that want ticks: their slots, intervals, and when each is next due on this worker. */
    final int[] tickSlots;
    final long[] tickEvery;
    final long[] nextTick;
    final PacketVector tickOut = new PacketVector();

    WorkerGraph(CompiledNode[] nodes, NodeCounters[] counters, RxQueue[] rxQueues, int[] rxInterface, String[] rxLabels,
            TxQueue[] txQueues, String[] txLabels) {
        int slots = nodes.length;
        int ticking = 0;
        for (CompiledNode n : nodes) {
            if (n.node.tickNanos() > 0) {
                ticking++;
            }
        }
        tickSlots = new int[ticking];
        tickEvery = new long[ticking];
        nextTick = new long[ticking];
        for (int i = 0, k = 0; i < slots; i++) {
            long every = nodes[i].node.tickNanos();
            if (every > 0) {
                tickSlots[k] = i;
                tickEvery[k++] = every;
            }
        }
        pending = new PacketVector[slots];
        processing = new PacketVector[slots];
        running = new boolean[slots];
        for (int i = 0; i < slots; i++) {
            pending[i] = new PacketVector();
            processing[i] = new PacketVector();
        }
        this.counters = counters;
        this.rxQueues = rxQueues;
        this.rxInterface = rxInterface;
        this.rxLabels = rxLabels;
        this.txQueues = txQueues;
        this.txLabels = txLabels;
        txStaging = new PacketVector[txQueues.length];
        for (int i = 0; i < txStaging.length; i++) {
            txStaging[i] = new PacketVector();
        }
        dirty = new int[txQueues.length];
        isDirty = new boolean[txQueues.length];
    }
}
