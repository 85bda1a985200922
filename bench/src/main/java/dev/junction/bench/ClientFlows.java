package dev.junction.bench;

import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Generates 64-byte UDP frames from many clients to one destination and port: packet i has source
 * {@code 10.128.0.0 + (i >>> 10)} and port {@code 1024 + (i & 1023)}, i running over
 * {@code 0..flows-1} in turn, or counting up for ever ({@code flows = 0}: each packet a new 5-tuple,
 * 2^33 of them before a repeat). The stateful benches' traffic (LbBench, FirewallBench).
 */
final class ClientFlows extends FrameSource {
    static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final long ROUTER_MAC = 0x02_00_00_00_00_01L;
    private static final long HOST_MAC = 0x02_00_00_00_00_02L;
    /** Client sources: 10.128.0.0/9 (never looked up: the frames are routed by their destination). */
    static final int FIRST_CLIENT = Ipv4.parse("10.128.0.0");

    private final long flows;
    private final int port;
    private long next;

    ClientFlows(String driver, int destination, int port, long flows) {
        super(template(destination, port), driver, ROUTER_MAC);
        this.flows = flows;
        this.port = port;
    }

    private static byte[] template(int destination, int port) {
        byte[] frame = new byte[64];
        MemorySegment t = MemorySegment.ofArray(frame);
        Ethernet.destination(t, 0, ROUTER_MAC);
        Ethernet.source(t, 0, HOST_MAC);
        Ethernet.etherType(t, 0, Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(t, 14, 50, 64, Ipv4.PROTO_UDP, FIRST_CLIENT, destination);
        t.set(NET_INT, 14 + 20, 1024 << 16 | port);
        t.set(NET_INT, 14 + 24, 30 << 16); // UDP length 30, checksum 0 (none: stays 0 after NAT)
        return frame;
    }

    @Override
    void fill(MemorySegment mem, long f) {
        long i = next;
        mem.set(NET_INT, f + 14 + 12, FIRST_CLIENT + (int) (i >>> 10 & 0x7F_FFFF));
        mem.set(NET_INT, f + 14 + 20, (1024 + (int) (i & 1023)) << 16 | port);
        Ipv4.updateChecksum(mem, f + 14);
        if (++next == flows) {
            next = 0;
        }
    }
}
