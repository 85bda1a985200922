package dev.junction.fuzz;

import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_FRAGMENT;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_ICMP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_OPTIONS;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_TCP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_UDP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_EXTENSION;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_UDP;

import dev.junction.fuzz.FrameFuzzer.Protocol;
import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import dev.junction.lb.LoadBalancer.BackendSpec;
import dev.junction.lb.LoadBalancer.ServiceSpec;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.nodes.LbNode;
import dev.junction.lb.nodes.LbReverseNode;
import dev.junction.packet.PacketPool;
import dev.junction.routing.internal.FuzzRouting;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * feature.lb's five nodes in the routing graph: lb-ip4 and lb-ip6 entered as routing's steering
 * would (layer-3 offset at the IP header, a VRF, an adjacency word that is a VIP's index or any other
 * number), lb-nat4-reverse and lb-nat6-reverse on ip4-unicast / ip6-unicast for frames received on
 * the interfaces. Services on all ports of TCP and UDP, IPv4 and IPv6, with backends the fuzz routing
 * reaches, one drained and one of weight 0, a GRE and a DSR service, over a small flow table with a per-service limit (so that
 * it fills and refuses). lb-probe gets frames as ip4-local / ip6-local hand it TCP for a probe port,
 * with probes armed. Frames are mostly well formed, then mutated.
 */
class LbNodesFuzzTest {
    private static final Protocol[] MIX = {IP4_TCP, IP4_TCP, IP4_UDP, IP4_UDP, IP4_ICMP, IP4_OPTIONS, IP4_FRAGMENT,
        IP6_UDP, IP6_UDP, IP6_EXTENSION};

    @Test
    void lb() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        Vrfs vrfs = FuzzRouting.create(Graphs.macs(ctx), ctx.now());
        List<PacketNode> nodes = new ArrayList<>(RoutingNodes.create(vrfs));
        LbControl lb = new LbControl(new FlowTable(1 << 10), vrf -> 0, new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
            }

            public void unsteer(int index) {
            }
        }, (vrf, address) -> address.startsWith("10.0.0.") ? "j0" : null);
        lb.addService(new ServiceSpec("tcp4", null, "172.20.9.9", "tcp", 0, null, 65537, 0));
        lb.addService(new ServiceSpec("udp4", null, "172.20.9.9", "udp", 0, null, 7, 0));
        lb.addService(new ServiceSpec("web4", null, "192.168.7.7", "tcp", 80, null, 0, 50));
        lb.addService(new ServiceSpec("udp6", null, "2001:db8:200::7", "udp", 0, null, 0, 0));
        lb.addService(new ServiceSpec("empty", null, "198.51.100.7", "udp", 0, null, 0, 0));
        lb.addService(new ServiceSpec("gre4", null, "192.168.7.7", "udp", 0, "gre", 0, 0, "10.0.0.1"));
        lb.addBackend(new BackendSpec("gre4", "10.2.0.5", 0, 1, false));
        lb.addBackend(new BackendSpec("gre4", "172.20.9.9", 0, 1, false)); // a VIP itself: the outer packet is steered again
        lb.addService(new ServiceSpec("dsr4", null, "10.0.0.9", "tcp", 0, "dsr", 0, 0));
        lb.addBackend(new BackendSpec("dsr4", "10.0.0.5", 0, 1, false));
        for (String s : List.of("tcp4", "udp4", "web4")) {
            lb.addBackend(new BackendSpec(s, "10.0.0.2", 0, 1, false));
            lb.addBackend(new BackendSpec(s, "10.1.0.2", 8080, 3, false));
            lb.addBackend(new BackendSpec(s, "10.2.0.5", 0, 0, false));
            lb.addBackend(new BackendSpec(s, "10.0.0.5", 0, 1, true));
        }
        lb.addBackend(new BackendSpec("udp6", "2001:db8:1::2", 0, 1, false));
        lb.addBackend(new BackendSpec("udp6", "2001:db8:0::2", 53, 2, false));
        lb.addBackend(new BackendSpec("empty", "10.0.0.2", 0, 0, false));
        nodes.add(LbNode.ip4(lb));
        nodes.add(LbNode.ip6(lb));
        nodes.add(LbReverseNode.ip4(lb));
        nodes.add(LbReverseNode.ip6(lb));
        // lb-probe with probes armed (as the checker arms them) to backends the frames may come from.
        dev.junction.lb.health.ProbeSlots slots = new dev.junction.lb.health.ProbeSlots();
        for (int s = 0; s < 64; s++) {
            slots.send(s, 4, 0, 0, 0x0a000001L, 0, 0x0a000002L + (s & 3), 61000 + (s & 7), 80, s * 4096 + s,
                    (s & 1) == 0 ? null : new byte[dev.junction.lb.health.ProbeSlots.REQUEST_LENGTH]); // odd: HTTP probes
        }
        nodes.add(new dev.junction.lb.health.ProbeNode(slots));
        FuzzGraph g = Graphs.core(ctx, new int[0], nodes);
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), MIX, 10, 70).planned6(80);
        NodeFuzz.Feed received = Graphs.receiveOn(0, 0, 1, 1, 2, 2, 3, 4);
        NodeFuzz.Feed feed = (PacketPool pool, int b, int length, FuzzRandom rng) -> {
            int pick = rng.nextInt(5);
            if (pick < 2) {
                return received.prepare(pool, b, length, rng);
            }
            if (pick == 2) { // as ip4-local / ip6-local hand lb-probe a TCP segment for a probe port
                pool.rxInterface(b, rng.nextInt(4));
                pool.l3Offset(b, Math.min(14, length));
                pool.vrf(b, 0);
                return dev.junction.lb.health.ProbeNode.NAME;
            }
            // As ip4-lookup / ip6-lookup leave a steered packet: at most a VIP index off.
            int type = length >= 14 ? (pool.memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, pool.data(b) + 12) & 0xff) << 8
                    | pool.memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, pool.data(b) + 13) & 0xff : 0;
            pool.rxInterface(b, rng.nextInt(4));
            pool.l3Offset(b, Math.min(14, length));
            pool.vrf(b, 0);
            pool.adjacency(b, rng.nextInt(10) == 0 ? rng.nextInt(1000) - 500 : rng.nextInt(6));
            return type == 0x86dd ? LbNode.IP6 : LbNode.IP4;
        };
        NodeFuzz.run("lb", g, fuzzer, feed, NodeFuzz.frames(),
                List.of(LbNode.IP4, LbNode.IP6, LbReverseNode.IP4, LbReverseNode.IP6, dev.junction.lb.health.ProbeNode.NAME));
        System.out.println("lb flows at the end: " + lb.table().size() + "; " + lb.services());
    }
}
