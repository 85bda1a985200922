package dev.junction.fuzz;

import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_FRAGMENT;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_ICMP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_ICMP_ERROR;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_OPTIONS;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_TCP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_UDP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_EXTENSION;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_ICMP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_UDP;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.firewall.nodes.FirewallNode;
import dev.junction.fuzz.FrameFuzzer.Protocol;
import dev.junction.graph.PacketNode;
import dev.junction.routing.internal.FuzzRouting;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * feature.firewall's three nodes in the routing graph: fw-ip4-input and fw-ip6-input after
 * ip4-input / ip6-input, fw-output on the output arc, with rule sets of every kind of match attached
 * in and out on the interfaces (and the default VRF's input for two that have no input set), over a
 * small connection table (so that it fills, expires and evicts). Frames are routed through {@link FuzzRouting}'s tables, mostly well formed, then mutated.
 */
class FirewallNodesFuzzTest {
    private static final Protocol[] MIX = {IP4_UDP, IP4_TCP, IP4_TCP, IP4_ICMP, IP4_ICMP_ERROR, IP4_OPTIONS, IP4_FRAGMENT,
        IP6_UDP, IP6_ICMP, IP6_EXTENSION};

    @Test
    void firewall() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        Vrfs vrfs = FuzzRouting.create(Graphs.macs(ctx), ctx.now());
        List<PacketNode> nodes = new ArrayList<>(RoutingNodes.create(vrfs));
        FirewallControl fw = new FirewallControl(new ConnTable(1 << 10), (n, i, on) -> { }, ctx::now);
        fw.zoneLimit(1, 64);
        fw.ruleSet("mixed", List.of(
                Rule.parse("priority=1 action=deny proto=tcp dport=23"),
                Rule.parse("priority=2 action=permit+track src=10.0.0.0/8 proto=tcp flags=syn/syn,ack"),
                Rule.parse("priority=3 action=permit+track src=10.0.0.0/9"),
                Rule.parse("priority=4 action=permit family=ip4 proto=icmp icmp-type=3"),
                Rule.parse("priority=5 action=permit family=ip4 fragment=yes"),
                Rule.parse("priority=6 action=permit+track src=2001:db8::/32 proto=udp sport=1024-65535"),
                Rule.parse("priority=7 action=permit family=ip6 proto=icmp6"),
                Rule.parse("priority=8 action=deny dst=2001:db8:1::/48"),
                Rule.parse("priority=9 action=permit proto=udp dport=53"),
                Rule.parse("priority=9 action=permit+track family=ip4 proto=udp")));
        fw.ruleSet("strict", List.of(Rule.parse("priority=1 action=permit family=ip4 proto=tcp flags=ack/ack")));
        String[] ifs = {"j0", "j1", "j2", "j3", "j4"};
        for (int i = 0; i < ifs.length; i++) {
            if (i < 3) { // j3 and j4 receive under the default VRF's set (their other VRFs' packets: none)
                fw.attach(ifs[i], Direction.INPUT, i % 2 == 0 ? "mixed" : "strict");
            }
            fw.attach(ifs[i], Direction.OUTPUT, i % 2 == 0 ? "strict" : "mixed");
        }
        fw.attachVrf("default", Direction.INPUT, "strict");
        nodes.add(FirewallNode.ip4Input(fw));
        nodes.add(FirewallNode.ip6Input(fw));
        nodes.add(FirewallNode.output(fw));
        FuzzGraph g = Graphs.core(ctx, new int[0], nodes);
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), MIX, 10, 70).planned6(80);
        NodeFuzz.run("firewall", g, fuzzer, Graphs.receiveOn(0, 0, 1, 1, 2, 2, 4, 4, 3), NodeFuzz.frames(),
                List.of(FirewallNode.IP4_INPUT, FirewallNode.IP6_INPUT, FirewallNode.OUTPUT));
    }
}
