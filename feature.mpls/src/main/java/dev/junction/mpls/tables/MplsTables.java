package dev.junction.mpls.tables;

/** What the MPLS nodes read: the label table, the imposition entries, and the gateways to ARP for. */
public final class MplsTables {
    public final LabelTable labels = new LabelTable();
    public final FtnTable ftns = new FtnTable();
    private volatile ArpWishes arpWishes = ArpWishes.NONE;

    public ArpWishes arpWishes() {
        return arpWishes;
    }

    public void arpWishes(ArpWishes w) {
        arpWishes = w;
    }
}
