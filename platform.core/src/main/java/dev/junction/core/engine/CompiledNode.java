package dev.junction.core.engine;

import dev.junction.graph.PacketNode;

/** A node as placed in one graph snapshot: its slot, its resolved next slots and its labels for trace. */
final class CompiledNode {
    /** Drop reasons the engine adds after each node's own. */
    static final String[] BUILTIN_REASONS = {"next node unavailable", "node fault (quarantined)",
            "node quarantined", "vector overflow", "invalid verdict"};
    static final int NEXT_UNAVAILABLE = 0, NODE_FAULT = 1, QUARANTINED = 2, VECTOR_OVERFLOW = 3, BAD_VERDICT = 4;

    final int slot;
    final NodeRegistration reg;
    final PacketNode node;
    final String name;
    /** Slot for each verdict index; -1 where the named node is missing. */
    final int[] nextSlot;
    /** Slot NEXT_FEATURE goes to; -1 for nodes not on an arc. */
    final int arcNext;
    /**
     * Where NEXT_FEATURE goes by interface index (the last entry: an interface outside the table)
     * when a per-interface feature follows on the arc; null otherwise (then {@link #arcNext}).
     */
    final int[] arcNextByIf;
    /** Whether {@link #arcNextByIf} is indexed by the transmit interface (an output arc). */
    final boolean arcNextTx;
    /** Per verdict: the slot by interface index when the target is an arc start with per-interface features, else null. */
    final int[][] nextByIf;
    final boolean[] nextTx;
    final boolean tx;
    final boolean isFeature;
    final String[] nextLabels;
    final String[] reasons;
    /** "drop: reason" per reason, made once so that tracing a drop allocates nothing. */
    final String[] dropLabels;
    final int ownReasons;

    CompiledNode(int slot, NodeRegistration reg, int[] nextSlot, int arcNext, boolean tx, String[] nextLabels) {
        this(slot, reg, nextSlot, arcNext, null, false, null, null, tx, nextLabels);
    }

    CompiledNode(int slot, NodeRegistration reg, int[] nextSlot, int arcNext, int[] arcNextByIf, boolean arcNextTx,
            int[][] nextByIf, boolean[] nextTx, boolean tx, String[] nextLabels) {
        this.slot = slot;
        this.reg = reg;
        this.node = reg.node;
        this.name = reg.name;
        this.nextSlot = nextSlot;
        this.arcNext = arcNext;
        this.arcNextByIf = arcNextByIf;
        this.arcNextTx = arcNextTx;
        this.nextByIf = nextByIf;
        this.nextTx = nextTx;
        this.tx = tx;
        this.isFeature = reg.arc != null;
        this.nextLabels = nextLabels;
        this.ownReasons = reg.errors.size();
        this.reasons = new String[ownReasons + BUILTIN_REASONS.length];
        for (int i = 0; i < ownReasons; i++) {
            reasons[i] = reg.errors.get(i);
        }
        System.arraycopy(BUILTIN_REASONS, 0, reasons, ownReasons, BUILTIN_REASONS.length);
        dropLabels = new String[reasons.length];
        for (int i = 0; i < reasons.length; i++) {
            dropLabels[i] = "drop: " + reasons[i];
        }
    }

    int builtin(int reason) {
        return ownReasons + reason;
    }

    /** Key of this node's counters: a node updated with other drop reasons or counters gets fresh ones. */
    String counterKey() {
        return name + '\u0000' + String.join("\u0000", reasons) + '\u0001' + String.join("\u0000", reg.counters);
    }
}
