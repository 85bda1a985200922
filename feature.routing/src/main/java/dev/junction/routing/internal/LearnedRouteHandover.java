package dev.junction.routing.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Learned routes survive an update of feature.routing as neighbours do: the old instance writes
 * them as text, the new one reads them back before its nodes join the graph, so that no routed
 * packet meets a FIB without them (FRR does not send its table again just because Junction was
 * updated). A line is {@code KIND PREFIX GATEWAYS} for a route of the default VRF (FRR's, or a
 * table load's), {@code frr PREFIX GATEWAYS TABLE} for FRR's routes of another kernel table (in the
 * VRF that has it, or kept aside); {@code mpls-path ...} and {@code mpls-route ...} for FRR's label
 * switched paths and labelled routes ({@link LabelRoutes#handoverLines}), which other bundles'
 * {@link dev.junction.routing.LabelRouteListener}s are then given as before.
 */
final class LearnedRouteHandover {
    private LearnedRouteHandover() {
    }

    /** The lines for every learned route of {@code vrfs}. */
    static String write(VrfControl vrfs) {
        StringBuilder sb = new StringBuilder();
        for (String[] r : vrfs.defaultControl().learnedRoutes()) {
            sb.append(r[0]).append(' ').append(r[1]).append(' ').append(r[2]).append('\n');
        }
        for (String[] r : vrfs.tableRoutes()) {
            sb.append(FpmServer.KIND).append(' ').append(r[0]).append(' ').append(r[1]).append(' ').append(r[2]).append('\n');
        }
        for (String line : vrfs.labelRoutes.handoverLines()) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /**
     * Applies the lines to {@code vrfs}; a line that no longer applies (a gateway of a family gone
     * wrong, a bad prefix) is skipped and logged. Returns FRR's routes' prefixes by kernel table, for
     * the new FPM listener's sweep of routes FRR no longer has.
     */
    static Map<Long, List<String>> read(List<String> lines, VrfControl vrfs) {
        Map<Long, List<String>> frrPrefixes = new HashMap<>();
        for (String line : lines) {
            if (LabelRoutes.isHandoverLine(line)) {
                try {
                    vrfs.labelRoutes.adopt(line);
                } catch (IllegalArgumentException e) {
                    System.getLogger("dev.junction.routing").log(System.Logger.Level.WARNING,
                            "handed-over label route " + line + ": " + e.getMessage());
                }
                continue;
            }
            String[] w = line.split(" ");
            if (w.length != 3 && !(w.length == 4 && w[0].equals(FpmServer.KIND))) {
                continue;
            }
            try {
                List<String> gateways = List.of(w[2].split(","));
                long table = w.length == 4 ? Long.parseLong(w[3]) : VrfControl.TABLE_MAIN;
                if (w.length == 4) {
                    vrfs.replaceLearnedRoute(table, w[1], gateways);
                } else {
                    vrfs.defaultControl().replaceLearnedRoute(w[0], w[1], gateways);
                }
                if (w[0].equals(FpmServer.KIND)) {
                    frrPrefixes.computeIfAbsent(table, t -> new ArrayList<>()).add(w[1]);
                }
            } catch (IllegalArgumentException e) {
                System.getLogger("dev.junction.routing").log(System.Logger.Level.WARNING,
                        "handed-over route " + line + ": " + e.getMessage());
            }
        }
        return frrPrefixes;
    }
}
