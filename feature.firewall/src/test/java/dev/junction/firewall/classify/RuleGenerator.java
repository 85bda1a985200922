package dev.junction.firewall.classify;

import dev.junction.firewall.Action;
import dev.junction.firewall.Prefix;
import dev.junction.firewall.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded rule sets and packets after ClassBench's shape: prefixes drawn around a few dozen base
 * networks (so they nest and overlap), a mix of exact ports, well-known ranges and arbitrary ranges,
 * some protocol wildcards, TCP flags and fragment rules, and priorities with ties.
 */
final class RuleGenerator {
    final SplittableRandom rnd;
    final long[] bases4 = new long[40];
    final long[][] bases6 = new long[40][];

    RuleGenerator(long seed) {
        rnd = new SplittableRandom(seed);
        for (int i = 0; i < bases4.length; i++) {
            bases4[i] = (rnd.nextLong() & 0xffff_ffffL) << 32;
            bases6[i] = new long[] {0x2001_0db8_0000_0000L | (rnd.nextLong() & 0xffff_ffffL), rnd.nextLong()};
        }
    }

    Prefix prefix(int family) {
        if (rnd.nextInt(6) == 0) {
            return null;
        }
        int b = rnd.nextInt(bases4.length);
        if (family == 4) {
            int len = new int[] {16, 20, 24, 24, 28, 30, 32, 32, 32}[rnd.nextInt(9)] - rnd.nextInt(2);
            long a = bases4[b] ^ ((rnd.nextLong() & 0xffL) << 32); // neighbours of the base
            return new Prefix(4, a & Prefix.maskHigh(len), 0, len);
        }
        int len = new int[] {32, 48, 56, 64, 64, 96, 112, 128, 128}[rnd.nextInt(9)] - rnd.nextInt(2);
        long hi = bases6[b][0], lo = bases6[b][1] ^ (rnd.nextLong() & 0xff);
        return new Prefix(6, hi & Prefix.maskHigh(len), lo & Prefix.maskLow(len), len);
    }

    int[] portRange() {
        return switch (rnd.nextInt(6)) {
            case 0, 1 -> new int[] {0, 65535};
            case 2 -> {
                int p = new int[] {22, 53, 80, 443, 8080, 3306}[rnd.nextInt(6)];
                yield new int[] {p, p};
            }
            case 3 -> new int[] {1024, 65535};
            case 4 -> {
                int p = rnd.nextInt(65536);
                yield new int[] {p, p};
            }
            default -> {
                int a = rnd.nextInt(65536), b = rnd.nextInt(65536);
                yield new int[] {Math.min(a, b), Math.max(a, b)};
            }
        };
    }

    Rule rule() {
        int family = rnd.nextInt(10) == 0 ? 0 : rnd.nextBoolean() ? 4 : 6;
        Prefix s = family == 0 ? null : prefix(family), d = family == 0 ? null : prefix(family);
        while (family != 0 && s == null && d == null) {
            d = prefix(family); // not everything of a family: ClassBench's sets have no such rules either
        }
        int f = family;
        int proto = switch (rnd.nextInt(8)) {
            case 0 -> -1;
            case 1, 2, 3 -> Rule.TCP;
            case 4, 5 -> Rule.UDP;
            case 6 -> family == 0 ? -1 : family == 4 ? Rule.ICMP : Rule.ICMP6;
            default -> rnd.nextInt(3) == 0 ? 47 : Rule.TCP;
        };
        int[] sp = {0, 65535}, dp = {0, 65535};
        int type = -1, code = -1, flags = 0, mask = 0;
        Rule.Fragment frag = Rule.Fragment.ANY;
        if (family == 0) {
            proto = rnd.nextBoolean() ? Rule.TCP : Rule.UDP; // a rule of both families: a service, not everything
            int p = rnd.nextInt(65536);
            dp = new int[] {p, p};
        } else if (proto == Rule.TCP || proto == Rule.UDP) {
            sp = rnd.nextInt(3) == 0 ? portRange() : sp;
            dp = portRange();
        }
        if (proto == Rule.ICMP || proto == Rule.ICMP6) {
            type = rnd.nextInt(3) == 0 ? -1 : rnd.nextInt(4);
            code = type >= 0 && rnd.nextBoolean() ? rnd.nextInt(2) : -1;
        }
        if (proto == Rule.TCP && rnd.nextInt(8) == 0) {
            mask = 0x12;
            flags = rnd.nextBoolean() ? 0x02 : 0x12;
        }
        boolean transport = sp[0] != 0 || sp[1] != 65535 || dp[0] != 0 || dp[1] != 65535 || type >= 0 || code >= 0 || mask != 0;
        if (rnd.nextInt(20) == 0) {
            frag = transport ? Rule.Fragment.NO : rnd.nextBoolean() ? Rule.Fragment.YES : Rule.Fragment.NO;
        }
        Action a = Action.values()[rnd.nextInt(3)];
        return new Rule(rnd.nextInt(1000), a, f, s, d, proto, sp[0], sp[1], dp[0], dp[1], type, code, flags, mask, frag);
    }

