package dev.junction.routing;

import java.util.List;

/**
 * A route with MPLS labels that a routing daemon sent (FRR's zebra over FPM) and that routing's FIB
 * does not carry out itself: either a label switched path, an incoming {@link #label()} with the
 * labels each next hop swaps it for (zebra: {@code mpls lsp}, an AF_MPLS route), or an IP route of
 * {@link #vrf()} whose next hops push labels ({@code ip route P GW label 16/17}, an IP route with an
 * MPLS encapsulation). Routing still installs the IP route itself, without its labels; a bundle that
 * imposes them steers the prefix ({@link SteeredPrefix}). Handed to {@link LabelRouteListener}s.
 *
 * @param label the incoming label (0 to 1048575) of a label switched path; -1 for an IP route
 * @param vrf the VRF of an IP route (the one that stands for its kernel table); null for a path
 * @param prefix the IP route's prefix, {@code a.b.c.d/len} or {@code x:y::/len}; null for a path
 * @param paths the next hops, one or more (ECMP)
 */
public record LabelRoute(int label, String vrf, String prefix, List<Path> paths) {

    /**
     * One next hop: its gateway address (IPv4 or IPv6 text) and the labels it pushes or swaps to,
     * top of the stack first; empty for none (implicit null on a path, an unlabelled path of a route).
     */
    public record Path(String gateway, List<Integer> labels) {
        public Path {
            labels = List.copyOf(labels);
        }
    }

    public LabelRoute {
        paths = List.copyOf(paths);
    }

    /** True for a label switched path (an incoming label), false for an IP route. */
    public boolean isPath() {
        return prefix == null;
    }
}
