package dev.junction.graph;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A bundle's claim on an ethertype: register it as an OSGi service and ethernet-input sends frames
 * of that ethertype (on interfaces in layer-3 mode) to the start of {@link #arc()}. The core claims
 * IPv4, IPv6, ARP and MPLS for its drop-ended arcs; a bundle's claim takes an ethertype over from
 * the core, and when two bundles claim one ethertype the earlier claim holds (the later is shown as
 * a conflict by {@code graph:ethertypes}). Unregistering gives the ethertype back.
 */
@ConsumerType
public interface EtherTypeClaim {

    /** The ethertype, 0x0600..0xffff (values below are lengths, not types). */
    int etherType();

    /** The arc the frames go to. */
    String arc();

    static EtherTypeClaim of(int etherType, String arc) {
        record Simple(int etherType, String arc) implements EtherTypeClaim {
        }
        return new Simple(etherType, arc);
    }
}
