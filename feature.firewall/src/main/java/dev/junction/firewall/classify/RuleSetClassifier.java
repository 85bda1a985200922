package dev.junction.firewall.classify;

import dev.junction.firewall.Action;
import dev.junction.firewall.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A rule set compiled for the workers: its rules ranked (priority, then position), one
 * {@link DfaClassifier} per address family (which answers through a {@link TupleClassifier} when its
 * automata would not fit their budget), and each rank's rule position and action. Immutable.
 */
public final class RuleSetClassifier {
    public static final byte PERMIT = 0, DENY = 1, TRACK = 2;

    public final String name;
    public final List<Rule> rules;
    public final DfaClassifier ip4, ip6;
    /** By rank: the rule's position in {@link #rules}, and its action. */
    public final int[] position;
    public final byte[] action;
    /** Build time in nanoseconds (for {@code fw:rules} and the benchmarks). */
    public final long buildNanos;

    public RuleSetClassifier(String name, List<Rule> rules) {
        long t0 = System.nanoTime();
        this.name = name;
        this.rules = List.copyOf(rules);
        int n = rules.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> rules.get(i).priority()).thenComparingInt(i -> i));
        position = new int[n];
        action = new byte[n];
        List<Rule> r4 = new ArrayList<>(), r6 = new ArrayList<>();
        List<Integer> k4 = new ArrayList<>(), k6 = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            Rule r = rules.get(order[rank]);
            position[rank] = order[rank];
            action[rank] = switch (r.action()) {
                case PERMIT -> PERMIT;
                case DENY -> DENY;
                case PERMIT_TRACK -> TRACK;
            };
            if (r.family() != 6) {
                r4.add(r);
                k4.add(rank);
            }
            if (r.family() != 4) {
                r6.add(r);
                k6.add(rank);
            }
        }
        rules4 = r4.toArray(Rule[]::new);
        ranks4 = k4.stream().mapToInt(Integer::intValue).toArray();
        rules6 = r6.toArray(Rule[]::new);
        ranks6 = k6.stream().mapToInt(Integer::intValue).toArray();
        ip4 = DfaClassifier.build(4, rules4, ranks4);
        ip6 = DfaClassifier.build(6, rules6, ranks6);
        buildNanos = System.nanoTime() - t0;
    }

    /** Each family's rules in rank order and their ranks (what the classifiers were built from). */
    private final Rule[] rules4, rules6;
    private final int[] ranks4, ranks6;

    /** A tuple classifier of the same rules of a family, built now (for comparisons: tests, benchmarks). */
    public TupleClassifier tuples(int family) {
        return family == 4 ? TupleClassifier.build(4, rules4, ranks4) : TupleClassifier.build(6, rules6, ranks6);
    }

    /** The action word of a rank. */
    public static Action actionOf(byte a) {
        return a == PERMIT ? Action.PERMIT : a == DENY ? Action.DENY : Action.PERMIT_TRACK;
    }
}
