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

    WorkerGraph(int slots, NodeCounters[] counters, RxQueue[] rxQueues, int[] rxInterface, String[] rxLabels,
            TxQueue[] txQueues, String[] txLabels) {
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
