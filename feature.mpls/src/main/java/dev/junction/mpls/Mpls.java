package dev.junction.mpls;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The MPLS label table and imposition entries as they run, registered as a service by feature.mpls.
 * Entries are made by the {@code mpls-label} and {@code mpls-ftn} statements (or the shell's
 * {@code mpls:label-add} and {@code mpls:ftn-add}, which store them), kind {@link #CONFIGURED}, or
 * learned from FRR over FPM (its static LSPs and labelled routes), kind {@link #FRR}. Control path.
 */
@ProviderType
public interface Mpls {
    /** The kind of an entry a statement made. */
    String CONFIGURED = "config";
    /** The kind of an entry learned from FRR over FPM (named {@code frr:...}). */
    String FRR = "frr";

    /** The label table, by incoming label. */
    List<LabelStatus> labels();

    /** The imposition entries, by name. */
    List<FtnStatus> ftns();

    /**
     * FRR's label switched paths and labelled routes that could not become entries, by entry name,
     * with why (a label a statement holds, an IPv6 gateway, a reserved label, ...).
     */
    java.util.Map<String, String> refusedFromFrr();

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
     * {@code pop-lookup} looks up in, the TTL mode ({@code uniform} or {@code pipe}), the packets
     * and bytes it switched, and its kind ({@link #CONFIGURED} or {@link #FRR}).
     */
    record LabelStatus(String name, int label, String action, List<NextHop> nextHops, String vrf, String ttl,
            long packets, long bytes, String kind) {
    }

    /**
     * An imposition entry: its name, the VRF and prefix steered to it, the next hops with their label
     * stacks, TTL mode, TC ({@code copy} or 0-7), the packets and bytes it labelled, and its kind
     * ({@link #CONFIGURED} or {@link #FRR}).
     */
    record FtnStatus(String name, String vrf, String prefix, List<NextHop> nextHops, String ttl, String tc,
            long packets, long bytes, String kind) {
    }
}
