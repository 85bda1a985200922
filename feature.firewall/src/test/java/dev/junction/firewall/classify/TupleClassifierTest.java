package dev.junction.firewall.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Action;
import dev.junction.firewall.Prefix;
import dev.junction.firewall.Rule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TupleClassifierTest {

    private static void compare(long seed, int rules, int packets) {
        RuleGenerator g = new RuleGenerator(seed);
        List<Rule> set = g.rules(rules);
        RuleSetClassifier c = new RuleSetClassifier("t", set);
        LinearClassifier ref = new LinearClassifier(set);
        TupleClassifier t4 = c.tuples(4), t6 = c.tuples(6);
        int matched = 0;
        for (int i = 0; i < packets; i++) {
            long[] p = g.packet(set);
            int family = (int) p[0];
            boolean later = p[9] != 0;
            int want = ref.classify(family, p[1], p[2], p[3], p[4], (int) p[5], (int) p[6], (int) p[7], (int) p[8], later);
            TupleClassifier t = family == 4 ? t4 : t6;
            int got = t.classify(p[1], p[2], p[3], p[4], (int) p[5], (int) p[6], (int) p[7], (int) p[8], later);
            if (want != got) {
                throw new AssertionError("packet " + i + " " + java.util.Arrays.toString(p) + ": linear rank " + want
                        + (want < 0 ? "" : " " + set.get(ref.position(want)).text()) + ", tuples rank " + got
                        + (got < 0 ? "" : " " + set.get(c.position[got]).text()));
            }
            if (want >= 0) {
                matched++;
            }
        }
        // The test means something only if many packets match and many do not.
        assertTrue(matched > packets / 4 && matched < packets, "matched " + matched + " of " + packets);
    }

    @Test
    void sameAsLinearOnThousandRules() {
        compare(1, 1_000, 100_000);
        compare(2, 1_000, 100_000);
    }

    @Test
    void sameAsLinearOnTenThousandRules() {
        compare(3, 10_000, 100_000);
    }

    @Test
    void mergesTuples() {
        RuleGenerator g = new RuleGenerator(4);
        RuleSetClassifier c = new RuleSetClassifier("t", g.rules(10_000));
        // Without merging every distinct shape would be a tuple; TupleMerge keeps them few.
        TupleClassifier t4 = c.tuples(4), t6 = c.tuples(6);
        assertTrue(t4.tuples() < 150 && t6.tuples() < 200, t4 + " / " + t6);
    }

    private static long v4(String a) {
        return Prefix.parse(a).high();
    }

    private static int classify4(RuleSetClassifier c, String s, String d, int proto, int sport, int dport, int flags,
                                 boolean later) {
        int r = c.tuples(4).classify(v4(s), 0, v4(d), 0, proto, sport, dport, flags, later);
        return r < 0 ? -1 : c.position[r];
    }

    @Test
    void portRangeEdges() {
        RuleSetClassifier c = new RuleSetClassifier("t", List.of(
                Rule.parse("priority=1 action=permit proto=tcp dport=1000-1999"),
                Rule.parse("priority=2 action=deny proto=tcp")));
        assertEquals(1, classify4(c, "1.1.1.1", "2.2.2.2", 6, 5, 999, 0, false));
        assertEquals(0, classify4(c, "1.1.1.1", "2.2.2.2", 6, 5, 1000, 0, false));
        assertEquals(0, classify4(c, "1.1.1.1", "2.2.2.2", 6, 5, 1999, 0, false));
        assertEquals(1, classify4(c, "1.1.1.1", "2.2.2.2", 6, 5, 2000, 0, false));
        assertEquals(-1, classify4(c, "1.1.1.1", "2.2.2.2", 17, 5, 1500, 0, false));
    }

    @Test
    void overlappingPrefixesByPriorityNotLength() {
        RuleSetClassifier c = new RuleSetClassifier("t", List.of(
                Rule.parse("priority=20 action=permit src=10.1.2.0/24"),
                Rule.parse("priority=10 action=deny src=10.0.0.0/8"),
                Rule.parse("priority=5 action=permit src=10.1.2.3")));
        assertEquals(2, classify4(c, "10.1.2.3", "9.9.9.9", 6, 1, 1, 0, false));
        assertEquals(1, classify4(c, "10.1.2.4", "9.9.9.9", 6, 1, 1, 0, false)); // /8 beats the longer /24
        assertEquals(-1, classify4(c, "11.1.2.4", "9.9.9.9", 6, 1, 1, 0, false));
    }

    @Test
    void priorityTiesGoToTheEarlierRule() {
        RuleSetClassifier c = new RuleSetClassifier("t", List.of(
                Rule.parse("priority=7 action=deny dst=192.168.0.0/16"),
                Rule.parse("priority=7 action=permit dst=192.168.1.0/24"),
                Rule.parse("priority=7 action=permit family=ip4")));
        assertEquals(0, classify4(c, "1.1.1.1", "192.168.1.1", 17, 1, 1, 0, false));
        assertEquals(2, classify4(c, "1.1.1.1", "192.169.1.1", 17, 1, 1, 0, false));
        assertEquals(Action.DENY, RuleSetClassifier.actionOf(c.action[0]));
    }

    @Test
    void ipv6AndBothFamilies() {
        RuleSetClassifier c = new RuleSetClassifier("t", List.of(
                Rule.parse("priority=1 action=permit src=2001:db8:1::/48 proto=udp dport=53"),
                Rule.parse("priority=2 action=deny src=2001:db8::/32"),
                Rule.parse("priority=3 action=permit proto=tcp dport=22")));
        Prefix a = Prefix.parse("2001:db8:1:0:0:0:0:7"), b = Prefix.parse("2001:db8:2::7"), x = Prefix.parse("2001:db9::1");
        assertEquals(0, c.position[c.tuples(6).classify(a.high(), a.low(), x.high(), x.low(), 17, 999, 53, 0, false)]);
        assertEquals(1, c.position[c.tuples(6).classify(b.high(), b.low(), x.high(), x.low(), 17, 999, 53, 0, false)]);
        assertEquals(2, c.position[c.tuples(6).classify(x.high(), x.low(), a.high(), a.low(), 6, 999, 22, 0, false)]);
        assertEquals(2, classify4(c, "1.2.3.4", "5.6.7.8", 6, 999, 22, 0, false)); // family-less rule: both
        assertEquals(-1, classify4(c, "1.2.3.4", "5.6.7.8", 17, 999, 53, 0, false));
    }

    @Test
    void laterFragmentsHaveNoPortsAndFlags() {
        RuleSetClassifier c = new RuleSetClassifier("t", List.of(
                Rule.parse("priority=1 action=permit proto=tcp dport=0-100"),
                Rule.parse("priority=2 action=permit proto=tcp flags=/syn"),
                Rule.parse("priority=3 action=deny proto=tcp fragment=yes"),
                Rule.parse("priority=4 action=permit proto=tcp")));
        assertEquals(2, classify4(c, "1.1.1.1", "2.2.2.2", 6, 0, 0, 0, true));
        assertEquals(0, classify4(c, "1.1.1.1", "2.2.2.2", 6, 0, 0, 0, false));
        assertEquals(1, classify4(c, "1.1.1.1", "2.2.2.2", 6, 0, 200, 0x10, false));
        assertEquals(3, classify4(c, "1.1.1.1", "2.2.2.2", 6, 0, 200, 0x02, false));
    }

    @Test
    void icmpTypeAndCode() {
        RuleSetClassifier c = new RuleSetClassifier("t", List.of(
                Rule.parse("priority=1 action=permit family=ip4 proto=icmp icmp-type=8 icmp-code=0"),
                Rule.parse("priority=2 action=deny family=ip4 proto=icmp icmp-type=3"),
                Rule.parse("priority=3 action=permit family=ip4 proto=icmp")));
        assertEquals(0, classify4(c, "1.1.1.1", "2.2.2.2", 1, 8, 0, 0, false));
        assertEquals(2, classify4(c, "1.1.1.1", "2.2.2.2", 1, 8, 1, 0, false));
        assertEquals(1, classify4(c, "1.1.1.1", "2.2.2.2", 1, 3, 4, 0, false));
    }

    @Test
    void emptyAndManyIdenticalKeys() {
        RuleSetClassifier empty = new RuleSetClassifier("e", List.of());
        assertEquals(-1, classify4(empty, "1.1.1.1", "2.2.2.2", 6, 1, 1, 0, false));
        // 100 rules under one key with different ranges: the key's list grows past the collision limit.
        List<Rule> same = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            same.add(Rule.parse("priority=" + (100 - i) + " action=permit src=10.0.0.0/8 proto=tcp dport=" + (1000 + i)));
        }
        RuleSetClassifier c = new RuleSetClassifier("s", same);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, classify4(c, "10.9.9.9", "2.2.2.2", 6, 1, 1000 + i, 0, false));
        }
    }
}
