package dev.junction.fuzz;

import static dev.junction.fuzz.FrameFuzzer.Protocol.ARP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_FRAGMENT;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_ICMP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_ICMP_ERROR;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_OPTIONS;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_TCP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_UDP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_EXTENSION;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_ICMP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_NA;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_ND_OTHER;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_NS;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_UDP;

import dev.junction.fuzz.FrameFuzzer.Protocol;
import dev.junction.graph.PacketNode;
import dev.junction.routing.internal.FuzzRouting;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every node of feature.routing in the whole routing graph behind ethernet-input, over the tables of
 * {@link FuzzRouting}: for each node a run whose templates and addresses lead frames to it (its
 * traffic: addresses it answers, routes through it, neighbours it must resolve, MTUs it must
 * enforce), until it has processed the wanted number of packets. Every other node those packets
 * reach is checked along the way.
 */
class RoutingNodesFuzzTest {
    private static final Protocol[] IP4 = {IP4_UDP, IP4_TCP, IP4_ICMP, IP4_ICMP_ERROR, IP4_OPTIONS, IP4_FRAGMENT};
    private static final Protocol[] IP6 = {IP6_UDP, IP6_ICMP, IP6_NS, IP6_NA, IP6_ND_OTHER, IP6_EXTENSION};
    private static final String[] IP4_ROUTED = {"10.0.0.2", "10.0.0.5", "10.1.0.2", "10.2.0.5", "192.168.7.7",
        "172.16.1.2", "172.20.9.9", "10.4.0.2"};
    private static final String[] IP6_ROUTED = {"2001:db8:0::2", "2001:db8:1::2", "2001:db8:100::5", "2001:db8:200::7",
        "2001:db8:1::9"};
    private static final String[] ROUTER4 = {"10.0.0.1", "10.1.0.1", "10.2.0.1", "10.4.0.1"};
    private static final String[] ROUTER6 = {"2001:db8:0::1", "2001:db8:1::1", "2001:db8:2::1", "2001:db8:4::1",
        "2001:db8:0::2", "fe80::99"};
    /** Interfaces frames arrive on: mostly VRF 0's, some VRF 1's (j4), a few on j3, which is down. */
    private static final int[] RX = {0, 0, 1, 1, 2, 2, 4, 4, 3};
    private static final int[] VRF0 = {0, 1, 2};

    /** What leads frames to one node: templates, how many are big, addresses, and tweaks. */
    record Spec(String node, Protocol[] mix, int bigPercent, String[] ip4, String[] ip6, int lowHops, int dontFragment,
            int[] rx) {
        Spec(String node, Protocol[] mix, String[] ip4, String[] ip6) {
            this(node, mix, 10, ip4, ip6, 15, 20, RX);
        }

        Spec(String node, Protocol[] mix, int bigPercent, String[] ip4, String[] ip6, int lowHops, int dontFragment) {
            this(node, mix, bigPercent, ip4, ip6, lowHops, dontFragment, VRF0);
        }

        /** The same, received on VRF 0's interfaces only (where the routes lead to the node). */
        Spec vrf0() {
            return new Spec(node, mix, bigPercent, ip4, ip6, lowHops, dontFragment, VRF0);
        }

        @Override
        public String toString() {
            return node;
        }
    }

