package dev.junction.routing.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The nodes of other bundles that prefixes are steered to, shared by ip4-lookup and ip6-lookup: each
 * gets a next-node index after the lookups' own three, once, and keeps it (a lookup's next nodes may
 * only grow, so an index already in a FIB entry keeps its meaning). A target whose node is gone
 * stays listed; its packets are dropped by the graph as "next node unavailable".
 */
public final class SteerTargets {
    /** The lookups' own next nodes: rewrite, local, unreachable. */
    public static final int BASE = 3;
    private volatile List<String> names = List.of();

    /** The targets, in index order from {@link #BASE}. */
    public List<String> names() {
        return names;
    }

    /** The lookup's next nodes: its own three, then every target. */
    public List<String> next(List<String> own) {
        List<String> out = new ArrayList<>(own);
        out.addAll(names);
        return List.copyOf(out);
    }

    /** The next-node index of {@code node}; {@code added[0]} says whether it is new (the lookups must refresh). */
    synchronized int indexOf(String node, boolean[] added) {
        int i = names.indexOf(node);
        if (i >= 0) {
            return BASE + i;
        }
        List<String> n = new ArrayList<>(names);
        n.add(node);
        names = List.copyOf(n);
        added[0] = true;
        return BASE + n.size() - 1;
    }
}
