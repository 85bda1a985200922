package dev.junction.firewall.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Action;
import dev.junction.firewall.Prefix;
import dev.junction.firewall.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The DFA classifier against the linear reference and the tuple classifier: seeded rule sets of both
 * families (flags, fragments, ICMP, ties), sets made of edges (ranges at 0 and 65535, /0 and /32,
 * any protocol), split into groups by a small budget, and the batch walk.
 */
class DfaClassifierTest {

    /** The rules of a set that apply to a family, in rank order, with their ranks (as RuleSetClassifier ranks them). */
    private record Ranked(Rule[] rules, int[] ranks) {
        static Ranked of(List<Rule> set, int family) {
            Integer[] order = new Integer[set.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> set.get(x).priority() != set.get(y).priority()
                    ? Integer.compare(set.get(x).priority(), set.get(y).priority()) : Integer.compare(x, y));
            List<Rule> r = new ArrayList<>();
            List<Integer> k = new ArrayList<>();
            for (int rank = 0; rank < order.length; rank++) {
                Rule rule = set.get(order[rank]);
                if (rule.family() == 0 || rule.family() == family) {
                    r.add(rule);
                    k.add(rank);
                }
            }
            return new Ranked(r.toArray(Rule[]::new), k.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    private static DfaClassifier dfa(List<Rule> set, int family, long budget) {
        return dfa(set, family, budget, DfaClassifier.WORK_LIMIT);
    }

    private static DfaClassifier dfa(List<Rule> set, int family, long budget, long work) {
        Ranked r = Ranked.of(set, family);
        return DfaClassifier.build(family, r.rules, r.ranks, budget, work);
    }

    private static void compare(List<Rule> set, RuleGenerator g, int packets, long budget, boolean expectGroups) {
        compare(set, g, packets, budget, DfaClassifier.WORK_LIMIT, expectGroups, false);
    }

    private static void compare(List<Rule> set, RuleGenerator g, int packets, long budget, long work, boolean expectGroups,
                                boolean expectTuples) {
        DfaClassifier d4 = dfa(set, 4, budget, work), d6 = dfa(set, 6, budget, work);
        assertEquals(expectTuples, d4.fellBack() || d6.fellBack(), d4 + " / " + d6);
        if (expectGroups) {
            assertTrue(d4.groups() > 1, d4.toString());
        }
        RuleSetClassifier tuples = new RuleSetClassifier("t", set);
        LinearClassifier ref = new LinearClassifier(set);
        int matched = 0;
        for (int i = 0; i < packets; i++) {
            long[] p = g.packet(set);
            int family = (int) p[0];
            boolean later = p[9] != 0;
            int want = ref.classify(family, p[1], p[2], p[3], p[4], (int) p[5], (int) p[6], (int) p[7], (int) p[8], later);
            int got = (family == 4 ? d4 : d6).classify(p[1], p[2], p[3], p[4], (int) p[5], (int) p[6], (int) p[7], (int) p[8], later);
            int tup = (family == 4 ? tuples.ip4 : tuples.ip6).classify(p[1], p[2], p[3], p[4], (int) p[5], (int) p[6],
                    (int) p[7], (int) p[8], later);
            if (want != got || tup != got) {
                throw new AssertionError("packet " + i + " " + Arrays.toString(p) + ": linear rank " + want
                        + (want < 0 ? "" : " " + set.get(ref.position(want)).text()) + ", tuples " + tup + ", dfa rank " + got
                        + (got < 0 ? "" : " " + set.get(ref.position(got)).text()));
            }
            if (want >= 0) {
                matched++;
            }
        }
        assertTrue(matched > packets / 4 && matched < packets, "matched " + matched + " of " + packets);
    }

    @Test
    void sameAsLinearOnGeneratedSets() {
        for (long seed = 1; seed <= 6; seed++) {
            RuleGenerator g = new RuleGenerator(seed);
            compare(g.rules(seed <= 3 ? 300 : 1_000), g, 30_000, DfaClassifier.DEFAULT_BUDGET, false);
        }
    }

    @Test
    void sameAsLinearOnTenThousandRules() {
        RuleGenerator g = new RuleGenerator(7);
        // Random priorities make this set hard (250k states, two automata): past the default work limit.
        compare(g.rules(10_000), g, 30_000, DfaClassifier.DEFAULT_BUDGET, Long.MAX_VALUE, false, false);
    }

    @Test
    void tuplesAnswerPastTheWorkLimit() {
        RuleGenerator g = new RuleGenerator(12);
        compare(g.rules(1_000), g, 30_000, DfaClassifier.DEFAULT_BUDGET, 10_000, false, true);
    }

    @Test
    void sameAsLinearInGroups() {
        RuleGenerator g = new RuleGenerator(8);
        List<Rule> set = g.rules(2_000);
        // A budget the single automaton does not fit: the rules are split.
        long one = dfa(set, 4, DfaClassifier.DEFAULT_BUDGET).bytes() / 4;
        compare(set, g, 30_000, one * 3 / 4, true);
    }

    /** Edges: ranges at 0 and 65535, /0 and /32, any protocol, equal priorities, fragments. */
    @Test
    void sameAsLinearOnEdges() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int r = 0; r < 40; r++) {
            int round = r;
            List<Rule> set = new ArrayList<>();
            int n = 1 + rnd.nextInt(60);
            for (int i = 0; i < n; i++) {
                set.add(edgeRule(rnd));
            }
            RuleGenerator g = new RuleGenerator(round);
            DfaClassifier d4 = dfa(set, 4, DfaClassifier.DEFAULT_BUDGET);
            LinearClassifier ref = new LinearClassifier(set);
            for (int i = 0; i < 4_000; i++) {
                long[] p = edgePacket(rnd, set, g);
                boolean later = p[9] != 0;
                int want = ref.classify(4, p[1], 0, p[3], 0, (int) p[5], (int) p[6], (int) p[7], (int) p[8], later);
                int got = d4.classify(p[1], 0, p[3], 0, (int) p[5], (int) p[6], (int) p[7], (int) p[8], later);
                assertEquals(want, got, () -> "round " + round + " packet " + Arrays.toString(p) + " rules " + set);
            }
        }
    }

