package dev.junction.firewall.classify;

import dev.junction.firewall.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of one address family as byte-wise DFAs over the packet's key, the scheme of DPDK's
 * rte_acl: a packet takes a fixed number of steps, one table load per key byte, whatever the rules.
 *
 * <p>The key, one step a byte: the protocol with a ninth bit for "later fragment" (a later fragment
 * has no transport header, so rules that look at ports, ICMP type or flags must not match it, and
 * {@code fragment=yes|no} rules are told apart), the source address (4 or 16 bytes), the destination
 * address, the source port and the destination port (two bytes each; ICMP's type and code take their
 * places), and the TCP flags only when some rule looks at them. A rule becomes one or more boxes, a
 * box being one interval of byte values per step: a prefix is a run of exact bytes, one byte's range,
 * then any; a port range is the union of at most three boxes over its two bytes.
 *
 * <p>Built by subset construction, level by level: a state is the set of boxes still alive after the
 * bytes so far, in rank order, deduplicated by content. A set is cut after its first box that accepts
 * anything from here on (nothing behind it can win), which keeps sets small. Each level has its own
 * alphabet: the byte values that every box of the level treats alike make one class, so a state's
 * row has one entry per class, not 256. The last level's entries are ranks. When the states outgrow
 * the memory budget the rules are split into groups (at most {@link #MAX_GROUPS}), each with its own
 * automaton, and the best rank over the groups wins; if even that does not fit, the tuple classifier
 * answers instead.
 *
 * <p>Immutable once built; {@link #classify} and {@link #classify4} allocate nothing and may run on
 * any number of threads.
 */
public final class DfaClassifier {
    /** No rule matched (greater than any rank, so that the best of the groups is a minimum). */
    static final int NONE = Integer.MAX_VALUE;
    static final int MAX_GROUPS = 8;
    /** Table entries (4 bytes each) for all of a family's groups: 128 MiB. */
    static final long DEFAULT_BUDGET = 32L << 20;

    private final int family;
    private final int depths;
    private final boolean withFlags;
    private final int groups;
    /** Each group's root row (an offset in {@link #table}). */
    private final int[] roots;
    /** Byte value to class, per group and level: level 0 has 512 values (the later bit), the others 256. */
    private final char[] classes;
    private final int classStride;
    private final int[] table;
    private final int ruleCount;
    private final TupleClassifier fallback;
    private final int states;

    private DfaClassifier(int family, int depths, boolean withFlags, int[] roots, char[] classes, int[] table,
                          int ruleCount, TupleClassifier fallback, int states) {
        this.family = family;
        this.depths = depths;
        this.withFlags = withFlags;
        this.groups = roots.length;
        this.roots = roots;
        this.classes = classes;
        this.classStride = 256 * (depths + 1);
        this.table = table;
        this.ruleCount = ruleCount;
        this.fallback = fallback;
        this.states = states;
    }

    /** Where level {@code k}'s classes start within a group's. */
    private static int classBase(int k) {
        return k == 0 ? 0 : 256 * (k + 1);
    }

    /**
     * The classifier of the rules given, which must all apply to {@code family} and be in rank order;
     * {@code ranks[i]} is {@code rules[i]}'s rank in its rule set.
     */
    public static DfaClassifier build(int family, Rule[] rules, int[] ranks) {
        return build(family, rules, ranks, DEFAULT_BUDGET);
    }

    static DfaClassifier build(int family, Rule[] rules, int[] ranks, long budget) {
        boolean flags = false;
        for (Rule r : rules) {
            flags |= r.tcpMask() != 0;
        }
        int depths = 1 + (family == 4 ? 8 : 32) + 4 + (flags ? 1 : 0);
        Boxes all = Boxes.of(family, depths, flags, rules, ranks);
        for (int g = 1; g <= MAX_GROUPS; g *= 2) {
            List<int[]> split = Grouping.split(rules, g);
            List<Automaton> built = new ArrayList<>();
            long left = budget;
            for (int[] members : split) {
                Automaton a = Automaton.build(all.subset(members), left);
                if (a == null) {
                    built = null;
                    break;
                }
                left -= a.entries();
                built.add(a);
            }
            if (built != null) {
                return assemble(family, depths, flags, built, rules.length);
            }
        }
        return new DfaClassifier(family, depths, flags, new int[0], new char[0], new int[0], rules.length,
                TupleClassifier.build(family, rules, ranks), 0);
    }

    private static DfaClassifier assemble(int family, int depths, boolean flags, List<Automaton> built, int n) {
        long entries = 0;
        int states = 0;
        for (Automaton a : built) {
            entries += a.entries();
            states += a.states();
        }
        int[] table = new int[Math.toIntExact(entries)];
        int stride = 256 * (depths + 1);
        char[] classes = new char[stride * built.size()];
        int[] roots = new int[built.size()];
        int at = 0;
        for (int g = 0; g < built.size(); g++) {
            Automaton a = built.get(g);
            roots[g] = at;
            a.copyTo(table, at, classes, g * stride);
            at += Math.toIntExact(a.entries());
        }
        return new DfaClassifier(family, depths, flags, roots, classes, table, n, null, states);
    }

    /**
     * The rank of the best rule matching a packet, or -1. Addresses in {@code Prefix}'s two-word
     * form; for ICMP, {@code sport} is the type and {@code dport} the code; a later fragment has no
     * ports, flags or type (pass 0).
     */
    public int classify(long sh, long sl, long dh, long dl, int protocol, int sport, int dport, int flags, boolean later) {
        if (fallback != null) {
            return fallback.classify(sh, sl, dh, dl, protocol, sport, dport, flags, later);
        }
        int first = (later ? 256 : 0) | protocol;
        int best = NONE;
        for (int g = 0; g < groups; g++) {
            int r = family == 4 ? walk4(g, first, (int) (sh >>> 32), (int) (dh >>> 32), sport << 16 | dport, flags)
                    : walk6(g, first, sh, sl, dh, dl, sport << 16 | dport, flags);
            best = Math.min(best, r);
        }
        return best == NONE ? -1 : best;
    }

    private int walk4(int g, int first, int src, int dst, int ports, int flags) {
        int[] t = table;
        char[] m = classes;
        int c = g * classStride;
        int p = roots[g];
        p = t[p + m[c + first]];
        p = t[p + m[c + 512 + (src >>> 24)]];
        p = t[p + m[c + 768 + ((src >>> 16) & 0xff)]];
        p = t[p + m[c + 1024 + ((src >>> 8) & 0xff)]];
        p = t[p + m[c + 1280 + (src & 0xff)]];
        p = t[p + m[c + 1536 + (dst >>> 24)]];
        p = t[p + m[c + 1792 + ((dst >>> 16) & 0xff)]];
        p = t[p + m[c + 2048 + ((dst >>> 8) & 0xff)]];
        p = t[p + m[c + 2304 + (dst & 0xff)]];
        p = t[p + m[c + 2560 + (ports >>> 24)]];
        p = t[p + m[c + 2816 + ((ports >>> 16) & 0xff)]];
        p = t[p + m[c + 3072 + ((ports >>> 8) & 0xff)]];
        p = t[p + m[c + 3328 + (ports & 0xff)]];
        if (withFlags) {
            p = t[p + m[c + 3584 + (flags & 0xff)]];
        }
        return p;
    }

    private int walk6(int g, int first, long sh, long sl, long dh, long dl, int ports, int flags) {
        int[] t = table;
        char[] m = classes;
        int c = g * classStride;
        int p = roots[g];
        p = t[p + m[c + first]];
        int k = 1;
        for (int i = 56; i >= 0; i -= 8, k++) {
            p = t[p + m[c + classBase(k) + (int) ((sh >>> i) & 0xff)]];
        }
        for (int i = 56; i >= 0; i -= 8, k++) {
            p = t[p + m[c + classBase(k) + (int) ((sl >>> i) & 0xff)]];
        }
        for (int i = 56; i >= 0; i -= 8, k++) {
            p = t[p + m[c + classBase(k) + (int) ((dh >>> i) & 0xff)]];
        }
        for (int i = 56; i >= 0; i -= 8, k++) {
            p = t[p + m[c + classBase(k) + (int) ((dl >>> i) & 0xff)]];
        }
        for (int i = 24; i >= 0; i -= 8, k++) {
            p = t[p + m[c + classBase(k) + ((ports >>> i) & 0xff)]];
        }
        if (withFlags) {
            p = t[p + m[c + classBase(k) + (flags & 0xff)]];
        }
        return p;
    }

    /**
     * The IPv4 key of {@link #classify4}'s first word: the source address, the TCP flags and the
     * protocol with the later-fragment bit.
     */
    public static long key4a(int src, int protocol, int flags, boolean later) {
        return (src & 0xffff_ffffL) | (long) (flags & 0xff) << 32 | (long) ((later ? 256 : 0) | protocol) << 40;
    }

    /** The second word: the destination address and the two ports. */
    public static long key4b(int dst, int sport, int dport) {
        return (long) dst << 32 | (long) (sport & 0xffff) << 16 | (dport & 0xffff);
    }

    /**
     * Classifies {@code n} IPv4 packets at once, their keys made by {@link #key4a} and {@link #key4b}:
     * {@code out[i]} becomes the rank of packet i's best rule or -1. The walks go a level at a time over
     * a block of packets, so that the loads of different packets overlap instead of waiting on each
     * other. {@code scratch} holds at least {@code min(n, 64)} ints.
     */
    public void classify4(long[] a, long[] b, int n, int[] out, int[] scratch) {
        if (fallback != null) {
            for (int i = 0; i < n; i++) {
                long x = a[i], y = b[i];
                int first = (int) (x >>> 40) & 0x1ff;
                out[i] = fallback.classify(x << 32, 0, y & 0xffff_ffff_0000_0000L, 0, first & 0xff, (int) (y >>> 16) & 0xffff,
                        (int) y & 0xffff, (int) (x >>> 32) & 0xff, first >= 256);
            }
            return;
        }
        int[] t = table;
        char[] m = classes;
        for (int from = 0; from < n; from += 64) {
            int to = Math.min(n, from + 64);
            int len = to - from;
            for (int g = 0; g < groups; g++) {
                int c = g * classStride;
                int root = roots[g];
                int[] s = scratch;
                for (int j = 0; j < len; j++) {
                    s[j] = t[root + m[c + ((int) (a[from + j] >>> 40) & 0x1ff)]];
                }
                for (int k = 1; k <= 4; k++) {
                    int cb = c + 256 * (k + 1), shift = 32 - 8 * k;
                    for (int j = 0; j < len; j++) {
                        s[j] = t[s[j] + m[cb + ((int) (a[from + j] >>> shift) & 0xff)]];
                    }
                }
                for (int k = 5; k <= 12; k++) {
                    int cb = c + 256 * (k + 1), shift = 96 - 8 * k;
                    for (int j = 0; j < len; j++) {
                        s[j] = t[s[j] + m[cb + ((int) (b[from + j] >>> shift) & 0xff)]];
                    }
                }
                if (withFlags) {
                    int cb = c + 256 * 14;
                    for (int j = 0; j < len; j++) {
                        s[j] = t[s[j] + m[cb + ((int) (a[from + j] >>> 32) & 0xff)]];
                    }
                }
                if (g == 0) {
                    System.arraycopy(s, 0, out, from, len);
                } else {
                    for (int j = 0; j < len; j++) {
                        out[from + j] = Math.min(out[from + j], s[j]);
                    }
                }
            }
            for (int j = from; j < to; j++) {
                if (out[j] == NONE) {
                    out[j] = -1;
                }
            }
        }
    }

    public int rules() {
        return ruleCount;
    }

    /** Automata (groups); 0 when the tuple classifier answers. */
    public int groups() {
        return groups;
    }

    /** Bytes of the tables. */
    public long bytes() {
        return fallback != null ? -1 : 4L * table.length + 2L * classes.length;
    }

    public int states() {
        return states;
    }

    /** Whether the rules did not fit the budget and the tuple classifier answers instead. */
    public boolean fellBack() {
        return fallback != null;
    }

    @Override
    public String toString() {
        return fallback != null ? ruleCount + " rules, tuples: " + fallback
                : ruleCount + " rules in " + groups + " automata, " + states + " states, " + bytes() / 1024 + " KiB";
    }

    /**
     * Every rule of a family as boxes: per box and level an interval of byte values (for the flags
     * level a value and a mask), the box's rank, and the first level from which it accepts anything.
     */
    static final class Boxes {
        final int depths;
        final boolean flags;
        int count;
        char[] lo, hi;
        int[] rank, rule;
        byte[] wildFrom;

        Boxes(int depths, boolean flags, int capacity) {
            this.depths = depths;
            this.flags = flags;
            lo = new char[capacity * depths];
            hi = new char[capacity * depths];
            rank = new int[capacity];
            rule = new int[capacity];
            wildFrom = new byte[capacity];
        }

        static Boxes of(int family, int depths, boolean flags, Rule[] rules, int[] ranks) {
            Boxes b = new Boxes(depths, flags, Math.max(16, rules.length * 2));
            int bytes = family == 4 ? 4 : 16;
            char[] row = new char[depths * 2];
            for (int i = 0; i < rules.length; i++) {
                Rule r = rules[i];
                int plo = r.protocol() < 0 ? 0 : r.protocol(), phi = r.protocol() < 0 ? 255 : r.protocol();
                boolean whole = r.fragment() != Rule.Fragment.YES;
                boolean later = r.fragment() != Rule.Fragment.NO && !r.needsTransport();
                List<int[]> first = new ArrayList<>();
                if (whole && later && plo == 0 && phi == 255) {
                    first.add(new int[] {0, 511});
                } else {
                    if (whole) {
                        first.add(new int[] {plo, phi});
                    }
                    if (later) {
                        first.add(new int[] {256 + plo, 256 + phi});
                    }
                }
                int k = 1;
                for (int side = 0; side < 2; side++) {
                    var p = side == 0 ? r.source() : r.destination();
                    for (int j = 0; j < bytes; j++, k++) {
                        int v = 0, covered = 0;
                        if (p != null) {
                            long word = j < 8 ? p.high() : p.low();
                            v = (int) (word >>> (56 - 8 * (j & 7))) & 0xff;
                            covered = Math.max(0, Math.min(8, p.length() - 8 * j));
                        }
                        row[2 * k] = (char) v;
                        row[2 * k + 1] = (char) (v | (0xff >>> covered));
                    }
                }
                int[] ports = TupleClassifier.ports(r);
                List<int[]> sp = pieces(ports[0], ports[1]), dp = pieces(ports[2], ports[3]);
                if (flags) {
                    row[2 * (depths - 1)] = (char) r.tcpFlags();
                    row[2 * (depths - 1) + 1] = (char) r.tcpMask();
                }
                for (int[] f : first) {
                    for (int[] s : sp) {
                        for (int[] d : dp) {
                            row[0] = (char) f[0];
                            row[1] = (char) f[1];
                            row[2 * k] = (char) s[0];
                            row[2 * k + 1] = (char) s[1];
                            row[2 * k + 2] = (char) s[2];
                            row[2 * k + 3] = (char) s[3];
                            row[2 * k + 4] = (char) d[0];
                            row[2 * k + 5] = (char) d[1];
                            row[2 * k + 6] = (char) d[2];
                            row[2 * k + 7] = (char) d[3];
                            b.add(row, ranks[i], i);
                        }
                    }
                }
            }
            return b;
        }

        /** A port range over its two bytes: at most three boxes (high byte interval x low byte interval). */
        static List<int[]> pieces(int lo, int hi) {
            int lh = lo >>> 8, ll = lo & 0xff, hh = hi >>> 8, hl = hi & 0xff;
            List<int[]> out = new ArrayList<>(3);
            if (lh == hh) {
                out.add(new int[] {lh, lh, ll, hl});
                return out;
            }
            int from = lh, to = hh;
            if (ll != 0) {
                out.add(new int[] {lh, lh, ll, 255});
                from = lh + 1;
            }
            if (hl != 255) {
                to = hh - 1;
            }
            if (from <= to) {
                out.add(new int[] {from, to, 0, 255});
            }
            if (hl != 255) {
                out.add(new int[] {hh, hh, 0, hl});
            }
            return out;
        }

        private void add(char[] row, int rk, int ruleIndex) {
            if (count == rank.length) {
                int cap = count * 2;
                lo = Arrays.copyOf(lo, cap * depths);
                hi = Arrays.copyOf(hi, cap * depths);
                rank = Arrays.copyOf(rank, cap);
                rule = Arrays.copyOf(rule, cap);
                wildFrom = Arrays.copyOf(wildFrom, cap);
            }
            int o = count * depths;
            int wild = depths;
            for (int k = depths - 1; k >= 0; k--) {
                lo[o + k] = row[2 * k];
                hi[o + k] = row[2 * k + 1];
                if (wild == k + 1 && full(k, row[2 * k], row[2 * k + 1])) {
                    wild = k;
                }
            }
            rank[count] = rk;
            rule[count] = ruleIndex;
            wildFrom[count] = (byte) wild;
            count++;
        }

        boolean full(int k, int l, int h) {
            if (flags && k == depths - 1) {
                return h == 0; // no flag looked at
            }
            return l == 0 && h == (k == 0 ? 511 : 255);
        }

        /** The boxes of the rules given (by index, ascending), in the same order; null: all of them. */
        Boxes subset(int[] rules) {
            if (rules == null) {
                return this;
            }
            boolean[] in = new boolean[count == 0 ? 0 : rule[count - 1] + 1];
            for (int r : rules) {
                if (r < in.length) {
                    in[r] = true;
                }
            }
            Boxes s = new Boxes(depths, flags, 16);
            char[] row = new char[depths * 2];
            for (int i = 0; i < count; i++) {
                if (!in[rule[i]]) {
                    continue;
                }
                for (int k = 0; k < depths; k++) {
                    row[2 * k] = lo[i * depths + k];
                    row[2 * k + 1] = hi[i * depths + k];
                }
                s.add(row, rank[i], rule[i]);
            }
            return s;
        }
    }

    /** One automaton being built, level by level, and then its rows. */
    static final class Automaton {
        final int depths;
        /** Per level: the class of each byte value, the number of classes, and the rows (state x class). */
        final char[][] classOf;
        final int[] classCount;
        final int[][] rows;
        final int[] stateCount;
        /** Per level and class: its first byte value. */
        final int[][] representative;

        private Automaton(int depths) {
            representative = new int[depths][];
            this.depths = depths;
            classOf = new char[depths][];
            classCount = new int[depths];
            rows = new int[depths][];
            stateCount = new int[depths];
        }

        long entries() {
            long e = 0;
            for (int k = 0; k < depths; k++) {
                e += (long) stateCount[k] * classCount[k];
            }
            return e;
        }

        int states() {
            int s = 0;
            for (int k = 0; k < depths; k++) {
                s += stateCount[k];
            }
            return s;
        }

        /** Null when the rows would pass {@code budget} entries. */
        static Automaton build(Boxes b, long budget) {
            int depths = b.depths;
            Automaton a = new Automaton(depths);
            for (int k = 0; k < depths; k++) {
                a.classes(b, k);
            }
            int[] root = cut(allBoxes(b.count), b, 0);
            List<int[]> level = new ArrayList<>();
            level.add(root);
            long used = 0;
            int maxClasses = 512;
            int[][] lists = new int[maxClasses][];
            int[] lengths = new int[maxClasses];
            boolean[] closed = new boolean[maxClasses];
            int[] target = new int[maxClasses];
            int[] points = new int[1024];
            for (int c = 0; c < maxClasses; c++) {
                lists[c] = new int[8];
            }
            for (int k = 0; k < depths; k++) {
                int classes = a.classCount[k];
                a.stateCount[k] = level.size();
                used += (long) level.size() * classes;
                if (used > budget) {
                    return null;
                }
                int[] rows = new int[level.size() * classes];
                a.rows[k] = rows;
                boolean last = k == depths - 1;
                boolean flagLevel = b.flags && k == depths - 1;
                List<int[]> next = new ArrayList<>();
                Map<SetKey, Integer> seen = new HashMap<>();
                long nextEntries = 0;
                int nextClasses = last ? 0 : a.classCount[k + 1];
                int width = k == 0 ? 512 : 256;
                for (int s = 0; s < level.size(); s++) {
                    int[] set = level.get(s);
                    int base = s * classes;
                    if (flagLevel) {
                        // The last level, by value and mask: the first box that accepts a class wins it.
                        int[] rep = a.representative[k];
                        for (int c = 0; c < classes; c++) {
                            int r = NONE;
                            for (int box : set) {
                                int o = box * depths + k;
                                if ((rep[c] & b.hi[o]) == b.lo[o]) {
                                    r = b.rank[box];
                                    break;
                                }
                            }
                            rows[base + c] = r;
                        }
                        continue;
                    }
                    // The state's own segments of byte values: where one of its boxes starts or ends.
                    int np = 0;
                    if (points.length < 2 * set.length + 1) {
                        points = new int[2 * set.length + 1];
                    }
                    points[np++] = 0;
                    for (int box : set) {
                        int o = box * depths + k;
                        points[np++] = b.lo[o];
                        points[np++] = b.hi[o] + 1;
                    }
                    Arrays.sort(points, 0, np);
                    int segments = 0;
                    for (int i = 0; i < np; i++) {
                        int v = points[i];
                        if (v < width && (segments == 0 || v != points[segments - 1])) {
                            points[segments++] = v;
                        }
                    }
                    Arrays.fill(lengths, 0, segments, 0);
                    Arrays.fill(closed, 0, segments, false);
                    int open = segments;
                    for (int x = 0; x < set.length && open > 0; x++) {
                        int box = set[x];
                        int o = box * depths + k;
                        boolean stop = last || b.wildFrom[box] <= k + 1;
                        int from = Arrays.binarySearch(points, 0, segments, b.lo[o]);
                        int end = b.hi[o] + 1 >= width ? segments : Arrays.binarySearch(points, 0, segments, b.hi[o] + 1);
                        for (int g = from; g < end; g++) {
                            if (closed[g]) {
                                continue;
                            }
                            if (lengths[g] == lists[g].length) {
                                lists[g] = Arrays.copyOf(lists[g], lengths[g] * 2);
                            }
                            lists[g][lengths[g]++] = box;
                            if (stop) {
                                closed[g] = true;
                                open--;
                            }
                        }
                    }
                    for (int g = 0; g < segments; g++) {
                        if (last) {
                            target[g] = lengths[g] == 0 ? NONE : b.rank[lists[g][0]];
                            continue;
                        }
                        int len = lengths[g];
                        int[] key = Arrays.copyOf(lists[g], len);
                        if (len <= PRUNE_LIMIT) {
                            key = Arrays.copyOf(key, prune(key, len, b, k + 1));
                        }
                        SetKey sk = new SetKey(key);
                        Integer id = seen.get(sk);
                        if (id == null) {
                            id = next.size();
                            seen.put(sk, id);
                            next.add(key);
                            nextEntries += nextClasses;
                            if (used + nextEntries > budget) {
                                return null;
                            }
                        }
                        target[g] = id;
                    }
                    // Each class of the level lies within one segment of the state's.
                    int[] rep = a.representative[k];
                    int g = 0;
                    for (int c = 0; c < classes; c++) {
                        while (g + 1 < segments && points[g + 1] <= rep[c]) {
                            g++;
                        }
                        rows[base + c] = target[g];
                    }
                }
                level = next;
            }
            a.minimize();
            return a;
        }

        /**
         * Merges the states of a level whose rows are the same (different sets, same futures), from
         * the last level up, so that merged states make more rows above them alike.
         */
        private void minimize() {
            int[] remap = null;
            for (int k = depths - 1; k >= 0; k--) {
                int classes = classCount[k], n = stateCount[k];
                int[] r = rows[k];
                if (remap != null) {
                    for (int i = 0; i < r.length; i++) {
                        r[i] = remap[r[i]];
                    }
                }
                Map<RowKey, Integer> seen = new HashMap<>(n * 2);
                int[] mine = new int[n];
                int unique = 0;
                for (int s = 0; s < n; s++) {
                    RowKey key = new RowKey(r, s * classes, classes);
                    Integer id = seen.putIfAbsent(key, unique);
                    if (id == null) {
                        if (unique != s) {
                            System.arraycopy(r, s * classes, r, unique * classes, classes);
                        }
                        key.offset = unique * classes; // the key now names the row's new place
                        mine[s] = unique++;
                    } else {
                        mine[s] = id;
                    }
                }
                rows[k] = unique == n ? r : Arrays.copyOf(r, unique * classes);
                stateCount[k] = unique;
                remap = mine;
            }
        }

        /** Sets up to this size are cleared of boxes an earlier box covers (pairwise, so bounded). */
        static final int PRUNE_LIMIT = 48;

        /**
         * Drops from {@code set[0..len)} every box that an earlier (better) box of the set contains on the
         * levels from {@code k} on: it can never be the best. Returns the new length.
         */
        private static int prune(int[] set, int len, Boxes b, int k) {
            int depths = b.depths, kept = 0;
            boolean flagLevel = b.flags;
            for (int x = 0; x < len; x++) {
                int bx = set[x], ox = bx * depths;
                boolean covered = false;
                for (int y = 0; y < kept && !covered; y++) {
                    int oy = set[y] * depths;
                    covered = true;
                    for (int j = k; j < depths && covered; j++) {
                        if (flagLevel && j == depths - 1) {
                            int my = b.hi[oy + j], mx = b.hi[ox + j];
                            covered = (my & ~mx) == 0 && (b.lo[ox + j] & my) == b.lo[oy + j];
                        } else {
                            covered = b.lo[oy + j] <= b.lo[ox + j] && b.hi[ox + j] <= b.hi[oy + j];
                        }
                    }
                }
                if (!covered) {
                    set[kept++] = bx;
                }
            }
            return kept;
        }

        private static int[] allBoxes(int n) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }

        /** The set without the boxes behind its first one that accepts anything from level {@code k} on. */
        private static int[] cut(int[] set, Boxes b, int k) {
            for (int i = 0; i < set.length; i++) {
                if (b.wildFrom[set[i]] <= k) {
                    return Arrays.copyOf(set, i + 1);
                }
            }
            return set;
        }

        /** Level k's classes: byte values no box's interval tells apart (flags: the same bits under every mask). */
        private void classes(Boxes b, int k) {
            int width = k == 0 ? 512 : 256;
            char[] map = new char[width];
            if (b.flags && k == depths - 1) {
                int mask = 0;
                for (int i = 0; i < b.count; i++) {
                    mask |= b.hi[i * depths + k];
                }
                int[] ids = new int[256];
                Arrays.fill(ids, -1);
                int n = 0;
                for (int v = 0; v < 256; v++) {
                    int key = v & mask;
                    if (ids[key] < 0) {
                        ids[key] = n++;
                    }
                    map[v] = (char) ids[key];
                }
                classOf[k] = map;
                classCount[k] = n;
                representatives(k);
                return;
            }
            boolean[] starts = new boolean[width + 1];
            starts[0] = true;
            for (int i = 0; i < b.count; i++) {
                starts[b.lo[i * depths + k]] = true;
                starts[b.hi[i * depths + k] + 1] = true;
            }
            int c = -1;
            for (int v = 0; v < width; v++) {
                if (starts[v]) {
                    c++;
                }
                map[v] = (char) c;
            }
            classOf[k] = map;
            classCount[k] = c + 1;
            representatives(k);
        }

        private void representatives(int k) {
            int[] rep = new int[classCount[k]];
            Arrays.fill(rep, -1);
            for (int v = 0; v < classOf[k].length; v++) {
                if (rep[classOf[k][v]] < 0) {
                    rep[classOf[k][v]] = v;
                }
            }
            representative[k] = rep;
        }

        /** Writes the rows at {@code at} (next-level ids become offsets) and the class maps at {@code classAt}. */
        void copyTo(int[] table, int at, char[] classes, int classAt) {
            long[] base = new long[depths + 1];
            base[0] = at;
            for (int k = 0; k < depths; k++) {
                base[k + 1] = base[k] + (long) stateCount[k] * classCount[k];
            }
            for (int k = 0; k < depths; k++) {
                int[] r = rows[k];
                int o = (int) base[k];
                if (k == depths - 1) {
                    System.arraycopy(r, 0, table, o, r.length);
                } else {
                    int nextBase = (int) base[k + 1], width = classCount[k + 1];
                    for (int i = 0; i < r.length; i++) {
                        table[o + i] = nextBase + r[i] * width;
                    }
                }
                System.arraycopy(classOf[k], 0, classes, classAt + classBase(k), classOf[k].length);
            }
        }
    }

    /** A row of a level's table as a hash key. */
    private static final class RowKey {
        final int[] rows;
        int offset;
        final int length, hash;

        RowKey(int[] rows, int offset, int length) {
            this.rows = rows;
            this.offset = offset;
            this.length = length;
            int h = 1;
            for (int i = offset; i < offset + length; i++) {
                h = 31 * h + rows[i];
            }
            hash = h;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RowKey k && k.hash == hash
                    && Arrays.equals(k.rows, k.offset, k.offset + k.length, rows, offset, offset + length);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A state's set of boxes as a hash key. */
    private static final class SetKey {
        final int[] set;
        final int hash;

        SetKey(int[] set) {
            this.set = set;
            this.hash = Arrays.hashCode(set);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SetKey k && k.hash == hash && Arrays.equals(k.set, set);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** How the rules are split into groups when one automaton would be too big. */
    static final class Grouping {
        private Grouping() {
        }

        /** {@code groups} lists of rule indexes (ascending), together all the rules; one group is null (all). */
        static List<int[]> split(Rule[] rules, int groups) {
            List<int[]> out = new ArrayList<>();
            if (groups == 1) {
                out.add(null);
                return out;
            }
            // Rules of like shape together: by source length, then destination length.
            Integer[] order = new Integer[rules.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> Integer.compare(shape(rules[x]), shape(rules[y])));
            for (int g = 0; g < groups; g++) {
                int from = (int) ((long) rules.length * g / groups), to = (int) ((long) rules.length * (g + 1) / groups);
                int[] m = new int[to - from];
                for (int i = from; i < to; i++) {
                    m[i - from] = order[i];
                }
                Arrays.sort(m);
                out.add(m);
            }
            return out;
        }

        private static int shape(Rule r) {
            int s = r.source() == null ? 0 : r.source().length(), d = r.destination() == null ? 0 : r.destination().length();
            return s * 256 + d;
        }
    }
}
