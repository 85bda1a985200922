package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.MacAddress;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Announcements;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Packets whose next hop has no neighbour entry: ARP asks for it (a request in a new buffer, at most
 * one per next hop every 100 ms per worker) and the packet waits in a bounded hold queue
 * ({@link HoldQueue#PER_WORKER} per worker). Every millisecond the node looks at what it holds:
 * resolved packets go on to ip4-rewrite, unresolved ones are asked for again each second and dropped
 * after {@link #GIVE_UP_NS}. When the queue is full (or no buffer is free for the request) the
 * packet itself becomes the request, as routers without a queue do.
 *
 * <p>The tick also sends the gratuitous ARP the control path asks for when an address comes up on an
 * interface ({@link Announcements}): a request for the address itself, from it, to broadcast.
 */
public final class Ip4ArpNode implements PacketNode {
    public static final String NAME = "ip4-arp";
    static final int OUTPUT = 0, REWRITE = 1;
    static final int PENDING = 0, NO_ADDRESS = 1, UNRESOLVED = 2, LEFT_UNRESOLVED = 3;
    private static final int MAX_WORKERS = 64;
    private static final int SLOTS = 256;
    private static final long RETRY_NS = 100_000_000L;
    private static final long ASK_AGAIN_NS = 1_000_000_000L;
    static final long GIVE_UP_NS = 3_000_000_000L;
    private final Vrfs vrfs;
    /** Per worker: the last request time of a hashed next hop, and which next hop that was. */
    private final long[] sentAt = new long[MAX_WORKERS * SLOTS];
    private final long[] sentFor = new long[MAX_WORKERS * SLOTS];
    private final HoldQueue held = new HoldQueue();

    public Ip4ArpNode(Vrfs vrfs) {
        this.vrfs = vrfs;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), Ip4RewriteNode.NAME);
    }

    @Override
    public List<String> errors() {
        return List.of("awaiting ARP resolution (hold queue full)", "no address on the output interface",
                "ARP resolution failed (no reply in 3 s)", "unresolved when ip4-arp left the graph (bundle updated or stopped)");
    }

    @Override
    public long tickNanos() {
        return 1_000_000L;
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        int worker = ctx.worker();
        int base = (worker % MAX_WORKERS) * SLOTS;
        long now = ctx.now();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int tx = pool.txInterface(b);
            int nh = pool.nextHop(b);
            int src = vrfs.ip4(pool.vrf(b)).addressOf(tx);
            if (src == 0) {
                v.drop(i, NO_ADDRESS);
                continue;
            }
            long key = ((long) tx << 32) | (nh & 0xFFFF_FFFFL);
            int slot = base + (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 56);
            boolean ask = sentFor[slot] != key || now - sentAt[slot] >= RETRY_NS;
            if (held.hold(worker, b, now)) {
                v.take(i);
                if (ask && !v.isFull()) {
                    int r = pool.allocate();
                    if (r >= 0) {
                        request(pool, m, r, tx, nh, src, ctx);
                        v.add(r);
                        v.next(v.count() - 1, OUTPUT);
                        sentFor[slot] = key;
                        sentAt[slot] = now;
                    }
                }
                continue;
            }
            if (!ask) {
                v.drop(i, PENDING);
                continue;
            }
            sentFor[slot] = key;
            sentAt[slot] = now;
            request(pool, m, b, tx, nh, src, ctx); // no room to hold it: the packet becomes the request
            v.next(i, OUTPUT);
        }
    }

    /** Writes an ARP request for {@code nh} out of {@code tx} into buffer {@code b}. */
    private static void request(PacketPool pool, MemorySegment m, int b, int tx, int nh, int src, NodeContext ctx) {
        long frame = pool.data(b);
        long mac = ctx.interfaces().mac(tx);
        Ethernet.destination(m, frame, MacAddress.BROADCAST);
        Ethernet.source(m, frame, mac);
        Ethernet.etherType(m, frame, Ethernet.TYPE_ARP);
        Arp.write(m, frame + Ethernet.HEADER_LENGTH, Arp.REQUEST, mac, src, 0, nh);
        for (long pad = frame + Ethernet.HEADER_LENGTH + Arp.LENGTH; pad < frame + 60; pad++) {
            m.set(ValueLayout.JAVA_BYTE, pad, (byte) 0); // Ethernet minimum frame
        }
        pool.length(b, 60);
        pool.l3Offset(b, Ethernet.HEADER_LENGTH);
        pool.txInterface(b, tx);
        pool.traceId(b, 0);
    }

    @Override
    public void tick(PacketVector out, NodeContext ctx) {
        if (vrfs.announcements.any()) {
            vrfs.announcements.sendDue(false, garp, out, OUTPUT, ctx);
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
            int tx = pool.txInterface(b);
            int nh = pool.nextHop(b);
            if (vrfs.neighbours4.lookup(tx, nh) >= 0) {
                held.remove(worker, i);
                out.add(b);
                out.next(out.count() - 1, REWRITE);
            } else if (now - held.since(worker, i) >= GIVE_UP_NS) {
                held.remove(worker, i);
                out.add(b);
                out.drop(out.count() - 1, UNRESOLVED);
            } else if (now - held.asked(worker, i) >= ASK_AGAIN_NS && !out.isFull()) {
                held.asked(worker, i, now);
                long key = ((long) tx << 32) | (nh & 0xFFFF_FFFFL);
                int slot = (worker % MAX_WORKERS) * SLOTS + (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 56);
                int src = vrfs.ip4(pool.vrf(b)).addressOf(tx);
                if (sentFor[slot] == key && now - sentAt[slot] < ASK_AGAIN_NS || src == 0) {
                    continue; // asked for this next hop already (for another held packet)
                }
                int r = pool.allocate();
                if (r >= 0) {
                    request(pool, m, r, tx, nh, src, ctx);
                    out.add(r);
                    out.next(out.count() - 1, OUTPUT);
                    sentFor[slot] = key;
                    sentAt[slot] = now;
                }
            }
        }
    }

    /** Gratuitous ARP: a request from and for the address, to broadcast. */
    private final Announcements.Sender garp = new Announcements.Sender() {
        @Override
        public boolean stillOurs(Announcements a, int slot) {
            int tx = a.ifIndex(slot);
            Ip4Tables tables = vrfs.ip4(vrfs.ofInterface(tx));
            int id = tables.fib.lookup(a.address4(slot));
            Ip4Tables.Adjacencies adj = tables.adjacencies;
            return id > 0 && id < adj.kind().length && adj.kind()[id] == Ip4Tables.LOCAL && adj.ifIndex()[id] == tx;
        }

        @Override
        public void write(Announcements a, int slot, int buffer, NodeContext ctx) {
            request(ctx.pool(), ctx.memory(), buffer, a.ifIndex(slot), a.address4(slot), a.address4(slot), ctx);
        }
    };

    /** Leaving the graph: resolved packets go on to rewrite, the others are dropped and counted. */
    @Override
    public void release(PacketVector out, NodeContext ctx) {
        int worker = ctx.worker();
        PacketPool pool = ctx.pool();
        for (int i = held.count(worker) - 1; i >= 0 && !out.isFull(); i--) {
            int b = held.buffer(worker, i);
            held.remove(worker, i);
            out.add(b);
            if (vrfs.neighbours4.lookup(pool.txInterface(b), pool.nextHop(b)) >= 0) {
                out.next(out.count() - 1, REWRITE);
            } else {
                out.drop(out.count() - 1, LEFT_UNRESOLVED);
            }
        }
    }
}
