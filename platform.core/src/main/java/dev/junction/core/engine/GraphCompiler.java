package dev.junction.core.engine;

import dev.junction.core.nodes.InterfaceTxNode;
import dev.junction.dataplane.ArcStatus;
import dev.junction.graph.Arcs;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Turns the registered nodes into an immutable graph: orders each arc's features by their
 * before/after constraints, resolves next-node names to slots and lays the slots out in the order
 * packets flow (so one pass of the dispatch loop usually empties every vector). Control path only.
 */
final class GraphCompiler {

    /**
     * The result: nodes by slot, the slot received packets enter at (by receiving interface when the
     * device-input arc has per-interface features, else null), and the arcs for display.
     */
    record Compiled(CompiledNode[] nodes, int inputSlot, int[] inputSlotByIf, List<ArcStatus> arcs) {
    }

    /** An arc as the compiler needs it: its end node and whether the transmit interface keys it. */
    record ArcSpec(String end, boolean tx) {
    }

    private GraphCompiler() {
    }

    /** Every feature on every interface (no per-interface settings): for tests. */
    static Compiled compile(List<NodeRegistration> registrations, Map<String, String> arcEnds, boolean bypassQuarantined) {
        Map<String, ArcSpec> arcs = new LinkedHashMap<>();
        arcEnds.forEach((arc, end) -> arcs.put(arc, new ArcSpec(end, false)));
        return compile(registrations, arcs, Map.of(), 0, bypassQuarantined);
    }

