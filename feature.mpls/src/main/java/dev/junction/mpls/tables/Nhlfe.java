package dev.junction.mpls.tables;

/**
 * A next hop label forwarding entry (RFC 3031 section 3.10): the labels to push towards an IPv4
 * gateway, and where that gateway was last resolved to. The labels never change; the resolution is
 * one volatile word written by the control thread (interface and neighbour MAC together, so that a
 * worker never sees one without the other) and read by the workers per packet.
 */
public final class Nhlfe {
    /** {@link #resolved()} while the gateway has no route or no neighbour entry. */
    public static final long UNRESOLVED = -1L;
    public static final int MAX_LABELS = 4;
    private final int via;
    private final int[] labels;
    private volatile long resolved = UNRESOLVED;

    /** {@code labels} top first, at most {@link #MAX_LABELS}; implicit null is an empty stack. */
    public Nhlfe(int via, int[] labels) {
        if (labels.length > MAX_LABELS) {
            throw new IllegalArgumentException("at most " + MAX_LABELS + " labels, not " + labels.length);
        }
        this.via = via;
        this.labels = labels.clone();
    }

    public int via() {
        return via;
    }

    public int labelCount() {
        return labels.length;
    }

    public int label(int i) {
        return labels[i];
    }

    public int[] labels() {
        return labels.clone();
    }

    /** Interface index in the top 16 bits, the neighbour's MAC in the low 48; {@link #UNRESOLVED}. */
    public long resolved() {
        return resolved;
    }

    public void resolve(int ifIndex, long mac) {
        resolved = (long) ifIndex << 48 | (mac & 0xFFFF_FFFF_FFFFL);
    }

    public void unresolve() {
        resolved = UNRESOLVED;
    }

    public static int ifIndex(long resolved) {
        return (int) (resolved >>> 48);
    }

    public static long mac(long resolved) {
        return resolved & 0xFFFF_FFFF_FFFFL;
    }
}
