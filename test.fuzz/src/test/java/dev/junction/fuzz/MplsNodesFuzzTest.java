package dev.junction.fuzz;

import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_UDP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_UDP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.MPLS;
import static dev.junction.fuzz.FrameFuzzer.Protocol.RANDOM;

import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import dev.junction.mpls.control.MplsControl;
import dev.junction.mpls.nodes.MplsImposeNode;
import dev.junction.mpls.nodes.MplsLookupNode;
import dev.junction.mpls.tables.FtnEntry;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.routing.internal.FuzzRouting;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * feature.mpls's nodes in the routing graph: mpls-lookup on the mpls-input arc over a label table
 * with every action (swap to 1-4 labels, PHP, pop, pop-lookup into VRFs 0 and 1, pop-continue, ECMP,
 * an unresolved next hop; expired labels answered by ICMP time exceeded), and mpls-impose fed as routing's steering would (IPv4 and IPv6 packets
 * with an entry's index, or none, in the adjacency word). The feeds rewrite each fuzzed frame into
 * label stacks 0-8 deep of the table's labels, reserved ones and random ones, with bottom-of-stack
 * bits right or wrong, TTLs 0, 1 and more, IP or random payloads, then truncate some; the rest of
 * the frame is the fuzzer's (mutated) bytes. Every packet must leave with a verdict, no buffer lost.
 */
class MplsNodesFuzzTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int[] LABELS = {16, 17, 18, 19, 20, 21, 22, 23, 0, 2, 3, 1, 7, 15, 999};
    private static final int[] TTLS = {0, 1, 2, 64, 255};

    private static MplsTables tables(FuzzContext ctx) {
        MplsTables tables = new MplsTables();
        long[] macs = Graphs.macs(ctx);
        MplsControl control = new MplsControl(tables, new MplsControl.Resolver() {
            public int vrfId(String vrf) {
                return vrf.equals("default") ? 0 : 1;
            }

            public long resolve(int gw, int[] wish) {
                int last = gw & 0xFF;
                if (last == 9) { // unresolved: asked for by ARP from j1
                    wish[0] = 1;
                    wish[1] = gw;
                    wish[2] = Ipv4.parse("10.1.0.1");
                    return -1;
                }
                int ifIndex = last % macs.length;
                return (long) ifIndex << 48 | (0x02_cc_00_00_00_00L + last);
            }

            public String ifName(int ifIndex) {
                return "j" + ifIndex;
            }

            public int[] interfaceAddresses() { // j3 without: no ICMP error from it
                return new int[] {Ipv4.parse("10.0.0.1"), Ipv4.parse("10.1.0.1"), Ipv4.parse("10.2.0.1"), 0,
                    Ipv4.parse("10.4.0.1")};
            }
        }, (vrf, prefix, index) -> () -> { });
        control.putLabel("swap", 16, "swap", "10.0.0.1", "100", null, true);
        control.putLabel("swap4", 17, "swap", "10.0.0.2", "100/101/102/103", null, false);
        control.putLabel("php", 18, "swap", "10.0.0.3", "implicit-null", null, true);
        control.putLabel("pop", 19, "pop", "10.0.0.4", null, null, false);
        control.putLabel("vrf0", 20, "pop-lookup", null, null, null, true);
        control.putLabel("vrf1", 21, "pop-lookup", null, null, "blue", false);
        control.putLabel("cont", 22, "pop-continue", null, null, null, true);
        control.putLabel("ecmp", 23, "swap", "10.0.0.1,10.0.0.2,10.0.0.9", "200,0,2/300", null, true);
        control.putFtn("f0", null, "10.9.0.0/16", "10.0.0.1", "100/200", true, FtnEntry.TC_COPY);
        control.putFtn("f1", null, "2001:db8:9::/48", "10.0.0.2,10.0.0.3", "100,implicit-null", false, 3);
        control.putFtn("f2", null, "10.8.0.0/16", "10.0.0.9", "100/101/102/103", true, 7);
        control.resolveAll();
        return tables;
    }

    private static List<PacketNode> nodes(MplsTables tables, FuzzContext ctx) {
        Vrfs vrfs = FuzzRouting.create(Graphs.macs(ctx), ctx.now());
        List<PacketNode> nodes = new ArrayList<>(RoutingNodes.create(vrfs));
        nodes.add(new MplsLookupNode(tables));
        nodes.add(new MplsImposeNode(tables));
        return nodes;
    }

    /** An IPv4 or IPv6 header (or random bytes) at {@code at}; returns its end. */
    private static long payload(MemorySegment m, long at, FuzzRandom rng) {
        int kind = rng.nextInt(10);
        if (kind < 4) {
            Ipv4.writeHeader(m, at, 20 + 8, rng.pick(TTLS), Ipv4.PROTO_UDP, Ipv4.parse("10.0.0.77"),
                    Ipv4.parse(rng.percent(50) ? "10.1.0.5" : "10.9.3.4"));
            return at + 28;
        }
        if (kind < 8) {
            m.set(U32, at, 0x6000_0000 | rng.nextInt(256) << 20);
            m.set(ValueLayout.JAVA_BYTE, at + 7, (byte) rng.pick(TTLS));
            return at + 48;
        }
        return at + rng.nextInt(40);
    }

    @Test
    void mplsLookup() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        MplsTables tables = tables(ctx);
        FuzzGraph g = Graphs.core(ctx, new int[0], nodes(tables, ctx));
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), new FrameFuzzer.Protocol[] {MPLS, IP4_UDP, IP6_UDP, RANDOM}, 10, 70);
        NodeFuzz.Feed feed = (PacketPool pool, int b, int length, FuzzRandom rng) -> {
            MemorySegment m = pool.memory();
            long f = pool.data(b);
            pool.rxInterface(b, rng.nextInt(5));
            if (rng.percent(5)) {
                return Arcs.start(Arcs.DEVICE_INPUT); // the fuzzer's frame as it is
            }
            m.set(ValueLayout.JAVA_SHORT_UNALIGNED, f + 12, Short.reverseBytes((short) 0x8847));
            int depth = rng.nextInt(10);
            boolean rightBottom = rng.percent(80);
            long at = f + 14;
            for (int k = 0; k < depth; k++) {
                int label = rng.percent(90) ? rng.pick(LABELS) : rng.nextInt(1 << 20);
                boolean bottom = rightBottom ? k == depth - 1 : rng.percent(30);
                m.set(U32, at, label << 12 | rng.nextInt(8) << 9 | (bottom ? 0x100 : 0) | rng.pick(TTLS));
                at += 4;
            }
            long end = payload(m, at, rng);
            int len = (int) (end - f);
            if (rng.percent(15)) {
                len = rng.nextInt(len + 1);
            }
            pool.length(b, Math.max(len, 0));
            return Arcs.start(Arcs.DEVICE_INPUT);
        };
        NodeFuzz.run("mpls-lookup", g, fuzzer, feed, NodeFuzz.frames(), List.of(MplsLookupNode.NAME));
    }

    @Test
    void mplsImpose() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        MplsTables tables = tables(ctx);
        FuzzGraph g = Graphs.core(ctx, new int[0], nodes(tables, ctx));
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), new FrameFuzzer.Protocol[] {IP4_UDP, IP6_UDP, RANDOM}, 10, 70);
        NodeFuzz.Feed feed = (PacketPool pool, int b, int length, FuzzRandom rng) -> {
            MemorySegment m = pool.memory();
            long f = pool.data(b);
            pool.rxInterface(b, rng.nextInt(5));
            pool.adjacency(b, rng.percent(90) ? rng.nextInt(4) : rng.nextInt());
            pool.l3Offset(b, 14);
            if (rng.percent(70)) {
                long end = payload(m, f + 14, rng);
                int len = (int) (end - f);
                pool.length(b, rng.percent(10) ? rng.nextInt(len + 1) : len);
            }
            if (pool.length(b) < 14) {
                pool.l3Offset(b, 0);
            }
            return MplsImposeNode.NAME;
        };
        NodeFuzz.run("mpls-impose", g, fuzzer, feed, NodeFuzz.frames(), List.of(MplsImposeNode.NAME));
    }
}
