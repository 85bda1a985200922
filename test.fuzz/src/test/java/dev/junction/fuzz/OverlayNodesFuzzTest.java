package dev.junction.fuzz;

import static dev.junction.fuzz.FrameFuzzer.Protocol.ARP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP4_UDP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.IP6_UDP;
import static dev.junction.fuzz.FrameFuzzer.Protocol.NVGRE4;
import static dev.junction.fuzz.FrameFuzzer.Protocol.NVGRE6;
import static dev.junction.fuzz.FrameFuzzer.Protocol.VXLAN4;
import static dev.junction.fuzz.FrameFuzzer.Protocol.VXLAN6;

import dev.junction.fuzz.FrameFuzzer.Protocol;
import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.l2.bridge.L2BridgeNode;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.tunnel.TunnelControl;
import dev.junction.routing.Ip4Neighbours;
import dev.junction.routing.LocalService;
import dev.junction.routing.Routing;
import dev.junction.routing.internal.FuzzRouting;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * feature.overlay's nodes in the whole graph: routing over {@link FuzzRouting}'s tables, whose
 * ip4-local and ip6-local hand VXLAN and NVGRE packets for the router to vxlan-input and nvgre-input
 * (their local services; ip4-vxlan-bypass sends most IPv4 VXLAN there before ip4-lookup), and a bridge of feature.l2 whose ports are a host interface h0 and five
 * tunnels (VXLAN and NVGRE, IPv4 and IPv6 underlays, split horizon), so that decapsulated frames are
 * bridged, flooded and encapsulated again through ip4-lookup and ip6-lookup to interface-tx. Frames
 * arrive on the underlay (tunnel packets, mostly well formed and to a tunnel's addresses, then
 * mutated) and on h0 (anything).
 */
class OverlayNodesFuzzTest {

    @Test
    void overlay() {
        FuzzContext.Interface[] std = Graphs.interfaces();
        List<FuzzContext.Interface> list = new ArrayList<>(Arrays.asList(std));
        String[] tunnels = {"vx0", "vx1", "gre0", "vx6", "gre6"};
        list.add(new FuzzContext.Interface("h0", 0x02_00_00_00_00_60L, 1500, true));
        for (int i = 0; i < tunnels.length; i++) {
            list.add(new FuzzContext.Interface(tunnels[i], 0x02_00_00_00_00_61L + i, 1450, true));
        }
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, list.toArray(FuzzContext.Interface[]::new));
        Vrfs vrfs = FuzzRouting.create(Graphs.macs(ctx), ctx.now());
        List<PacketNode> nodes = new ArrayList<>(RoutingNodes.create(vrfs));
        TunnelControl tc = new TunnelControl(o -> {
            if (o instanceof LocalService s) {
                vrfs.localServices.add(s, () -> { });
            }
        }, o -> { }, new TunnelControl.Interfaces() {
            @Override
            public void enableFeature(String node, String iface, boolean enabled) {
            }

            @Override
            public boolean exists(String iface) {
                return false; // the context has the tunnels' interfaces from the start: as if registered
            }
        }, vrf -> 0, new TunnelControl.Underlay() {
            @Override
            public Routing.AdjacencyEntry resolve(String vrf, String address) {
                return switch (address) {
                    // Two tunnels resolved to one next hop (j2's small MTU, j3 down), the others looked up.
                    case "10.0.0.2" -> new Routing.AdjacencyEntry(4, 1, "forward", "j2", "10.0.0.254", List.of());
                    case "10.0.0.5" -> new Routing.AdjacencyEntry(4, 2, "forward", "j3", null, List.of());
                    default -> null;
                };
            }

            @Override
            public Ip4Neighbours neighbours() {
                return vrfs.neighbours4::lookup; // vx0's gateway is known: its frames skip ip4-rewrite up to j2's MTU
            }
        });
        vrfs.neighbours4.learn(2, dev.junction.packet.Ipv4.parse("10.0.0.254"), 0x02_00_00_00_27_FEL, ctx.now());
        tc.tunnel(TunnelSettings.vxlan("vx0", "10.0.0.1", "10.0.0.2", 100));
        tc.tunnel(TunnelSettings.vxlan("vx1", "10.1.0.1", "10.1.0.2", 200));
        tc.tunnel(TunnelSettings.nvgre("gre0", "10.0.0.1", "10.0.0.5", 0x5001));
        tc.tunnel(TunnelSettings.vxlan("vx6", "2001:db8:0::1", "2001:db8:0::2", 100));
        tc.tunnel(TunnelSettings.nvgre("gre6", "2001:db8:1::1", "2001:db8:1::2", 0x5001));
        org.junit.jupiter.api.Assertions.assertEquals("10.0.0.254 out of j2", tc.underlay("vx0"));
        org.junit.jupiter.api.Assertions.assertEquals("ip4-lookup", tc.underlay("vx1"));
        // The fuzz graph runs an arc's features in the order added: ip4-vxlan-bypass before ip4-lookup, as the engine orders it.
        for (PacketNode n : tc.nodes()) {
            if (n.arc() != null && n.arc().equals(Arcs.IP4_UNICAST)) {
                nodes.add(nodes.indexOf(nodes.stream().filter(x -> x.name().equals("ip4-lookup")).findFirst().orElseThrow()), n);
            } else {
                nodes.add(n);
            }
        }
        BridgeControl bc = new BridgeControl(o -> {
            if (o instanceof PacketNode n) {
                nodes.add(n);
            }
        }, o -> { });
        try {
            bc.interfacesChanged(Graphs.interfaceStatuses(ctx));
            bc.domain(BridgeSettings.defaults("blue"));
            bc.port("h0", "blue", 0);
            for (String t : tunnels) {
                bc.port(t, "blue", 1);
            }
            int h0 = std.length;
            int[] l2 = new int[1 + tunnels.length];
            for (int i = 0; i < l2.length; i++) {
                l2[i] = h0 + i;
            }
            FuzzGraph g = Graphs.core(ctx, l2, nodes).arc(Arcs.L2_INPUT, L2BridgeNode.NAME);
            FrameFuzzer fuzzer = new FrameFuzzer(Plans.plan(
                    new String[] {"10.0.0.1", "10.1.0.1", "10.0.0.2", "10.1.0.2", "10.0.0.5"},
                    new String[] {"2001:db8:0::1", "2001:db8:0::2", "2001:db8:1::1", "2001:db8:1::2"}),
                    new Protocol[] {VXLAN4, VXLAN4, VXLAN6, NVGRE4, NVGRE6, IP4_UDP, IP6_UDP, ARP}, 10, 70).planned6(85);
            NodeFuzz.run("overlay", g, fuzzer, Graphs.receiveOn(0, 0, 1, 1, 0, h0), NodeFuzz.frames(),
                    List.of("ip4-vxlan-bypass", "vxlan-input", "nvgre-input", "vxlan-encap", "nvgre-encap"));
        } finally {
            bc.close();
            tc.close();
        }
    }
}
