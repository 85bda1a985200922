package dev.junction.mpls;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The MPLS label table and imposition entries as they run, registered as a service by feature.mpls.
 * Entries are made by the {@code mpls-label} and {@code mpls-ftn} statements (or the shell's
 * {@code mpls:label-add} and {@code mpls:ftn-add}, which store them). Control path.
 */
@ProviderType
public interface Mpls {

    /** The label table, by incoming label. */
    List<LabelStatus> labels();

    /** The imposition entries, by name. */
    List<FtnStatus> ftns();

    /**
     * One next hop of an entry: the IPv4 gateway, the labels pushed towards it (top first; empty:
     * none, as for implicit null), and where it resolved to ({@code iface} and {@code mac} null
     * while unresolved).
     */
    record NextHop(String via, List<Integer> labels, String iface, String mac) {
    }

    /**
     * A label table entry: its statement's name, the incoming label, the action ({@code swap},
     * {@code pop}, {@code pop-lookup}, {@code pop-continue}), the next hops (ECMP by flow), the VRF a
     * {@code pop-lookup} looks up in, the TTL mode ({@code uniform} or {@code pipe}), and the packets
     * and bytes it switched.
     */
    record LabelStatus(String name, int label, String action, List<NextHop> nextHops, String vrf, String ttl,
            long packets, long bytes) {
    }

    /**
     * An imposition entry: its name, the VRF and prefix steered to it, the next hops with their label
     * stacks, TTL mode, TC ({@code copy} or 0-7), and the packets and bytes it labelled.
     */
    record FtnStatus(String name, String vrf, String prefix, List<NextHop> nextHops, String ttl, String tc,
            long packets, long bytes) {
    }
}
