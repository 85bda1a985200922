package dev.junction.bench;

import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import java.lang.foreign.MemorySegment;

/**
 * Generates 64-byte UDP replies of NAT flows, from their backends to their clients: reply i comes
 * from {@code backend[i]} port {@code port} to {@link ClientFlows}'s client i ({@code 10.128.0.0 +
 * (i >>> 10)} port {@code 1024 + (i & 1023)}), i running over {@code 0..flows-1} in turn. LbBench's
 * {@code replies} case, whose flows are made before the engine starts.
 */
final class BackendReplies extends FrameSource {
    private final int[] backend;
    private final int port;
    private int next;

    /** {@code backend[i]}: flow i's backend address, filled in before the engine starts. */
    BackendReplies(int[] backend, int port) {
        super(template(port), "bench-backend-replies", ClientFlows.ROUTER_MAC);
        this.backend = backend;
        this.port = port;
    }

    private static byte[] template(int port) {
        byte[] frame = new byte[64];
        MemorySegment t = MemorySegment.ofArray(frame);
        Ethernet.destination(t, 0, ClientFlows.ROUTER_MAC);
        Ethernet.source(t, 0, 0x02_00_00_00_10_00L);
        Ethernet.etherType(t, 0, Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(t, 14, 50, 64, Ipv4.PROTO_UDP, 0, ClientFlows.FIRST_CLIENT);
        t.set(ClientFlows.NET_INT, 14 + 20, port << 16 | 1024);
        t.set(ClientFlows.NET_INT, 14 + 24, 30 << 16); // UDP length 30, checksum 0 (none: stays 0 after NAT)
        return frame;
    }

    @Override
    void fill(MemorySegment mem, long f) {
        int i = next;
        mem.set(ClientFlows.NET_INT, f + 14 + 12, backend[i]);
        mem.set(ClientFlows.NET_INT, f + 14 + 16, ClientFlows.FIRST_CLIENT + (i >>> 10));
        mem.set(ClientFlows.NET_INT, f + 14 + 20, port << 16 | (1024 + (i & 1023)));
        Ipv4.updateChecksum(mem, f + 14);
        if (++next == backend.length) {
            next = 0;
        }
    }
}
