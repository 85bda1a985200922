package dev.junction.bench;

import dev.junction.firewall.Action;
import dev.junction.firewall.Prefix;
import dev.junction.firewall.Rule;
import dev.junction.firewall.classify.DfaClassifier;
import dev.junction.firewall.classify.RuleSetClassifier;
import dev.junction.firewall.classify.TupleClassifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * feature.firewall's classifier against DPDK's rte_acl on the very same IPv4 5-tuple rules and
 * traces (issue 13): writes a seeded ClassBench-shaped rule set and trace in the files
 * {@code dpdk-test-acl} reads (rules {@code @SRC/LEN DST/LEN SPLO : SPHI DPLO : DPHI PROTO/MASK}, the
 * first line the highest priority; traces {@code SRC DST SPORT DPORT PROTO} as numbers), builds the
 * same rules (equal priorities, so the earlier rule wins, as in rte_acl) into feature.firewall's
 * {@link DfaClassifier} as {@link RuleSetClassifier} does, and measures its build time (best of three
 * up to 10k rules) and table size, ns per classification with {@code classify4} over the whole trace
 * (blocks of 64 walked side by side; best of 15 passes; the {@code cycles=} figure), one packet at a
 * time, and the tuple classifier that answered before it, and bytes allocated per classification. It
 * checks that the three answer alike and writes the DFA's answer for each trace (0-based rule index,
 * 4294967295 for none), for the script to compare with rte_acl's own answers.
 *
 * <p>Only what rte_acl's 5-tuple can say: prefixes, port ranges, a protocol or any. A rule with a
 * port range names TCP or UDP (Junction's rules give ports to those only); a rule of any protocol
 * has all ports.
 *
 * <p>Usage: {@code AclBench RULES SEED DIR} (writes DIR/rules, DIR/trace, DIR/expected).
 */
public final class AclBench {
    private static final int TRACES = 1 << 16;

    private AclBench() {
    }

    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        Path dir = Path.of(args[2]);
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] bases = new int[48];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = rnd.nextInt();
        }
        List<Rule> rules = new ArrayList<>(n);
        // Rule i as rte_acl's fields: src, srcLen, dst, dstLen, spLo, spHi, dpLo, dpHi, proto (-1: any).
        int[][] f = new int[n][];
        for (int i = 0; i < n; i++) {
            int[] r = rule(rnd, bases);
            f[i] = r;
            rules.add(new Rule(0, Action.values()[rnd.nextInt(3)], 4, prefix(r[0], r[1]), prefix(r[2], r[3]), r[8],
                    r[4], r[5], r[6], r[7], -1, -1, 0, 0, Rule.Fragment.ANY));
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("rules")))) {
            for (int[] r : f) {
                w.printf(Locale.ROOT, "@%s/%d %s/%d %d : %d %d : %d 0x%02x/0x%s%n", dotted(r[0]), r[1], dotted(r[2]), r[3],
                        r[4], r[5], r[6], r[7], Math.max(r[8], 0), r[8] < 0 ? "00" : "ff");
            }
        }
        // Traces: three in four drawn inside a rule (then its ports now and then just outside), the rest anywhere.
        long[][] t = new long[TRACES][];
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("trace")))) {
            for (int i = 0; i < TRACES; i++) {
                int[] r = rnd.nextInt(4) == 0 ? null : f[rnd.nextInt(n)];
                int src = r == null ? anywhere(rnd, bases) : inside(rnd, r[0], r[1]);
                int dst = r == null ? anywhere(rnd, bases) : inside(rnd, r[2], r[3]);
                int proto = r != null && r[8] >= 0 ? r[8] : new int[] {Rule.TCP, Rule.UDP, Rule.ICMP, 47}[rnd.nextInt(4)];
                int sp = 0, dp = 0;
                if (proto == Rule.TCP || proto == Rule.UDP) {
                    sp = r == null ? rnd.nextInt(65536) : near(rnd, r[4], r[5]);
                    dp = r == null ? rnd.nextInt(65536) : near(rnd, r[6], r[7]);
                }
                t[i] = new long[] {(src & 0xffff_ffffL) << 32, (dst & 0xffff_ffffL) << 32, proto, sp, dp};
                w.printf(Locale.ROOT, "0x%08x 0x%08x %d %d %d%n", src, dst, sp, dp, proto);
            }
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        RuleSetClassifier c = new RuleSetClassifier("acl-bench", rules);
        long t0 = System.nanoTime();
        TupleClassifier tuples = c.tuples(4); // the classifier before this one, for the record
        double tupleBuildMs = (System.nanoTime() - t0) / 1e6;
        // The DFA classifier, built from the same ranked rules (equal priorities: rank = position).
        Rule[] ranked = rules.toArray(Rule[]::new);
        int[] ranks = new int[n];
        for (int i = 0; i < n; i++) {
            ranks[i] = i;
        }
        DfaClassifier dfa = null;
        double buildMs = Double.MAX_VALUE;
        long buildBytes = 0;
        for (int round = 0; round < (n <= 10_000 ? 3 : 1); round++) {
            long b0 = threads.getThreadAllocatedBytes(tid);
            long s = System.nanoTime();
            dfa = DfaClassifier.build(4, ranked, ranks);
            buildMs = Math.min(buildMs, (System.nanoTime() - s) / 1e6);
            buildBytes = threads.getThreadAllocatedBytes(tid) - b0;
        }
        long[] ka = new long[TRACES], kb = new long[TRACES];
        for (int i = 0; i < TRACES; i++) {
            long[] k = t[i];
            ka[i] = DfaClassifier.key4a((int) (k[0] >>> 32), (int) k[2], 0, false);
            kb[i] = DfaClassifier.key4b((int) (k[1] >>> 32), (int) k[3], (int) k[4]);
        }
        int[] out = new int[TRACES], scratch = new int[64];
        dfa.classify4(ka, kb, TRACES, out, scratch);
        int differ = 0;
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("expected")))) {
            for (int i = 0; i < TRACES; i++) {
                int rank = out[i];
                if (rank != classify(tuples, t[i]) || rank != classify(dfa, t[i])) {
                    differ++;
                }
                w.println(rank < 0 ? "4294967295" : Integer.toString(rank));
            }
        }
        double best = Double.MAX_VALUE, bestOne = Double.MAX_VALUE, bestTuples = Double.MAX_VALUE;
        long sink = 0;
        long allocated = 0;
        for (int round = 0; round < 15; round++) {
            long a0 = threads.getThreadAllocatedBytes(tid);
            long s = System.nanoTime();
            dfa.classify4(ka, kb, TRACES, out, scratch);
            double ns = (System.nanoTime() - s) / (double) TRACES;
            allocated = threads.getThreadAllocatedBytes(tid) - a0;
            sink += out[round];
            best = Math.min(best, ns);
            s = System.nanoTime();
            for (long[] k : t) {
                sink += classify(dfa, k);
            }
            bestOne = Math.min(bestOne, (System.nanoTime() - s) / (double) TRACES);
            if (round < 5) {
                s = System.nanoTime();
                for (long[] k : t) {
                    sink += classify(tuples, k);
                }
                bestTuples = Math.min(bestTuples, (System.nanoTime() - s) / (double) TRACES);
            }
        }
        double ghz = PipelineBench.cpuGhz();
        System.out.printf(Locale.ROOT, "junction acl rules=%d groups=%d states=%d table_kib=%d build_ms=%.1f build_alloc_mib=%.0f"
                        + " ns=%.1f cycles=%.0f bytes_per_packet=%.3f one_at_a_time_cycles=%.0f tuples=%d tuple_build_ms=%.1f"
                        + " tuple_cycles=%.0f dfa_tuple_differ=%d (checksum %d)%n",
                n, dfa.groups(), dfa.states(), dfa.bytes() / 1024, buildMs, buildBytes / 1048576.0, best, best * ghz,
                allocated / (double) TRACES, bestOne * ghz, tuples.tuples(), tupleBuildMs, bestTuples * ghz, differ, sink & 0xff);
    }

    private static int classify(DfaClassifier c, long[] k) {
        return c.classify(k[0], 0, k[1], 0, (int) k[2], (int) k[3], (int) k[4], 0, false);
    }

    private static int classify(TupleClassifier c, long[] k) {
        return c.classify(k[0], 0, k[1], 0, (int) k[2], (int) k[3], (int) k[4], 0, false);
    }

    /** One rule's fields, ClassBench's shape: prefixes nested around a few dozen networks, mixed ports. */
    private static int[] rule(SplittableRandom rnd, int[] bases) {
        int[] s = prefixOf(rnd, bases);
        int[] d = prefixOf(rnd, bases);
        int proto = switch (rnd.nextInt(8)) {
            case 0 -> -1;
            case 1, 2, 3 -> Rule.TCP;
            case 4, 5 -> Rule.UDP;
            case 6 -> Rule.ICMP;
            default -> 47;
        };
        int[] sp = {0, 65535};
        int[] dp = {0, 65535};
        if (proto == Rule.TCP || proto == Rule.UDP) {
            sp = rnd.nextInt(3) == 0 ? ports(rnd) : sp;
            dp = ports(rnd);
        }
        return new int[] {s[0], s[1], d[0], d[1], sp[0], sp[1], dp[0], dp[1], proto};
    }

    private static int[] prefixOf(SplittableRandom rnd, int[] bases) {
        if (rnd.nextInt(6) == 0) {
            return new int[] {0, 0};
        }
        int len = new int[] {16, 20, 24, 24, 28, 30, 32, 32, 32}[rnd.nextInt(9)] - rnd.nextInt(2);
        int a = bases[rnd.nextInt(bases.length)] ^ rnd.nextInt(256);
        return new int[] {a & mask(len), len};
    }

    private static int[] ports(SplittableRandom rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> {
                int p = new int[] {22, 53, 80, 443, 8080, 3306}[rnd.nextInt(6)];
                yield new int[] {p, p};
            }
            case 1 -> new int[] {1024, 65535};
            case 2 -> {
                int p = rnd.nextInt(65536);
                yield new int[] {p, p};
            }
            case 3 -> new int[] {0, 65535};
            default -> {
                int a = rnd.nextInt(65536);
                int b = rnd.nextInt(65536);
                yield new int[] {Math.min(a, b), Math.max(a, b)};
            }
        };
    }

    private static int mask(int len) {
        return len == 0 ? 0 : -1 << (32 - len);
    }

    private static int inside(SplittableRandom rnd, int addr, int len) {
        return rnd.nextInt(8) == 0 ? rnd.nextInt() : addr | (rnd.nextInt() & ~mask(len));
    }

    private static int anywhere(SplittableRandom rnd, int[] bases) {
        return rnd.nextBoolean() ? rnd.nextInt() : bases[rnd.nextInt(bases.length)] ^ rnd.nextInt(256);
    }

    private static int near(SplittableRandom rnd, int lo, int hi) {
        int v = lo + rnd.nextInt(hi - lo + 1);
        return rnd.nextInt(8) == 0 ? (v + 1) & 0xffff : v;
    }

    private static Prefix prefix(int addr, int len) {
        return len == 0 ? null : new Prefix(4, (addr & 0xffff_ffffL) << 32, 0, len);
    }

    private static String dotted(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }
}
