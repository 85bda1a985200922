package dev.junction.routing.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.packet.Arp;
import dev.junction.packet.Ethernet;
import dev.junction.packet.MacAddress;
import dev.junction.packet.PacketPool;
import dev.junction.routing.internal.Announcements;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Packets whose IPv4 next hop has no neighbour entry: ARP asks for it with a request to broadcast,
 * and the packet waits in the hold queue of {@link NeighbourResolverNode} (released to ip4-rewrite
 * when the answer came, asked for again each second, dropped after 3 s; with the queue full the
 * packet itself becomes the request).
 *
 * <p>The tick also sends the gratuitous ARP the control path asks for when an address comes up on an
 * interface ({@link Announcements}): a request for the address itself, from it, to broadcast.
 */
public final class Ip4ArpNode extends NeighbourResolverNode {
    public static final String NAME = "ip4-arp";

    public Ip4ArpNode(Vrfs vrfs) {
        super(vrfs, false);
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
    boolean hasSource(PacketPool pool, int b) {
        return vrfs.ip4(pool.vrf(b)).addressOf(pool.txInterface(b)) != 0;
    }

    @Override
    long key(PacketPool pool, MemorySegment m, int b) {
        return ((long) pool.txInterface(b) << 32) | (pool.nextHop(b) & 0xFFFF_FFFFL);
    }

    @Override
    boolean resolved(PacketPool pool, MemorySegment m, int b) {
        return vrfs.neighbours4.lookup(pool.txInterface(b), pool.nextHop(b)) >= 0;
    }

    @Override
    void writeRequest(PacketPool pool, MemorySegment m, int r, int b, NodeContext ctx) {
        int tx = pool.txInterface(b);
        request(pool, m, r, tx, pool.nextHop(b), vrfs.ip4(pool.vrf(b)).addressOf(tx), ctx);
    }

    /** Writes an ARP request for {@code nh} out of {@code tx} from {@code src} into buffer {@code b}. */
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
    Announcements.Sender announcer() {
        return garp;
    }

    /** Gratuitous ARP: a request from and for the address, to broadcast. */
    private final Announcements.Sender garp = new Announcements.Sender() {
        @Override
        public boolean stillOurs(Announcements a, int slot) {
            int tx = a.ifIndex(slot);
            return vrfs.ip4(vrfs.ofInterface(tx)).isLocal(a.address4(slot), tx);
        }

        @Override
        public void write(Announcements a, int slot, int buffer, NodeContext ctx) {
            request(ctx.pool(), ctx.memory(), buffer, a.ifIndex(slot), a.address4(slot), a.address4(slot), ctx);
        }
    };
}
