package dev.junction.core.engine;

import dev.junction.dataplane.ArcStatus;
import java.util.List;

/**
 * Everything a worker runs, immutable once published: the compiled nodes, the interfaces, one
 * {@link WorkerGraph} per worker and the captures by interface. A change builds a new snapshot and
 * publishes it with one volatile write; workers adopt it between rounds.
 */
final class GraphSnapshot {
    final long epoch;
    final CompiledNode[] nodes;
    final int inputSlot;
    /** The input slot by receiving interface when device-input has per-interface features, else null. */
    final int[] inputSlotByIf;
    final int txSlot;
    final InterfaceTable interfaces;
    final WorkerGraph[] workers;
    final List<ArcStatus> arcs;
    /** Per interface index: its capture, or null. */
    final PcapCapture[] captures;

    GraphSnapshot(long epoch, GraphCompiler.Compiled compiled, InterfaceTable interfaces, WorkerGraph[] workers,
            PcapCapture[] captures) {
        this.epoch = epoch;
        this.nodes = compiled.nodes();
        this.inputSlot = compiled.inputSlot();
        this.inputSlotByIf = compiled.inputSlotByIf();
        int tx = -1;
        for (CompiledNode n : nodes) {
            if (n.tx) {
                tx = n.slot;
            }
        }
        this.txSlot = tx;
        this.interfaces = interfaces;
        this.workers = workers;
        this.arcs = compiled.arcs();
        this.captures = captures;
    }
}
