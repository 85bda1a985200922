package dev.junction.routing;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Routing's IPv4 neighbours (ARP) as its own {@code ip4-rewrite} reads them, for a data-plane
 * bundle that writes an outer Ethernet header itself: a tunnel whose remote end routing resolves to
 * one next hop ({@link Routing#resolve}) builds the whole outer frame and sends it to the output
 * arc, as OVS pushes a tunnel header, instead of through ip4-rewrite. Read it once per vector, not
 * per packet; where it answers -1 (not resolved yet, or expired), send the packet to
 * {@code ip4-rewrite}, which asks ARP. Follow the answer again on the next vector: a neighbour's MAC
 * may change or expire at any time.
 */
@ProviderType
public interface Ip4Neighbours {

    /**
     * The MAC (in the low 48 bits) of IPv4 {@code address} on the interface of graph index
     * {@code ifIndex} (what {@code PacketPool.txInterface} holds), or -1 while routing has none.
     * Fast path: lock free, no allocation.
     */
    long mac(int ifIndex, int address);

    /** Never resolved: every packet goes through ip4-rewrite. */
    Ip4Neighbours NONE = (ifIndex, address) -> -1;
}
