package dev.junction.fuzz;

import dev.junction.fuzz.FrameFuzzer.Protocol;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core's own nodes with no feature installed: ethernet-input over every protocol and random
 * bytes, frames of an interface in layer-2 mode and of one that is down, and the arc-end drop nodes
 * that take what no feature handles. (interface-tx runs in the l2 and routing runs, where packets
 * reach the output arc.)
 */
class CoreNodesFuzzTest {

    @Test
    void ethernetInputAndTheArcEnds() {
        FuzzContext ctx = new FuzzContext(Graphs.BUFFERS, Graphs.interfaces());
        FuzzGraph g = Graphs.core(ctx, new int[] {1}, List.of());
        // Each arc end gets about a fifth of the frames: weight the templates so that none lags.
        FrameFuzzer fuzzer = new FrameFuzzer(Plans.all(), new Protocol[] {Protocol.IP4_UDP, Protocol.IP4_ICMP,
            Protocol.IP4_OPTIONS, Protocol.IP6_UDP, Protocol.IP6_NS, Protocol.IP6_EXTENSION, Protocol.ARP, Protocol.ARP,
            Protocol.ARP, Protocol.MPLS, Protocol.MPLS, Protocol.MPLS, Protocol.EXAMPLE, Protocol.RANDOM}, 5, 70);
        long n = NodeFuzz.frames();
        NodeFuzz.run("core", g, fuzzer, Graphs.receiveOn(0, 0, 1, 1, 2, 2, 4, 4, 3), n,
                List.of("ethernet-input", "l2-drop", "ip4-drop", "ip6-drop", "mpls-drop", "arp-drop"));
    }
}