    List<Rule> rules(int n) {
        List<Rule> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(rule());
        }
        return out;
    }

    /** A packet: family, src hi/lo, dst hi/lo, proto, sport, dport, flags, later (0/1). */
    long[] packet(List<Rule> rules) {
        Rule r = rules.isEmpty() || rnd.nextInt(4) == 0 ? null : rules.get(rnd.nextInt(rules.size()));
        int family = r == null || r.family() == 0 ? (rnd.nextBoolean() ? 4 : 6) : r.family();
        long[] s = address(family, r == null ? null : r.source());
        long[] d = address(family, r == null ? null : r.destination());
        int proto = r != null && r.protocol() >= 0 ? r.protocol()
                : new int[] {Rule.TCP, Rule.UDP, family == 4 ? Rule.ICMP : Rule.ICMP6, 47}[rnd.nextInt(4)];
        boolean later = rnd.nextInt(15) == 0;
        int sport = 0, dport = 0, flags = 0;
        if (!later) {
            if (proto == Rule.ICMP || proto == Rule.ICMP6) {
                sport = r != null && r.icmpType() >= 0 && rnd.nextInt(4) != 0 ? r.icmpType() : rnd.nextInt(5);
                dport = r != null && r.icmpCode() >= 0 && rnd.nextInt(4) != 0 ? r.icmpCode() : rnd.nextInt(3);
            } else if (proto == Rule.TCP || proto == Rule.UDP) {
                sport = r == null ? rnd.nextInt(65536) : in(r.sourcePortLow(), r.sourcePortHigh());
                dport = r == null ? rnd.nextInt(65536) : in(r.destinationPortLow(), r.destinationPortHigh());
                if (proto == Rule.TCP) {
                    flags = new int[] {0x02, 0x12, 0x10, 0x18, 0x11, 0x04}[rnd.nextInt(6)];
                }
            }
        }
        return new long[] {family, s[0], s[1], d[0], d[1], proto, sport, dport, flags, later ? 1 : 0};
    }

    private int in(int lo, int hi) {
        int v = lo + rnd.nextInt(hi - lo + 1);
        return rnd.nextInt(8) == 0 ? (v + 1) & 0xffff : v; // now and then just outside
    }

    private long[] address(int family, Prefix p) {
        long hi, lo;
        if (family == 4) {
            hi = (rnd.nextLong() & 0xffff_ffffL) << 32;
            lo = 0;
            if (p == null && rnd.nextBoolean()) {
                hi = bases4[rnd.nextInt(bases4.length)] ^ ((rnd.nextLong() & 0xffL) << 32);
            }
        } else {
            hi = rnd.nextLong();
            lo = rnd.nextLong();
            if (p == null && rnd.nextBoolean()) {
                long[] b = bases6[rnd.nextInt(bases6.length)];
                hi = b[0];
                lo = b[1] ^ (rnd.nextLong() & 0xff);
            }
        }
        if (p != null && rnd.nextInt(8) != 0) {
            hi = p.high() | (hi & ~Prefix.maskHigh(p.length()));
            lo = p.low() | (lo & ~Prefix.maskLow(p.length()));
        }
        return new long[] {hi, lo};
    }
}