    /**
     * @param enabled interface indexes each per-interface feature is enabled on, by node name
     * @param interfaces how many interface indexes the per-interface tables cover
     */
    static Compiled compile(List<NodeRegistration> registrations, Map<String, ArcSpec> arcSpecs,
            Map<String, java.util.Set<Integer>> enabled, int interfaces, boolean bypassQuarantined) {
        Map<String, String> arcEnds = new LinkedHashMap<>();
        arcSpecs.forEach((arc, spec) -> arcEnds.put(arc, spec.end()));
        Map<String, NodeRegistration> byName = new LinkedHashMap<>();
        for (NodeRegistration r : registrations) {
            r.problem = null;
            NodeRegistration first = byName.get(r.name);
            if (first != null) {
                r.problem = "duplicate node name (already registered by " + first.owner + ")";
            } else if (r.arc != null && !arcEnds.containsKey(r.arc)) {
                r.problem = "unknown arc '" + r.arc + "' (arcs: " + String.join(", ", arcEnds.keySet()) + ")";
            } else {
                byName.put(r.name, r);
            }
        }
        if (bypassQuarantined) {
            byName.values().removeIf(r -> r.arc != null && r.quarantined);
        }

        // Each arc: its features in constraint order, then the end node.
        Map<String, List<NodeRegistration>> chains = new LinkedHashMap<>();
        for (String arc : arcEnds.keySet()) {
            List<NodeRegistration> features = new ArrayList<>();
            for (NodeRegistration r : byName.values()) {
                if (arc.equals(r.arc)) {
                    features.add(r);
                }
            }
            List<NodeRegistration> chain = order(features);
            for (NodeRegistration r : features) {
                if (!chain.contains(r)) {
                    byName.remove(r.name);
                }
            }
            NodeRegistration end = byName.get(arcEnds.get(arc));
            if (end == null) {
                // A bundle's arc whose end node is not (yet) registered: the arc is not in the graph.
                for (NodeRegistration r : chain) {
                    r.problem = "arc " + arc + " has no end node " + arcEnds.get(arc) + " (yet)";
                    byName.remove(r.name);
                }
                continue;
            }
            chain.add(end);
            chains.put(arc, chain);
        }
        if (!chains.containsKey(Arcs.DEVICE_INPUT)) {
            throw new IllegalStateException("arc " + Arcs.DEVICE_INPUT + " has no end node");
        }

        // Slots in flow order: breadth first from the device-input arc.
        Map<String, Integer> slotOf = new HashMap<>();
        List<NodeRegistration> order = new ArrayList<>();
        ArrayDeque<NodeRegistration> queue = new ArrayDeque<>();
        queue.add(chains.get(Arcs.DEVICE_INPUT).getFirst());
        while (!queue.isEmpty() || order.size() < byName.size()) {
            NodeRegistration r = queue.poll();
            if (r == null) {
                for (NodeRegistration u : byName.values()) {
                    if (!slotOf.containsKey(u.name)) {
                        r = u;
                        break;
                    }
                }
            }
            if (slotOf.containsKey(r.name)) {
                continue;
            }
            slotOf.put(r.name, order.size());
            order.add(r);
            for (String n : successors(r, chains)) {
                NodeRegistration s = resolve(n, byName, chains);
                if (s != null && !slotOf.containsKey(s.name)) {
                    queue.add(s);
                }
            }
        }

        // Per-interface features: for each arc that has any, where a packet of interface k goes from
        // each chain position (the next feature enabled on k, or the end). Index `interfaces` stands
        // for an interface outside the table: no per-interface feature runs for it.
        Map<String, int[][]> stepsByArc = new HashMap<>();
        for (Map.Entry<String, List<NodeRegistration>> e : chains.entrySet()) {
            List<NodeRegistration> chain = e.getValue();
            boolean any = false;
            for (NodeRegistration r : chain) {
                any |= r.perInterface && r.arc != null;
            }
            if (!any) {
                continue;
            }
            // steps[i][k]: slot of the first node at or after chain position i that runs for interface k.
            int[][] steps = new int[chain.size()][interfaces + 1];
            for (int k = 0; k <= interfaces; k++) {
                int next = slotOf.get(chain.getLast().name);
                for (int i = chain.size() - 1; i >= 0; i--) {
                    NodeRegistration r = chain.get(i);
                    boolean runs = i == chain.size() - 1 || !r.perInterface
                            || (k < interfaces && enabled.getOrDefault(r.name, java.util.Set.of()).contains(k));
                    if (runs) {
                        next = slotOf.get(r.name);
                    }
                    steps[i][k] = next;
                }
            }
            stepsByArc.put(e.getKey(), steps);
        }

        CompiledNode[] nodes = new CompiledNode[order.size()];
        for (int slot = 0; slot < nodes.length; slot++) {
            NodeRegistration r = order.get(slot);
            boolean tx = r.name.equals(InterfaceTxNode.NAME);
            int[] nextSlot = new int[r.next.size()];
            int[][] nextByIf = null;
            boolean[] nextTx = null;
            for (int k = 0; k < nextSlot.length; k++) {
                String label = r.next.get(k);
                NodeRegistration s = tx ? null : resolve(label, byName, chains);
                nextSlot[k] = s == null ? -1 : slotOf.get(s.name);
                if (s != null && label.startsWith(Arcs.PREFIX)) {
                    String arc = label.substring(Arcs.PREFIX.length());
                    int[][] steps = stepsByArc.get(arc);
                    if (steps != null) {
                        if (nextByIf == null) {
                            nextByIf = new int[nextSlot.length][];
                            nextTx = new boolean[nextSlot.length];
                        }
                        nextByIf[k] = steps[0];
                        nextTx[k] = arcSpecs.get(arc).tx();
                    }
                }
            }
            int arcNext = -1;
            int[] arcNextByIf = null;
            boolean arcNextTx = false;
            if (r.arc != null) {
                List<NodeRegistration> chain = chains.get(r.arc);
                int at = chain.indexOf(r);
                arcNext = slotOf.get(chain.get(at + 1).name);
                int[][] steps = stepsByArc.get(r.arc);
                if (steps != null) {
                    arcNextByIf = steps[at + 1];
                    arcNextTx = arcSpecs.get(r.arc).tx();
                }
            }
            String[] labels = r.next.toArray(String[]::new);
            nodes[slot] = new CompiledNode(slot, r, nextSlot, arcNext, arcNextByIf, arcNextTx, nextByIf, nextTx, tx, labels);
        }

        List<ArcStatus> arcs = new ArrayList<>();
        for (Map.Entry<String, List<NodeRegistration>> e : chains.entrySet()) {
            List<String> names = new ArrayList<>();
            List<NodeRegistration> chain = e.getValue();
            for (int i = 0; i < chain.size() - 1; i++) {
                names.add(chain.get(i).name);
            }
            arcs.add(new ArcStatus(e.getKey(), List.copyOf(names), chain.getLast().name));
        }
        int input = slotOf.get(chains.get(Arcs.DEVICE_INPUT).getFirst().name);
        int[][] inputSteps = stepsByArc.get(Arcs.DEVICE_INPUT);
        return new Compiled(nodes, input, inputSteps == null ? null : inputSteps[0], List.copyOf(arcs));
    }

