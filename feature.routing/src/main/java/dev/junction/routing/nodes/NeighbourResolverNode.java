package dev.junction.routing.nodes;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Announcements;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;

/**
 * What ip4-arp and ip6-nd share: a packet whose next hop has no neighbour entry waits in a bounded
 * hold queue ({@link HoldQueue#PER_WORKER} per worker) while a request in a new buffer asks for the
 * next hop, at most once per next hop every 100 ms per worker. Every millisecond the node looks at
 * what it holds: resolved packets go on to rewrite, unresolved ones are asked for again each second
 * and dropped after {@link #GIVE_UP_NS}. When the queue is full (or no buffer is free for the
 * request) the packet itself becomes the request, as routers without a queue do. The tick also sends
 * the family's due {@link Announcements}; leaving the graph hands back what is held.
 *
 * <p>A family says how a packet's next hop is found and asked for: {@link #hasSource},
 * {@link #key}, {@link #resolved}, {@link #writeRequest}, {@link #announcer}.
 */
abstract class NeighbourResolverNode implements PacketNode {
    static final int OUTPUT = 0, REWRITE = 1;
    static final int PENDING = 0, NO_ADDRESS = 1, UNRESOLVED = 2, LEFT_UNRESOLVED = 3;
    static final long GIVE_UP_NS = 3_000_000_000L;
    private static final int SLOTS = 256;
    private static final long RETRY_NS = 100_000_000L;
    private static final long ASK_AGAIN_NS = 1_000_000_000L;
    final Vrfs vrfs;
    private final boolean ipv6;
    /** One worker's request slots: the last request time of a hashed next hop, and which next hop that was. */
    private static final class Sent {
        final long[] at = new long[SLOTS];
        final long[] key = new long[SLOTS];
    }

    private final PerWorker<Sent> sent = new PerWorker<>(w -> new Sent());
    private final HoldQueue held = new HoldQueue();

    NeighbourResolverNode(Vrfs vrfs, boolean ipv6) {
        this.vrfs = vrfs;
        this.ipv6 = ipv6;
    }

    /** Whether packet {@code b}'s output interface has an address of the family to ask from. */
    abstract boolean hasSource(PacketPool pool, int b);

    /** The output interface and next hop of packet {@code b}, as the key its rate limit is kept for. */
    abstract long key(PacketPool pool, MemorySegment m, int b);

    /** Whether the neighbour table now knows packet {@code b}'s next hop. */
    abstract boolean resolved(PacketPool pool, MemorySegment m, int b);

    /**
     * Writes into buffer {@code r} the request for packet {@code b}'s next hop, with its length and
     * transmit interface ({@code r} may be {@code b}: read what is needed of it before writing).
     */
    abstract void writeRequest(PacketPool pool, MemorySegment m, int r, int b, NodeContext ctx);

    /** How the family announces an address that came up. */
    abstract Announcements.Sender announcer();

    @Override
    public final void workers(int count) {
        sent.resize(count);
        held.workers(count);
    }

    @Override
    public final long tickNanos() {
        return 1_000_000L;
    }

    @Override
    public final void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        int worker = ctx.worker();
        Sent s = sent.get(worker);
        long now = ctx.now();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            if (!hasSource(pool, b)) {
                v.drop(i, NO_ADDRESS);
                continue;
            }
            long key = key(pool, m, b);
            int slot = slot(key);
            boolean ask = s.key[slot] != key || now - s.at[slot] >= RETRY_NS;
            if (held.hold(worker, b, now)) {
                v.take(i);
                if (ask && !v.isFull()) {
                    askInNewBuffer(v, b, s, slot, key, now, ctx);
                }
                continue;
            }
            if (!ask) {
                v.drop(i, PENDING);
                continue;
            }
            s.key[slot] = key;
            s.at[slot] = now;
            writeRequest(pool, m, b, b, ctx); // no room to hold it: the packet becomes the request
            v.next(i, OUTPUT);
        }
    }

    @Override
    public final void tick(PacketVector out, NodeContext ctx) {
        if (vrfs.announcements.any()) {
            vrfs.announcements.sendDue(ipv6, announcer(), out, OUTPUT, ctx);
        }
        int worker = ctx.worker();
        int count = held.count(worker);
        if (count == 0) {
            return;
        }
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long now = ctx.now();
        for (int i = count - 1; i >= 0 && !out.isFull(); i--) {
            int b = held.buffer(worker, i);
            if (resolved(pool, m, b)) {
                held.remove(worker, i);
                out.add(b);
                out.next(out.count() - 1, REWRITE);
            } else if (now - held.since(worker, i) >= GIVE_UP_NS) {
                held.remove(worker, i);
                out.add(b);
                out.drop(out.count() - 1, UNRESOLVED);
            } else if (now - held.asked(worker, i) >= ASK_AGAIN_NS) {
                held.asked(worker, i, now);
                long key = key(pool, m, b);
                Sent s = sent.get(worker);
                int slot = slot(key);
                if (s.key[slot] == key && now - s.at[slot] < ASK_AGAIN_NS || !hasSource(pool, b)) {
                    continue; // asked for this next hop already (for another held packet), or no address now
                }
                askInNewBuffer(out, b, s, slot, key, now, ctx);
            }
        }
    }

    /** Leaving the graph: resolved packets go on to rewrite, the others are dropped and counted. */
    @Override
    public final void release(PacketVector out, NodeContext ctx) {
        int worker = ctx.worker();
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        for (int i = held.count(worker) - 1; i >= 0 && !out.isFull(); i--) {
            int b = held.buffer(worker, i);
            held.remove(worker, i);
            out.add(b);
            if (resolved(pool, m, b)) {
                out.next(out.count() - 1, REWRITE);
            } else {
                out.drop(out.count() - 1, LEFT_UNRESOLVED);
            }
        }
    }

    /** Appends to {@code v} a request for packet {@code b}'s next hop, if a buffer is free (the caller checked for room). */
    private void askInNewBuffer(PacketVector v, int b, Sent s, int slot, long key, long now, NodeContext ctx) {
        int r = ctx.pool().allocate();
        if (r >= 0) {
            writeRequest(ctx.pool(), ctx.memory(), r, b, ctx);
            v.add(r);
            v.next(v.count() - 1, OUTPUT);
            s.key[slot] = key;
            s.at[slot] = now;
        }
    }

    /** A key's rate-limit slot in a worker's {@link Sent} (every worker has its own slots: no sharing). */
    private static int slot(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 56);
    }
}