    private static final int[] EDGE_PORTS = {0, 1, 254, 255, 256, 257, 1023, 1024, 32767, 32768, 65279, 65280, 65534, 65535};

    private static Rule edgeRule(SplittableRandom rnd) {
        int proto = new int[] {-1, Rule.TCP, Rule.UDP, Rule.ICMP, 0, 255}[rnd.nextInt(6)];
        Prefix s = edgePrefix(rnd), d = edgePrefix(rnd);
        int[] sp = {0, 65535}, dp = {0, 65535};
        int type = -1, code = -1, flags = 0, mask = 0;
        if (proto == Rule.TCP || proto == Rule.UDP) {
            sp = edgeRange(rnd);
            dp = edgeRange(rnd);
        }
        if (proto == Rule.ICMP && rnd.nextBoolean()) {
            type = rnd.nextInt(2) == 0 ? 0 : 255;
            code = rnd.nextBoolean() ? -1 : rnd.nextInt(2) * 255;
        }
        if (proto == Rule.TCP && rnd.nextInt(3) == 0) {
            mask = rnd.nextInt(256);
            flags = rnd.nextInt(256) & mask;
        }
        boolean transport = sp[0] != 0 || sp[1] != 65535 || dp[0] != 0 || dp[1] != 65535 || type >= 0 || code >= 0 || mask != 0;
        Rule.Fragment frag = switch (rnd.nextInt(4)) {
            case 0 -> transport ? Rule.Fragment.NO : Rule.Fragment.YES;
            case 1 -> Rule.Fragment.NO;
            default -> Rule.Fragment.ANY;
        };
        return new Rule(rnd.nextInt(4), Action.PERMIT, 4, s, d, proto, sp[0], sp[1], dp[0], dp[1], type, code, flags, mask, frag);
    }

    private static Prefix edgePrefix(SplittableRandom rnd) {
        int len = new int[] {0, 1, 7, 8, 9, 16, 24, 31, 32}[rnd.nextInt(9)];
        if (len == 0) {
            return rnd.nextBoolean() ? null : new Prefix(4, 0, 0, 0);
        }
        long a = (new long[] {0, 0xffff_ffffL, 0x0a00_0000L, 0x0a00_00ffL, 0x8000_0000L}[rnd.nextInt(5)]) << 32;
        return new Prefix(4, a & Prefix.maskHigh(len), 0, len);
    }