    private static List<String> successors(NodeRegistration r, Map<String, List<NodeRegistration>> chains) {
        List<String> out = new ArrayList<>();
        if (r.arc != null) {
            List<NodeRegistration> chain = chains.get(r.arc);
            int i = chain.indexOf(r);
            if (i >= 0 && i + 1 < chain.size()) {
                out.add(chain.get(i + 1).name);
            }
        }
        out.addAll(r.next);
        return out;
    }

    private static NodeRegistration resolve(String name, Map<String, NodeRegistration> byName,
            Map<String, List<NodeRegistration>> chains) {
        if (name.startsWith(Arcs.PREFIX)) {
            List<NodeRegistration> chain = chains.get(name.substring(Arcs.PREFIX.length()));
            return chain == null ? null : chain.getFirst();
        }
        return byName.get(name);
    }

    /**
     * Orders an arc's features so that every before/after constraint between them holds, ties by name
     * (so the order does not depend on registration order). Features caught in a cycle are left out,
     * with the reason set.
     */
    static List<NodeRegistration> order(List<NodeRegistration> features) {
        Map<String, NodeRegistration> by = new TreeMap<>();
        for (NodeRegistration f : features) {
            by.put(f.name, f);
        }
        Map<String, List<String>> succ = new HashMap<>();
        Map<String, Integer> indeg = new HashMap<>();
        for (String n : by.keySet()) {
            succ.put(n, new ArrayList<>());
            indeg.put(n, 0);
        }
        for (NodeRegistration f : by.values()) {
            for (String b : f.before) {
                if (by.containsKey(b) && !b.equals(f.name)) {
                    succ.get(f.name).add(b);
                    indeg.merge(b, 1, Integer::sum);
                }
            }
            for (String a : f.after) {
                if (by.containsKey(a) && !a.equals(f.name)) {
                    succ.get(a).add(f.name);
                    indeg.merge(f.name, 1, Integer::sum);
                }
            }
        }
        PriorityQueue<String> ready = new PriorityQueue<>();
        indeg.forEach((n, d) -> {
            if (d == 0) {
                ready.add(n);
            }
        });
        List<NodeRegistration> out = new ArrayList<>();
        while (!ready.isEmpty()) {
            String n = ready.poll();
            out.add(by.get(n));
            for (String s : succ.get(n)) {
                if (indeg.merge(s, -1, Integer::sum) == 0) {
                    ready.add(s);
                }
            }
        }
        if (out.size() < by.size()) {
            List<String> cycle = new ArrayList<>();
            for (NodeRegistration f : by.values()) {
                if (!out.contains(f)) {
                    cycle.add(f.name);
                }
            }
            for (NodeRegistration f : by.values()) {
                if (!out.contains(f)) {
                    f.problem = "ordering cycle on arc " + f.arc + " among " + cycle;
                }
            }
        }
        return out;
    }
}
