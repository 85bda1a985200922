package dev.junction.routing.internal;

import dev.junction.graph.NodeContext;
import dev.junction.packet.PacketVector;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The router telling its neighbours about an address that has just come up on an interface:
 * gratuitous ARP for IPv4, an unsolicited neighbour advertisement for IPv6. Hosts and switches then
 * learn the router's MAC for the address (a moved address, a replaced router) before a packet needs
 * it. The control thread cannot transmit, so it leaves them here and whichever worker ticks first
 * sends each one ({@code ip4-arp} and {@code ip6-nd}), {@link #REPEATS} times {@link #INTERVAL_NS}
 * apart, since a single frame may be lost.
 *
 * <p>A fixed set of slots, each FREE, WRITING (control fills it), READY or SENDING (a worker claimed
 * it with a compare-and-set, so exactly one worker sends each). What a slot holds is written before
 * the volatile store that makes it READY, and read after the volatile load that sees READY. Workers
 * look at {@link #any()} (one volatile load) on each tick; nothing else costs them anything.
 */
public final class Announcements {
    public static final int CAPACITY = 64;
    public static final int REPEATS = 3;
    public static final long INTERVAL_NS = 1_000_000_000L;
    private static final int FREE = 0, WRITING = 1, READY = 2, SENDING = 3;
    private final AtomicIntegerArray state = new AtomicIntegerArray(CAPACITY);
    private final boolean[] ipv6 = new boolean[CAPACITY];
    private final int[] ifIndex = new int[CAPACITY];
    private final long[] high = new long[CAPACITY];
    private final long[] low = new long[CAPACITY];
    private final int[] remaining = new int[CAPACITY];
    private final long[] dueAt = new long[CAPACITY];
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** Control path: announce IPv4 {@code address} on interface {@code ifIndex}; false when full. */
    public boolean announce4(int ifIndex, int address) {
        return announce(false, ifIndex, 0, address & 0xFFFF_FFFFL);
    }

    /** Control path: announce IPv6 {@code high:low} on interface {@code ifIndex}; false when full. */
    public boolean announce6(int ifIndex, long high, long low) {
        return announce(true, ifIndex, high, low);
    }

    private boolean announce(boolean v6, int index, long h, long l) {
        for (int s = 0; s < CAPACITY; s++) {
            if (state.compareAndSet(s, FREE, WRITING)) {
                ipv6[s] = v6;
                ifIndex[s] = index;
                high[s] = h;
                low[s] = l;
                remaining[s] = REPEATS;
                dueAt[s] = System.nanoTime();
                pending.incrementAndGet();
                state.set(s, READY);
                return true;
            }
        }
        refused.incrementAndGet();
        return false;
    }

    /** Worker: whether any announcement waits (cheap enough for every tick). */
    public boolean any() {
        return pending.get() != 0;
    }

    /** How a node announces one family: whether an address is still the router's, and the frame. */
    public interface Sender {
        /** Whether the claimed slot's address is still the router's on its interface. */
        boolean stillOurs(Announcements a, int slot);

        /** Writes the announcement of the claimed slot into {@code buffer}, with its length and transmit interface. */
        void write(Announcements a, int slot, int buffer, NodeContext ctx);
    }

    /**
     * Worker: sends what is due of the family, each in a new buffer appended to {@code out} with
     * {@code verdict}, while there is room and buffers. An address gone from its interface, or an
     * interface down, uses up a repeat without a frame.
     */
    public void sendDue(boolean v6, Sender sender, PacketVector out, int verdict, NodeContext ctx) {
        long now = ctx.now();
        for (int slot; !out.isFull() && (slot = claim(v6, now)) >= 0; ) {
            int tx = ifIndex[slot];
            if (!sender.stillOurs(this, slot) || tx >= ctx.interfaces().size() || !ctx.interfaces().isUp(tx)) {
                skipped(slot, now);
                continue;
            }
            int r = ctx.pool().allocate();
            if (r < 0) {
                later(slot);
                return;
            }
            sender.write(this, slot, r, ctx);
            ctx.pool().traceId(r, 0);
            out.add(r);
            out.next(out.count() - 1, verdict);
            sent(slot, now);
        }
    }

    /** Worker: claims an announcement of the family that is due at {@code now}; its slot, or -1. */
    public int claim(boolean v6, long now) {
        for (int s = 0; s < CAPACITY; s++) {
            if (state.get(s) == READY && ipv6[s] == v6 && now - dueAt[s] >= 0 && state.compareAndSet(s, READY, SENDING)) {
                return s;
            }
        }
        return -1;
    }

    public int ifIndex(int slot) {
        return ifIndex[slot];
    }

    /** The IPv4 address of a claimed IPv4 slot. */
    public int address4(int slot) {
        return (int) low[slot];
    }

    public long high(int slot) {
        return high[slot];
    }

    public long low(int slot) {
        return low[slot];
    }

    /** Worker: the claimed announcement went out; it is due again later, or done. */
    public void sent(int slot, long now) {
        sent.incrementAndGet();
        finish(slot, now);
    }

    /**
     * Worker: the claimed announcement cannot go out (the interface is gone, or has no address of the
     * family any more); it counts as one of its repeats, so that it does not wait forever.
     */
    public void skipped(int slot, long now) {
        finish(slot, now);
    }

    /** Worker: no buffer or room now; stays due for the next tick. */
    public void later(int slot) {
        state.set(slot, READY);
    }

    private void finish(int slot, long now) {
        if (--remaining[slot] > 0) {
            dueAt[slot] = now + INTERVAL_NS;
            state.set(slot, READY);
        } else {
            pending.decrementAndGet();
            state.set(slot, FREE);
        }
    }

    /** Frames sent so far (each repeat counts). */
    public long sentCount() {
        return sent.get();
    }

    /** Announcements not queued because every slot was taken. */
    public long refusedCount() {
        return refused.get();
    }
}
