package dev.junction.packet;

/**
 * Up to {@link #MAX} packets (buffer numbers of one {@link PacketPool}) handed to a node at once,
 * with the verdict the node gives each of them: the index of one of its next nodes, the next
 * feature on its arc, or a drop with a reason. Reused between vectors: never allocate one per burst.
 */
public final class PacketVector {
    public static final int MAX = 256;

    /** Verdict: continue to the next feature on the node's arc (or the arc's end node). */
    public static final int NEXT_FEATURE = -1;
    private static final int DROP_BASE = -2;
    /** The node kept the packet's buffer (to send later): it goes nowhere now and is not freed. */
    public static final int TAKEN = Integer.MIN_VALUE;

    private final int[] buffers = new int[MAX];
    private final int[] next = new int[MAX];
    private int count;

    public int count() {
        return count;
    }

    public boolean isFull() {
        return count == MAX;
    }

    public int buffer(int i) {
        return buffers[i];
    }

    /** Appends a packet; the caller checks {@link #isFull()} first. Its verdict starts as NEXT_FEATURE. */
    public void add(int buffer) {
        buffers[count] = buffer;
        next[count++] = NEXT_FEATURE;
    }

    public void clear() {
        count = 0;
    }

    /** Forgets the packets from position {@code newCount} on (the caller has dealt with their buffers). */
    public void truncate(int newCount) {
        count = Math.min(count, Math.max(0, newCount));
    }

    /** Sends packet {@code i} to the node's next node number {@code nextIndex} (its position in {@code next()}). */
    public void next(int i, int nextIndex) {
        next[i] = nextIndex;
    }

    /** Sends every packet of the vector to the same next node. */
    public void nextAll(int nextIndex) {
        java.util.Arrays.fill(next, 0, count, nextIndex);
    }

    /** The node keeps packet {@code i}'s buffer: it must later hand it out (from {@link dev.junction.graph.PacketNode#tick}) or free it. */
    public void take(int i) {
        next[i] = TAKEN;
    }

    /** Drops packet {@code i}, counted under the node's error reason number {@code reason}. */
    public void drop(int i, int reason) {
        next[i] = DROP_BASE - reason;
    }

    /** Whether every packet got the same verdict (then the whole vector can move on at once). */
    public boolean verdictsAllEqual() {
        int v = next[0];
        for (int i = 1; i < count; i++) {
            if (next[i] != v) {
                return false;
            }
        }
        return true;
    }

    /** Sets every verdict back to NEXT_FEATURE, as {@link #add} leaves it, before the vector moves to another node. */
    public void resetVerdicts() {
        java.util.Arrays.fill(next, 0, count, NEXT_FEATURE);
    }

    /** The verdict of packet {@code i} as set by the node. */
    public int verdict(int i) {
        return next[i];
    }

    public static boolean isDrop(int verdict) {
        return verdict <= DROP_BASE && verdict != TAKEN;
    }

    public static int dropReason(int verdict) {
        return DROP_BASE - verdict;
    }
}
