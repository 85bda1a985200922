package dev.junction.mpls.tables;

/**
 * What a prefix steered to mpls-impose gets (the FTN entry, RFC 3031 section 3.12): a label stack per
 * next hop, shared by flow hash, and how TTL and TC are set.
 *
 * @param uniform copy the IP TTL (decremented) to the pushed labels; pipe: 255
 * @param tc      the traffic class to set, or {@link #TC_COPY}: the top 3 bits of the DSCP
 */
public record FtnEntry(String name, String vrf, String prefix, Nhlfe[] paths, boolean uniform, int tc, int slot) {
    public static final int TC_COPY = -1;
}
