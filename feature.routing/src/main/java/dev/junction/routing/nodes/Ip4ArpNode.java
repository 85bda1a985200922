package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.MacAddress;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.internal.Ip4Tables;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A packet whose next hop has no neighbour entry: its buffer becomes the ARP request for that next
 * hop (no allocation), at most one request per next hop every 100 ms per worker; packets meanwhile
 * are dropped and counted. The sender retries, as with any router that does not queue.
 */
public final class Ip4ArpNode implements PacketNode {
    public static final String NAME = "ip4-arp";
    static final int PENDING = 0, NO_ADDRESS = 1;
    private static final int MAX_WORKERS = 64;
    private static final int SLOTS = 256;
    private static final long RETRY_NS = 100_000_000L;
    private final Ip4Tables tables;
    /** Per worker: the last request time of a hashed next hop, and which next hop that was. */
    private final long[] sentAt = new long[MAX_WORKERS * SLOTS];
    private final long[] sentFor = new long[MAX_WORKERS * SLOTS];

    public Ip4ArpNode(Ip4Tables tables) {
        this.tables = tables;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> next() {
        return List.of(Arcs.start(Arcs.OUTPUT));
    }

    @Override
    public List<String> errors() {
        return List.of("awaiting ARP resolution (request sent)", "no address on the output interface");
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        int base = (ctx.worker() % MAX_WORKERS) * SLOTS;
        long now = ctx.now();
        for (int i = 0, n = v.count(); i < n; i++) {
            int b = v.buffer(i);
            int tx = pool.txInterface(b);
            int nh = pool.nextHop(b);
            int src = tables.addressOf(tx);
            if (src == 0) {
                v.drop(i, NO_ADDRESS);
                continue;
            }
            long key = ((long) tx << 32) | (nh & 0xFFFF_FFFFL);
            int slot = base + (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 56);
            if (sentFor[slot] == key && now - sentAt[slot] < RETRY_NS) {
                v.drop(i, PENDING);
                continue;
            }
            sentFor[slot] = key;
            sentAt[slot] = now;
            long frame = pool.data(b);
            long mac = ctx.interfaces().mac(tx);
            Ethernet.destination(m, frame, MacAddress.BROADCAST);
            Ethernet.source(m, frame, mac);
            Ethernet.etherType(m, frame, Ethernet.TYPE_ARP);
            Arp.write(m, frame + Ethernet.HEADER_LENGTH, Arp.REQUEST, mac, src, 0, nh);
            for (long pad = frame + Ethernet.HEADER_LENGTH + Arp.LENGTH; pad < frame + 60; pad++) {
                m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, pad, (byte) 0); // Ethernet minimum frame
            }
            pool.length(b, 60);
            v.next(i, 0);
        }
    }
}