    static Stream<Spec> nodes() {
        return Stream.of(
                new Spec("ip4-input", IP4, Plans.IP4_ALL, Plans.IP6_ALL),
                new Spec("ip4-lookup", IP4, Plans.IP4_ALL, Plans.IP6_ALL),
                new Spec("ip4-rewrite", IP4, 15, IP4_ROUTED, Plans.IP6_ALL, 15, 20),
                new Spec("ip4-fragment", new Protocol[] {IP4_UDP, IP4_ICMP, IP4_FRAGMENT, IP4_OPTIONS, IP4_TCP}, 90,
                        new String[] {"10.2.0.5", "10.2.0.7", "172.16.1.2", "198.51.100.7"}, Plans.IP6_ALL, 5, 5),
                new Spec("ip4-arp", IP4, new String[] {"10.0.0.9", "10.2.0.2", "198.51.100.7", "10.3.0.7", "10.4.0.8",
                    "172.16.1.2"}, Plans.IP6_ALL).vrf0(),
                new Spec("ip4-local", new Protocol[] {IP4_ICMP, IP4_ICMP, IP4_OPTIONS, IP4_FRAGMENT, IP4_UDP}, ROUTER4,
                        Plans.IP6_ALL).vrf0(),
                new Spec("ip4-unreachable", IP4, new String[] {"8.8.8.8", "10.9.9.9", "203.0.113.5", "10.0.0.2"},
                        Plans.IP6_ALL).vrf0(),
                new Spec("ip4-ttl-expired", IP4, 10, IP4_ROUTED, Plans.IP6_ALL, 80, 20),
                new Spec("ip4-frag-needed", new Protocol[] {IP4_UDP, IP4_ICMP, IP4_TCP, IP4_FRAGMENT}, 90,
                        new String[] {"10.2.0.5", "172.16.1.2", "198.51.100.7"}, Plans.IP6_ALL, 5, 90),
                new Spec("ip6-input", IP6, Plans.IP4_ALL, Plans.IP6_ALL),
                new Spec("ip6-lookup", IP6, Plans.IP4_ALL, Plans.IP6_ALL),
                new Spec("ip6-rewrite", IP6, Plans.IP4_ALL, IP6_ROUTED).vrf0(),
                new Spec("ip6-nd", IP6, Plans.IP4_ALL, new String[] {"2001:db8:2::5", "2001:db8:2::2", "2001:db8:200::7",
                    "2001:db8:3::5", "2001:db8:0::7", "2001:db8:4::9"}).vrf0(),
                new Spec("ip6-local", new Protocol[] {IP6_NS, IP6_NA, IP6_ICMP, IP6_ND_OTHER, IP6_NS}, Plans.IP4_ALL, ROUTER6).vrf0(),
                new Spec("ip6-unreachable", IP6, Plans.IP4_ALL, new String[] {"2001:db8:9::1", "2001:db8:abcd::1",
                    "2001:db8:1::2"}).vrf0(),
                new Spec("ip6-hop-limit-exceeded", IP6, 10, Plans.IP4_ALL, IP6_ROUTED, 80, 20),
                new Spec("ip6-packet-too-big", new Protocol[] {IP6_UDP, IP6_ICMP, IP6_EXTENSION}, 90, Plans.IP4_ALL,
                        new String[] {"2001:db8:2::5", "2001:db8:200::7", "2001:db8:200::8"}, 5, 20),
                new Spec("arp-input", new Protocol[] {ARP}, ROUTER4, Plans.IP6_ALL));
    }

    /** The whole routing graph: core nodes, then every routing node over fresh tables. */
    static FuzzGraph routingGraph(FuzzContext ctx) {
        Vrfs vrfs = FuzzRouting.create(Graphs.macs(ctx), ctx.now());
        List<PacketNode> nodes = new ArrayList<>(RoutingNodes.create(vrfs));
        return Graphs.core(ctx, new int[0], nodes);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nodes")
    void node(Spec spec) {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        FuzzGraph g = routingGraph(ctx);
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.plan(spec.ip4(), spec.ip6()), spec.mix(), spec.bigPercent(), 70)
                .lowHops(spec.lowHops())
                .dontFragment(spec.dontFragment());
        if (spec.ip6() != Plans.IP6_ALL) {
            fuzzer.planned6(85);
        }
        NodeFuzz.run("routing " + spec.node(), g, fuzzer, Graphs.receiveOn(spec.rx()), NodeFuzz.frames(), List.of(spec.node()));
    }
}
