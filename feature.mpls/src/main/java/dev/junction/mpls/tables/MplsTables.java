package dev.junction.mpls.tables;

/** What the MPLS nodes read: the label table, the imposition entries, and the gateways to ARP for. */
public final class MplsTables {
    public final LabelTable labels = new LabelTable();
    public final FtnTable ftns = new FtnTable();
    private volatile ArpWishes arpWishes = ArpWishes.NONE;
    /** Each interface's first IPv4 address (0: none), by interface index: where ICMP errors come from. */
    private volatile int[] interfaceAddresses = new int[0];

    /** Each interface's VRF id by interface index: where an explicit null's payload is looked up. */
    private volatile int[] interfaceVrfs = new int[0];

    public int[] interfaceVrfs() {
        return interfaceVrfs;
    }

    public void interfaceVrfs(int[] byIfIndex) {
        interfaceVrfs = byIfIndex.clone();
    }

    public int[] interfaceAddresses() {
        return interfaceAddresses;
    }

    /** Publishes a new array (never changed after). */
    public void interfaceAddresses(int[] byIfIndex) {
        interfaceAddresses = byIfIndex.clone();
    }

    public ArpWishes arpWishes() {
        return arpWishes;
    }

    public void arpWishes(ArpWishes w) {
        arpWishes = w;
    }
}
