package dev.junction.graph;

/**
 * The arcs of the core graph: ordered hook points where features add nodes. Each arc runs its
 * features in order, then its end node, which the core provides.
 */
public final class Arcs {
    /** Every received frame, before ethernet-input. End: ethernet-input. */
    public static final String DEVICE_INPUT = "device-input";
    /**
     * Frames of interfaces a bundle owns at layer 2 (an {@link InterfaceMode}). End: l2-drop, unless a
     * bundle ends the arc (feature.l2's cross-connect does).
     */
    public static final String L2_INPUT = "l2-input";
    /** IPv4 packets (ethertype 0x0800). End: ip4-drop (no IPv4 forwarding installed). */
    public static final String IP4_UNICAST = "ip4-unicast";
    /** IPv6 packets (ethertype 0x86dd). End: ip6-drop. */
    public static final String IP6_UNICAST = "ip6-unicast";
    /** MPLS unicast (ethertype 0x8847). End: mpls-drop. */
    public static final String MPLS_INPUT = "mpls-input";
    /** ARP (ethertype 0x0806). End: arp-drop. */
    public static final String ARP_INPUT = "arp-input";
    /** Packets with their output interface chosen. End: interface-tx. */
    public static final String OUTPUT = "output";

    /** Prefix of a next-node name that means "the start of this arc". */
    public static final String PREFIX = "arc:";

    public static final java.util.List<String> ALL =
            java.util.List.of(DEVICE_INPUT, L2_INPUT, IP4_UNICAST, IP6_UNICAST, MPLS_INPUT, ARP_INPUT, OUTPUT);

    private Arcs() {
    }

    /** The next-node name for the start of an arc, e.g. {@code arc:output}. */
    public static String start(String arc) {
        return PREFIX + arc;
    }
}
