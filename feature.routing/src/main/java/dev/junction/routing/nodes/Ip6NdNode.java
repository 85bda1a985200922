package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Announcements;
import dev.junction.routing.internal.Ip6Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Packets whose IPv6 next hop has no neighbour entry: a neighbour solicitation (in a new buffer, to
 * the next hop's solicited-node group, at most one per next hop every 100 ms per worker) and the
 * packet waits in the bounded hold queue, released to ip6-rewrite when the answer came, dropped
 * after 3 s, as ip4-arp does; with the queue full the packet itself becomes the solicitation.
 */
public final class Ip6NdNode implements PacketNode {
    public static final String NAME = "ip6-nd";
    static final int OUTPUT = 0, REWRITE = 1;
    static final int PENDING = 0, NO_ADDRESS = 1, UNRESOLVED = 2, LEFT_UNRESOLVED = 3;
    private static final long ASK_AGAIN_NS = 1_000_000_000L;
    private final HoldQueue held = new HoldQueue();
    private static final int MAX_WORKERS = 64;
    private static final int SLOTS = 256;
    private static final long RETRY_NS = 100_000_000L;
    /** IPv6 header, the NS and one source link-layer address option. */
    private static final int NS_LENGTH = Icmp6.ND_LENGTH + 8;
    private final Vrfs vrfs;
    private final long[] sentAt = new long[MAX_WORKERS * SLOTS];
    private final long[] sentFor = new long[MAX_WORKERS * SLOTS];

    public Ip6NdNode(Vrfs vrfs) {
        this.vrfs = vrfs;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT), Ip6RewriteNode.NAME);
    }

    @Override
    public List<String> errors() {
        return List.of("awaiting neighbour discovery (hold queue full)", "no IPv6 address on the output interface",
                "neighbour discovery failed (no answer in 3 s)", "unresolved when ip6-nd left the graph (bundle updated or stopped)");
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
        long now = ctx.now();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            Ip6Tables tables = vrfs.ip6(pool.vrf(b));
            Ip6Tables.Addresses addrs = tables.addresses;
            int tx = pool.txInterface(b);
            if (tx < 0 || tx >= addrs.linkLocal().length || addrs.linkLocal()[tx] == 0) {
                v.drop(i, NO_ADDRESS);
                continue;
            }
            long ip = pool.data(b) + pool.l3Offset(b);
            long key = key(tx, targetHigh(tables, m, ip, pool.nextHop(b)), targetLow(tables, m, ip, pool.nextHop(b)));
            int slot = slot(worker, key);
            boolean ask = sentFor[slot] != key || now - sentAt[slot] >= RETRY_NS;
            if (held.hold(worker, b, now)) {
                v.take(i);
                if (ask && !v.isFull()) {
                    int r = pool.allocate();
                    if (r >= 0) {
                        solicit(pool, m, r, b, ctx);
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
            solicit(pool, m, b, b, ctx); // no room to hold it: the packet becomes the solicitation
            v.next(i, OUTPUT);
        }
    }

    /** The hashed interface and next hop the rate limit is kept for. */
    private static long key(int tx, long high, long low) {
        return (high * 0x9E37_79B9_7F4A_7C15L) ^ low ^ ((long) tx << 48);
    }

    /** This worker's rate-limit slot for a key (every worker has its own slots: no sharing). */
    private static int slot(int worker, long key) {
        return (worker % MAX_WORKERS) * SLOTS + (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 56);
    }

    /** The next hop a packet waits for: its adjacency's gateway, or its destination when on-link. */
    private static long targetHigh(Ip6Tables tables, MemorySegment m, long ip, int id) {
        Ip6Tables.Adjacencies adj = tables.adjacencies;
        return id > 0 && id < adj.gatewayHigh().length && (adj.gatewayHigh()[id] | adj.gatewayLow()[id]) != 0
                ? adj.gatewayHigh()[id] : Ipv6.destinationHigh(m, ip);
    }

    private static long targetLow(Ip6Tables tables, MemorySegment m, long ip, int id) {
        Ip6Tables.Adjacencies adj = tables.adjacencies;
        return id > 0 && id < adj.gatewayHigh().length && (adj.gatewayHigh()[id] | adj.gatewayLow()[id]) != 0
                ? adj.gatewayLow()[id] : Ipv6.destinationLow(m, ip);
    }

    /**
     * Writes into buffer {@code r} the neighbour solicitation for the next hop of packet {@code b}
     * (they may be the same buffer: the target is read before anything is written).
     */
    private void solicit(PacketPool pool, MemorySegment m, int r, int b, NodeContext ctx) {
        int tx = pool.txInterface(b);
        long ip = pool.data(b) + pool.l3Offset(b);
        Ip6Tables tables = vrfs.ip6(pool.vrf(b));
        long high = targetHigh(tables, m, ip, pool.nextHop(b));
        long low = targetLow(tables, m, ip, pool.nextHop(b));
        Ip6Tables.Addresses addrs = tables.addresses;
        // From the interface's global address if it has one (the target answers to it, and it
        // is what hosts expect from a router on their subnet), else from its link-local address.
        long srcHigh = addrs.high()[tx], srcLow = addrs.low()[tx];
        if ((srcHigh | srcLow) == 0) {
            srcHigh = Ipv6.LINK_LOCAL_HIGH;
            srcLow = addrs.linkLocal()[tx];
        }
        long frame = pool.data(r);
        long nip = frame + Ethernet.HEADER_LENGTH;
        long group = Ipv6.solicitedNodeLow(low);
        long mac = ctx.interfaces().mac(tx);
        Ethernet.destination(m, frame, Ipv6.multicastMac(group));
        Ethernet.source(m, frame, mac);
        Ethernet.etherType(m, frame, Ethernet.TYPE_IPV6);
        Ipv6.writeHeader(m, nip, NS_LENGTH, Ipv6.NEXT_ICMP6, Icmp6.ND_HOP_LIMIT, srcHigh, srcLow,
                Ipv6.SOLICITED_NODE_HIGH, group);
        long icmp = nip + Ipv6.HEADER_LENGTH;
        m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp, 0);
        m.set(ValueLayout.JAVA_BYTE, icmp, (byte) Icmp6.NEIGHBOUR_SOLICITATION);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp + 4, 0);
        m.set(Icmp6.NET_LONG, icmp + 8, high);
        m.set(Icmp6.NET_LONG, icmp + 16, low);
        m.set(ValueLayout.JAVA_BYTE, icmp + 24, (byte) Icmp6.OPTION_SOURCE_LLA);
        m.set(ValueLayout.JAVA_BYTE, icmp + 25, (byte) 1);
        Icmp6.writeMac(m, icmp + 26, mac);
        Icmp6.writeChecksum(m, nip, NS_LENGTH);
        pool.length(r, Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + NS_LENGTH);
        pool.l3Offset(r, Ethernet.HEADER_LENGTH);
        pool.txInterface(r, tx);
        if (r != b) {
            pool.traceId(r, 0);
        }
    }

    @Override
    public void tick(PacketVector out, NodeContext ctx) {
        if (vrfs.announcements.any()) {
            vrfs.announcements.sendDue(true, unsolicitedNa, out, OUTPUT, ctx);
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
            long ip = pool.data(b) + pool.l3Offset(b);
            Ip6Tables tables = vrfs.ip6(pool.vrf(b));
            long high = targetHigh(tables, m, ip, pool.nextHop(b)), low = targetLow(tables, m, ip, pool.nextHop(b));
            if (vrfs.neighbours6.lookup(tx, high, low) >= 0) {
                held.remove(worker, i);
                out.add(b);
                out.next(out.count() - 1, REWRITE);
            } else if (now - held.since(worker, i) >= Ip4ArpNode.GIVE_UP_NS) {
                held.remove(worker, i);
                out.add(b);
                out.drop(out.count() - 1, UNRESOLVED);
            } else if (now - held.asked(worker, i) >= ASK_AGAIN_NS && !out.isFull()) {
                held.asked(worker, i, now);
                long key = key(tx, high, low);
                int slot = slot(worker, key);
                if (sentFor[slot] == key && now - sentAt[slot] < ASK_AGAIN_NS) {
                    continue; // asked already for another held packet
                }
                int r = pool.allocate();
                if (r >= 0) {
                    solicit(pool, m, r, b, ctx);
                    out.add(r);
                    out.next(out.count() - 1, OUTPUT);
                    sentFor[slot] = key;
                    sentAt[slot] = now;
                }
            }
        }
    }

    /**
     * Unsolicited neighbour advertisements (RFC 4861 7.2.6): to all nodes, from and for the address,
     * router and override flags, the interface's MAC as target link-layer address.
     */
    private final Announcements.Sender unsolicitedNa = new Announcements.Sender() {
        @Override
        public boolean stillOurs(Announcements a, int slot) {
            int tx = a.ifIndex(slot);
            Ip6Tables tables = vrfs.ip6(vrfs.ofInterface(tx));
            int id = tables.fib.lookup(a.high(slot), a.low(slot));
            Ip6Tables.Adjacencies adj = tables.adjacencies;
            return id > 0 && id < adj.kind().length && adj.kind()[id] == Ip6Tables.LOCAL && adj.ifIndex()[id] == tx;
        }

        @Override
        public void write(Announcements a, int slot, int r, NodeContext ctx) {
            PacketPool pool = ctx.pool();
            MemorySegment m = ctx.memory();
            int tx = a.ifIndex(slot);
            long high = a.high(slot), low = a.low(slot);
            long frame = pool.data(r);
            long ip = frame + Ethernet.HEADER_LENGTH;
            long mac = ctx.interfaces().mac(tx);
            Ethernet.destination(m, frame, Ipv6.multicastMac(Ipv6.ALL_NODES_LOW));
            Ethernet.source(m, frame, mac);
            Ethernet.etherType(m, frame, Ethernet.TYPE_IPV6);
            Ipv6.writeHeader(m, ip, NA_LENGTH, Ipv6.NEXT_ICMP6, Icmp6.ND_HOP_LIMIT, high, low, Ipv6.ALL_NODES_HIGH,
                    Ipv6.ALL_NODES_LOW);
            long icmp = ip + Ipv6.HEADER_LENGTH;
            m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp, 0);
            m.set(ValueLayout.JAVA_BYTE, icmp, (byte) Icmp6.NEIGHBOUR_ADVERTISEMENT);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, icmp + 4, 0);
            m.set(ValueLayout.JAVA_BYTE, icmp + 4, (byte) (Icmp6.NA_ROUTER | Icmp6.NA_OVERRIDE));
            m.set(Icmp6.NET_LONG, icmp + 8, high);
            m.set(Icmp6.NET_LONG, icmp + 16, low);
            m.set(ValueLayout.JAVA_BYTE, icmp + 24, (byte) Icmp6.OPTION_TARGET_LLA);
            m.set(ValueLayout.JAVA_BYTE, icmp + 25, (byte) 1);
            Icmp6.writeMac(m, icmp + 26, mac);
            Icmp6.writeChecksum(m, ip, NA_LENGTH);
            pool.length(r, Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + NA_LENGTH);
            pool.l3Offset(r, Ethernet.HEADER_LENGTH);
            pool.txInterface(r, tx);
        }
    };

    /** An advertisement: ICMPv6 header, flags, target, one target link-layer address option. */
    private static final int NA_LENGTH = Icmp6.ND_LENGTH + 8;

    /** Leaving the graph: resolved packets go on to rewrite, the others are dropped and counted. */
    @Override
    public void release(PacketVector out, NodeContext ctx) {
        int worker = ctx.worker();
        PacketPool pool = ctx.pool();
        for (int i = held.count(worker) - 1; i >= 0 && !out.isFull(); i--) {
            int b = held.buffer(worker, i);
            long ip = pool.data(b) + pool.l3Offset(b);
            Ip6Tables tables = vrfs.ip6(pool.vrf(b));
            MemorySegment m = ctx.memory();
            held.remove(worker, i);
            out.add(b);
            if (vrfs.neighbours6.lookup(pool.txInterface(b), targetHigh(tables, m, ip, pool.nextHop(b)), targetLow(tables, m, ip, pool.nextHop(b))) >= 0) {
                out.next(out.count() - 1, REWRITE);
            } else {
                out.drop(out.count() - 1, LEFT_UNRESOLVED);
            }
        }
    }
}
