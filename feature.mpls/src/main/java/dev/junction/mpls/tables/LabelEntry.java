package dev.junction.mpls.tables;

/**
 * What the label table does with one incoming label (the ILM entry, RFC 3031 section 3.11). Immutable
 * but for the next hops' resolution: a change makes a new entry, published in place of the old.
 *
 * @param name    the statement that made it
 * @param label   the incoming label
 * @param action  {@link #SWAP}, {@link #POP}, {@link #POP_LOOKUP} or {@link #POP_CONTINUE}
 * @param paths   the next hops (SWAP, POP), shared by flow hash
 * @param vrf     the VRF id a POP_LOOKUP looks up in
 * @param uniform the TTL mode at disposition (RFC 3443): uniform copies the label's TTL to what is
 *                under it, pipe leaves it
 * @param slot    this entry's counters' index
 */
public record LabelEntry(String name, int label, int action, Nhlfe[] paths, int vrf, String vrfName, boolean uniform,
        int slot) {
    public static final int SWAP = 0, POP = 1, POP_LOOKUP = 2, POP_CONTINUE = 3;
    public static final String[] ACTIONS = {"swap", "pop", "pop-lookup", "pop-continue"};
}
