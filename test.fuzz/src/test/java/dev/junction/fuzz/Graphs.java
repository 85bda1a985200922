package dev.junction.fuzz;

import dev.junction.core.nodes.ArcEndDropNode;
import dev.junction.core.nodes.EthernetInputNode;
import dev.junction.core.nodes.InterfaceTxNode;
import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The graphs the fuzz tests run: the core's nodes wired as the engine wires them (ethernet-input's
 * next nodes are the arcs' starts, by ethertype, or l2-input for interfaces in layer-2 mode), with a
 * feature's nodes added.
 */
final class Graphs {
    /** ethernet-input's next nodes, in the order of its verdicts. */
    static final List<String> ETHERNET_NEXT = List.of(Arcs.start(Arcs.L2_INPUT), Arcs.start(Arcs.IP4_UNICAST),
            Arcs.start(Arcs.IP6_UNICAST), Arcs.start(Arcs.MPLS_INPUT), Arcs.start(Arcs.ARP_INPUT),
            Arcs.start("example-input"));
    static final int BUFFERS = 4096;

    private Graphs() {
    }

    /** Interfaces j0..j3 of {@link FuzzContext#standardInterfaces()} and j4 (MTU 9000, VRF 1 in the routing tables). */
    static FuzzContext.Interface[] interfaces() {
        FuzzContext.Interface[] std = FuzzContext.standardInterfaces();
        FuzzContext.Interface[] all = Arrays.copyOf(std, std.length + 1);
        all[std.length] = new FuzzContext.Interface("j4", 0x02_00_00_00_00_05L, 9000, true);
        return all;
    }

    /** The context's interfaces as the core reports them to an InterfaceListener (all in layer-2 mode). */
    static List<dev.junction.dataplane.InterfaceStatus> interfaceStatuses(FuzzContext ctx) {
        List<dev.junction.dataplane.InterfaceStatus> ifs = new ArrayList<>();
        FuzzContext.Interface[] list = ctx.interfaceList();
        for (int i = 0; i < list.length; i++) {
            ifs.add(new dev.junction.dataplane.InterfaceStatus(i, list[i].name(), "fuzz", "", list[i].mtu(), list[i].up(),
                    list[i].up(), "l2 bridge", 1, dev.junction.device.DeviceCounters.ZERO));
        }
        return ifs;
    }

    static long[] macs(FuzzContext ctx) {
        return Arrays.stream(ctx.interfaceList()).mapToLong(FuzzContext.Interface::mac).toArray();
    }

    /**
     * The core graph: ethernet-input at the end of device-input, dispatching IPv4, IPv6, MPLS, ARP and
     * the example ethertype; the interfaces in {@code l2} go to l2-input whatever their ethertype;
     * interface-tx and the arc-end drop nodes. Then {@code nodes}.
     */
    static FuzzGraph core(FuzzContext ctx, int[] l2, List<PacketNode> nodes) {
        EthernetInputNode ethernet = new EthernetInputNode();
        short[] byType = new short[65536];
        Arrays.fill(byType, (short) -1);
        byType[0x0800] = 1;
        byType[0x86DD] = 2;
        byType[0x8847] = 3;
        byType[0x0806] = 4;
        byType[0x88B5] = 5;
        int[] byIf = new int[ctx.interfaceList().length];
        Arrays.fill(byIf, -1);
        for (int i : l2) {
            byIf[i] = 0;
        }
        ethernet.dispatch(new EthernetInputNode.Dispatch(byType, byIf));
        FuzzGraph g = new FuzzGraph(ctx)
                .arc(Arcs.DEVICE_INPUT, EthernetInputNode.NAME)
                .arc(Arcs.L2_INPUT, "l2-drop")
                .arc(Arcs.IP4_UNICAST, "ip4-drop")
                .arc(Arcs.IP6_UNICAST, "ip6-drop")
                .arc(Arcs.MPLS_INPUT, "mpls-drop")
                .arc(Arcs.ARP_INPUT, "arp-drop")
                .arc(Arcs.OUTPUT, InterfaceTxNode.NAME);
        g.node(ethernet, ETHERNET_NEXT);
        g.node(new InterfaceTxNode());
        for (PacketNode n : coreDrops()) {
            g.node(n);
        }
        for (PacketNode n : nodes) {
            g.node(n);
        }
        return g;
    }

    static List<PacketNode> coreDrops() {
        return List.of(new ArcEndDropNode("l2-drop", "no layer-2 function on this interface"),
                new ArcEndDropNode("ip4-drop", "no IPv4 forwarding feature installed"),
                new ArcEndDropNode("ip6-drop", "no IPv6 forwarding feature installed"),
                new ArcEndDropNode("mpls-drop", "no MPLS feature installed"),
                new ArcEndDropNode("arp-drop", "no ARP handler installed"));
    }

    /** A feed that receives each frame on one of {@code rx} (chosen per frame) into device-input. */
    static NodeFuzz.Feed receiveOn(int... rx) {
        return (PacketPool pool, int b, int length, FuzzRandom rng) -> {
            pool.rxInterface(b, rx[rng.nextInt(rx.length)]);
            return Arcs.start(Arcs.DEVICE_INPUT);
        };
    }

    static List<PacketNode> list(PacketNode... nodes) {
        return new ArrayList<>(List.of(nodes));
    }
}