    private static int[] edgeRange(SplittableRandom rnd) {
        int a = EDGE_PORTS[rnd.nextInt(EDGE_PORTS.length)], b = EDGE_PORTS[rnd.nextInt(EDGE_PORTS.length)];
        return rnd.nextInt(4) == 0 ? new int[] {0, 65535} : new int[] {Math.min(a, b), Math.max(a, b)};
    }

    private static long[] edgePacket(SplittableRandom rnd, List<Rule> set, RuleGenerator g) {
        long[] p = g.packet(set);
        if (rnd.nextBoolean()) {
            p[1] = (new long[] {0, 0xffff_ffffL, 0x0a00_0000L, 0x0a00_00ffL, 0x8000_0000L, 0x7fff_ffffL}[rnd.nextInt(6)]) << 32;
        }
        if (rnd.nextBoolean()) {
            p[3] = (new long[] {0, 0xffff_ffffL, 0x0a00_0000L, 0x0a00_00ffL, 0x8000_0000L, 0x7fff_ffffL}[rnd.nextInt(6)]) << 32;
        }
        p[2] = 0;
        p[4] = 0;
        p[5] = new int[] {Rule.TCP, Rule.UDP, Rule.ICMP, 0, 255, 47}[rnd.nextInt(6)];
        boolean later = rnd.nextInt(6) == 0;
        p[9] = later ? 1 : 0;
        if (later) {
            p[6] = p[7] = p[8] = 0;
        } else if (p[5] == Rule.ICMP) {
            p[6] = rnd.nextInt(4) == 0 ? 255 : rnd.nextInt(3);
            p[7] = rnd.nextInt(4) == 0 ? 255 : rnd.nextInt(3);
            p[8] = 0;
        } else if (p[5] == Rule.TCP || p[5] == Rule.UDP) {
            p[6] = EDGE_PORTS[rnd.nextInt(EDGE_PORTS.length)];
            p[7] = EDGE_PORTS[rnd.nextInt(EDGE_PORTS.length)];
            p[8] = p[5] == Rule.TCP ? rnd.nextInt(256) : 0;
        } else {
            p[6] = p[7] = p[8] = 0;
        }
        return p;
    }

    @Test
    void batchAgreesWithOnePacketAtATime() {
        RuleGenerator g = new RuleGenerator(10);
        List<Rule> set = g.rules(3_000);
        for (long budget : new long[] {DfaClassifier.DEFAULT_BUDGET, 200_000}) {
            DfaClassifier d = dfa(set, 4, budget);
            int n = 1_000;
            long[] a = new long[n], b = new long[n];
            int[] want = new int[n], out = new int[n], scratch = new int[64];
            for (int i = 0; i < n; i++) {
                long[] p = g.packet(set);
                if (p[0] != 4) {
                    i--;
                    continue;
                }
                boolean later = p[9] != 0;
                a[i] = DfaClassifier.key4a((int) (p[1] >>> 32), (int) p[5], (int) p[8], later);
                b[i] = DfaClassifier.key4b((int) (p[3] >>> 32), (int) p[6], (int) p[7]);
                want[i] = d.classify(p[1], 0, p[3], 0, (int) p[5], (int) p[6], (int) p[7], (int) p[8], later);
            }
            d.classify4(a, b, n, out, scratch);
            assertTrue(Arrays.equals(want, out), d.toString());
        }
    }

    @Test
    void emptyAndEverything() {
        DfaClassifier none = DfaClassifier.build(4, new Rule[0], new int[0]);
        assertEquals(-1, none.classify(1L << 32, 0, 2L << 32, 0, 6, 1, 2, 0, false));
        DfaClassifier all = DfaClassifier.build(4, new Rule[] {Rule.parse("priority=1 action=permit family=ip4")}, new int[] {5});
        assertEquals(5, all.classify(1L << 32, 0, 2L << 32, 0, 6, 1, 2, 0x12, false));
        assertEquals(5, all.classify(1L << 32, 0, 2L << 32, 0, 47, 0, 0, 0, true));
    }
}
