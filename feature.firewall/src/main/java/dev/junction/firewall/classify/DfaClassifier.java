package dev.junction.firewall.classify;

import dev.junction.firewall.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of one address family as byte-wise DFAs over the packet's key, the scheme of DPDK's
 * rte_acl: a packet takes a fixed number of steps whatever the rules.
 *
 * <p>The key, one level a byte: the protocol with a ninth bit for "later fragment" (a later fragment
 * has no transport header, so rules that look at ports, ICMP type or flags must not match it, and
 * {@code fragment=yes|no} rules are told apart), the source address (4 or 16 bytes), the destination
 * address, the source port and the destination port (two bytes each; ICMP's type and code take their
 * places), and the TCP flags only when some rule looks at them. A rule becomes one or more boxes, a
 * box being one interval of byte values per level: a prefix is a run of exact bytes, one byte's range,
 * then any; a port range is the union of at most three boxes over its two bytes.
 *
 * <p>Built by subset construction, level by level: a state is the set of boxes still alive after the
 * bytes so far, in rank order, deduplicated by content. A set is cut after its first box that accepts
 * anything from here on (nothing behind it can win). Then states with the same future (equal rows)
 * are merged, from the last level up. A state's row is 16
 * entries, one per high nibble of the byte, each naming a row of 16 entries (low nibble) shared by
 * every state of the level that has the same one: most states split a byte into a few ranges, so most
 * of those rows are "all to one state" and shared. The root (the protocol level) is one row of 512.
 * The last level's entries are ranks. When the rows outgrow the budget the rules are split into groups
 * (at most {@link #MAX_GROUPS}), each with its own automaton, and the best rank over the groups wins;
 * if even that does not fit, a {@link TupleClassifier} answers instead.
 *
 * <p>Immutable once built; {@link #classify} and {@link #classify4} allocate nothing and may run on
 * any number of threads.
 */
public final class DfaClassifier {
    /** No rule matched (greater than any rank, so that the best of the groups is a minimum). */
    static final int NONE = Integer.MAX_VALUE;
    static final int MAX_GROUPS = 8;
    /** Table entries (4 bytes each) for all of a family's groups: 64 MiB. */
    static final long DEFAULT_BUDGET = 16L << 20;
    /**
     * The build's work over all its tries (boxes of the states made, plus 16 a state) after which it
     * gives up and the tuple classifier answers: a bound on the control thread's time, about 2 s on
     * the 2-vCPU VM of docs/PERFORMANCE.md.
     */
    static final long WORK_LIMIT = 25_000_000;

    private final int family;
    private final boolean withFlags;
    private final int groups;
    /** Each group's root row (an offset in {@link #table}). */
    private final int[] roots;
    private final int[] table;
    private final int ruleCount;
    private final TupleClassifier fallback;
    private final int states;
    /** What the build took: the boxes of every state made, over every try (see {@link #WORK_LIMIT}). */
    long work;

    private DfaClassifier(int family, boolean withFlags, int[] roots, int[] table, int ruleCount,
                          TupleClassifier fallback, int states) {
        this.family = family;
        this.withFlags = withFlags;
        this.groups = roots.length;
        this.roots = roots;
        this.table = table;
        this.ruleCount = ruleCount;
        this.fallback = fallback;
        this.states = states;
    }

    /**
     * The classifier of the rules given, which must all apply to {@code family} and be in rank order;
     * {@code ranks[i]} is {@code rules[i]}'s rank in its rule set.
     */
    public static DfaClassifier build(int family, Rule[] rules, int[] ranks) {
        return build(family, rules, ranks, DEFAULT_BUDGET, WORK_LIMIT);
    }

    static DfaClassifier build(int family, Rule[] rules, int[] ranks, long budget, long workLimit) {
        boolean flags = false;
        for (Rule r : rules) {
            flags |= r.tcpMask() != 0;
        }
        int depths = 1 + (family == 4 ? 8 : 32) + 4 + (flags ? 1 : 0);
        Boxes all = Boxes.of(family, depths, flags, rules, ranks);
        long[] work = {0};
        for (int g = 1; g <= MAX_GROUPS && work[0] <= workLimit; g *= 2) {
            List<int[]> split = Grouping.split(rules, g);
            List<Automaton> built = new ArrayList<>();
            long left = budget;
            for (int[] members : split) {
                Automaton a = Automaton.build(all.subset(members), left, work, workLimit);
                if (a == null) {
                    built = null;
                    break;
                }
                left -= a.entries();
                built.add(a);
            }
            if (built != null) {
                DfaClassifier c = assemble(family, flags, built, rules.length);
                c.work = work[0];
                return c;
            }
        }
        return new DfaClassifier(family, flags, new int[0], new int[0], rules.length,
                TupleClassifier.build(family, rules, ranks), 0);
    }

    private static DfaClassifier assemble(int family, boolean flags, List<Automaton> built, int n) {
        long entries = 0;
        int states = 0;
        for (Automaton a : built) {
            entries += a.entries();
            states += a.states();
        }
        int[] table = new int[Math.toIntExact(entries)];
        int[] roots = new int[built.size()];
        int at = 0;
        for (int g = 0; g < built.size(); g++) {
            Automaton a = built.get(g);
            roots[g] = at;
            a.copyTo(table, at);
            at += Math.toIntExact(a.entries());
        }
        return new DfaClassifier(family, flags, roots, table, n, null, states);
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
            int r = family == 4 ? walk4(roots[g], first, (int) (sh >>> 32), (int) (dh >>> 32), sport << 16 | dport, flags)
                    : walk6(roots[g], first, sh, sl, dh, dl, sport << 16 | dport, flags);
            best = Math.min(best, r);
        }
        return best == NONE ? -1 : best;
    }

    /** One level: the high nibble's entry names the low nibble's row. */
    private static int step(int[] t, int p, int b) {
        return t[t[p + (b >>> 4)] + (b & 15)];
    }

    private int walk4(int root, int first, int src, int dst, int ports, int flags) {
        int[] t = table;
        int p = t[root + first];
        p = step(t, p, src >>> 24);
        p = step(t, p, (src >>> 16) & 0xff);
        p = step(t, p, (src >>> 8) & 0xff);
        p = step(t, p, src & 0xff);
        p = step(t, p, dst >>> 24);
        p = step(t, p, (dst >>> 16) & 0xff);
        p = step(t, p, (dst >>> 8) & 0xff);
        p = step(t, p, dst & 0xff);
        p = step(t, p, ports >>> 24);
        p = step(t, p, (ports >>> 16) & 0xff);
        p = step(t, p, (ports >>> 8) & 0xff);
        p = step(t, p, ports & 0xff);
        if (withFlags) {
            p = step(t, p, flags & 0xff);
        }
        return p;
    }

    private int walk6(int root, int first, long sh, long sl, long dh, long dl, int ports, int flags) {
        int[] t = table;
        int p = t[root + first];
        for (int i = 56; i >= 0; i -= 8) {
            p = step(t, p, (int) (sh >>> i) & 0xff);
        }
        for (int i = 56; i >= 0; i -= 8) {
            p = step(t, p, (int) (sl >>> i) & 0xff);
        }
        for (int i = 56; i >= 0; i -= 8) {
            p = step(t, p, (int) (dh >>> i) & 0xff);
        }
        for (int i = 56; i >= 0; i -= 8) {
            p = step(t, p, (int) (dl >>> i) & 0xff);
        }
        for (int i = 24; i >= 0; i -= 8) {
            p = step(t, p, (ports >>> i) & 0xff);
        }
        if (withFlags) {
            p = step(t, p, flags & 0xff);
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

    /** Packets walked side by side by {@link #classify4}. */
    public static final int BLOCK = 64;

    /**
     * Classifies {@code n} IPv4 packets at once, their keys made by {@link #key4a} and {@link #key4b}:
     * {@code out[i]} becomes the rank of packet i's best rule or -1. The walks go a level at a time over
     * a block of packets, so that the loads of different packets overlap instead of waiting on each
     * other. {@code scratch} holds at least {@link #BLOCK} ints.
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
        int[] s = scratch;
        for (int from = 0; from < n; from += BLOCK) {
            int len = Math.min(n, from + BLOCK) - from;
            for (int g = 0; g < groups; g++) {
                int root = roots[g];
                for (int j = 0; j < len; j++) {
                    s[j] = t[root + ((int) (a[from + j] >>> 40) & 0x1ff)];
                }
                for (int shift = 24; shift >= 0; shift -= 8) {
                    for (int j = 0; j < len; j++) {
                        int v = (int) (a[from + j] >>> shift) & 0xff;
                        s[j] = t[t[s[j] + (v >>> 4)] + (v & 15)];
                    }
                }
                for (int shift = 56; shift >= 0; shift -= 8) {
                    for (int j = 0; j < len; j++) {
                        int v = (int) (b[from + j] >>> shift) & 0xff;
                        s[j] = t[t[s[j] + (v >>> 4)] + (v & 15)];
                    }
                }
                if (withFlags) {
                    for (int j = 0; j < len; j++) {
                        int v = (int) (a[from + j] >>> 32) & 0xff;
                        s[j] = t[t[s[j] + (v >>> 4)] + (v & 15)];
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
            for (int j = from; j < from + len; j++) {
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

    /** Bytes of the tables, -1 when the tuple classifier answers. */
    public long bytes() {
        return fallback != null ? -1 : 4L * table.length;
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
                : ruleCount + " rules in " + groups + " automata, " + states + " states, " + bytes() / 1024 + " KiB, work " + work;
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

    /** Rows of 16 ints, each kept once (a hash of the contents names it). */
    static final class Rows {
        int[] a = new int[16 * 64];
        int count;
        private final Map<IntsKey, Integer> index = new HashMap<>();

        /** The id of the row {@code src[from..from+16)}, added if new. */
        int intern(int[] src, int from) {
            IntsKey k = new IntsKey(Arrays.copyOfRange(src, from, from + 16));
            Integer id = index.get(k);
            if (id != null) {
                return id;
            }
            add(k.row, 0);
            index.put(k, count - 1);
            return count - 1;
        }

        void add(int[] src, int from) {
            if (16 * (count + 1) > a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            System.arraycopy(src, from, a, 16 * count, 16);
            count++;
        }

        /** Renames the entries, then merges rows made equal: returns each old row's new id. */
        int[] rename(int[] names) {
            if (names != null) {
                for (int i = 0; i < 16 * count; i++) {
                    a[i] = names[a[i]];
                }
            }
            index.clear();
            int[] mine = new int[count];
            int unique = 0;
            for (int r = 0; r < count; r++) {
                IntsKey k = new IntsKey(Arrays.copyOfRange(a, 16 * r, 16 * r + 16));
                Integer id = index.putIfAbsent(k, unique);
                if (id == null) {
                    System.arraycopy(k.row, 0, a, 16 * unique, 16);
                    mine[r] = unique++;
                } else {
                    mine[r] = id;
                }
            }
            count = unique;
            index.clear();
            return mine;
        }
    }

    /** One automaton being built, level by level, and then its table. */
    static final class Automaton {
        final int depths;
        /** Level 1's state for each of the 512 values of level 0. */
        int[] root;
        /** Per level from 1: the states' rows (16 low-row ids each) and the low rows (16 next-level ids or ranks). */
        final Rows[] high, low;

        private Automaton(int depths) {
            this.depths = depths;
            high = new Rows[depths];
            low = new Rows[depths];
        }

        long entries() {
            long e = 512;
            for (int k = 1; k < depths; k++) {
                e += 16L * (high[k].count + low[k].count);
            }
            return e;
        }

        int states() {
            int s = 1;
            for (int k = 1; k < depths; k++) {
                s += high[k].count;
            }
            return s;
        }

        /** Null when the table would pass {@code budget} entries. */
        static Automaton build(Boxes b, long budget, long[] work, long workLimit) {
            int depths = b.depths;
            Automaton a = new Automaton(depths);
            Builder w = new Builder(b);
            List<int[]> level = new ArrayList<>();
            level.add(cut(allBoxes(b.count), b, 0));
            long used = 512;
            int[] byValue = new int[512];
            for (int k = 0; k < depths; k++) {
                boolean last = k == depths - 1;
                List<int[]> next = new ArrayList<>();
                Map<IntsKey, Integer> seen = new HashMap<>();
                Rows highK = new Rows(), lowK = new Rows();
                for (int[] set : level) {
                    int before = next.size(), lows = lowK.count;
                    w.targets(set, k, last, next, seen, byValue);
                    work[0] += set.length + 16;
                    if (k == 0) {
                        a.root = Arrays.copyOf(byValue, 512);
                    } else {
                        int[] row = new int[16];
                        for (int h = 0; h < 16; h++) {
                            row[h] = lowK.intern(byValue, 16 * h);
                        }
                        highK.add(row, 0);
                    }
                    used += 16L * (next.size() - before) + 16L * (lowK.count - lows);
                    if (used > budget || work[0] > workLimit) {
                        return null;
                    }
                }
                if (k > 0) {
                    a.high[k] = highK;
                    a.low[k] = lowK;
                }
                level = next;
            }
            a.minimize();
            return a;
        }

        /** Merges states of a level whose rows are the same (different sets, same futures), from the last level up. */
        private void minimize() {
            int[] names = null;
            for (int k = depths - 1; k >= 1; k--) {
                int[] lowNames = low[k].rename(names);
                names = high[k].rename(lowNames);
            }
            for (int v = 0; v < root.length; v++) {
                root[v] = names == null ? root[v] : names[root[v]];
            }
        }

        /** Writes the table at {@code at}: row ids become offsets. */
        void copyTo(int[] table, int at) {
            int[] highBase = new int[depths + 1], lowBase = new int[depths];
            int o = at + 512;
            for (int k = 1; k < depths; k++) {
                highBase[k] = o;
                o += 16 * high[k].count;
                lowBase[k] = o;
                o += 16 * low[k].count;
            }
            for (int v = 0; v < 512; v++) {
                table[at + v] = depths == 1 ? root[v] : highBase[1] + 16 * root[v];
            }
            for (int k = 1; k < depths; k++) {
                Rows h = high[k], l = low[k];
                for (int i = 0; i < 16 * h.count; i++) {
                    table[highBase[k] + i] = lowBase[k] + 16 * h.a[i];
                }
                boolean last = k == depths - 1;
                for (int i = 0; i < 16 * l.count; i++) {
                    table[lowBase[k] + i] = last ? l.a[i] : highBase[k + 1] + 16 * l.a[i];
                }
            }
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

        /** The per-state work of a level, with its reused buffers. */
        private static final class Builder {
            final Boxes b;
            final int depths;
            final int[][] lists = new int[512][];
            final int[] lengths = new int[512], target = new int[512];
            final boolean[] closed = new boolean[512];
            final int[] points = new int[513], segmentOf = new int[513];
            final boolean[] starts = new boolean[513];
            /** The flags level: the class of each value (the same bits under every rule's mask), and a value of each class. */
            final int[] flagClass = new int[256];
            int[] flagValue;

            Builder(Boxes b) {
                this.b = b;
                this.depths = b.depths;
                for (int i = 0; i < lists.length; i++) {
                    lists[i] = new int[8];
                }
                if (b.flags) {
                    int mask = 0;
                    for (int i = 0; i < b.count; i++) {
                        mask |= b.hi[i * depths + depths - 1];
                    }
                    int[] ids = new int[256];
                    Arrays.fill(ids, -1);
                    int n = 0;
                    int[] values = new int[256];
                    for (int v = 0; v < 256; v++) {
                        int key = v & mask;
                        if (ids[key] < 0) {
                            values[n] = v;
                            ids[key] = n++;
                        }
                        flagClass[v] = ids[key];
                    }
                    flagValue = Arrays.copyOf(values, n);
                }
            }

            /**
             * Fills {@code byValue} (512 values at level 0, else 256) with where each value goes from the
             * state {@code set} at level {@code k}: a next-level state's id (interned in {@code next}), or
             * at the last level a rank.
             */
            void targets(int[] set, int k, boolean last, List<int[]> next, Map<IntsKey, Integer> seen, int[] byValue) {
                int width = k == 0 ? 512 : 256;
                if (b.flags && k == depths - 1) {
                    int[] result = new int[flagValue.length];
                    for (int c = 0; c < result.length; c++) {
                        result[c] = NONE;
                        for (int box : set) {
                            int o = box * depths + k;
                            if ((flagValue[c] & b.hi[o]) == b.lo[o]) {
                                result[c] = b.rank[box]; // the first box that accepts the class wins it
                                break;
                            }
                        }
                    }
                    for (int v = 0; v < 256; v++) {
                        byValue[v] = result[flagClass[v]];
                    }
                    return;
                }
                // The state's own segments of byte values: where one of its boxes starts or ends.
                for (int box : set) {
                    int o = box * depths + k;
                    starts[b.lo[o]] = true;
                    starts[b.hi[o] + 1] = true;
                }
                int segments = 0;
                for (int v = 0; v < width; v++) {
                    if (starts[v] || v == 0) {
                        starts[v] = false;
                        points[segments++] = v;
                    }
                    segmentOf[v] = segments - 1;
                }
                segmentOf[width] = segments;
                starts[width] = false;
                Arrays.fill(lengths, 0, segments, 0);
                Arrays.fill(closed, 0, segments, false);
                int open = segments;
                for (int x = 0; x < set.length && open > 0; x++) {
                    int box = set[x];
                    int o = box * depths + k;
                    boolean stop = last || b.wildFrom[box] <= k + 1;
                    int from = segmentOf[b.lo[o]], end = segmentOf[b.hi[o] + 1];
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
                    IntsKey sk = new IntsKey(key);
                    Integer id = seen.get(sk);
                    if (id == null) {
                        id = next.size();
                        seen.put(sk, id);
                        next.add(key);
                    }
                    target[g] = id;
                }
                for (int v = 0, g = 0; v < width; v++) {
                    if (g + 1 < segments && points[g + 1] == v) {
                        g++;
                    }
                    byValue[v] = target[g];
                }
            }
        }
    }

    /** An int array by content, as a hash key: a row of 16, or a state's set of boxes. */
    private static final class IntsKey {
        final int[] row;
        final int hash;

        IntsKey(int[] row) {
            this.row = row;
            this.hash = Arrays.hashCode(row);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IntsKey k && k.hash == hash && Arrays.equals(k.row, row);
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
