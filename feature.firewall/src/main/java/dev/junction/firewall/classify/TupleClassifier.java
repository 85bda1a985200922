package dev.junction.firewall.classify;

import dev.junction.firewall.Prefix;
import dev.junction.firewall.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of one address family, classified by tuple-space search with TupleMerge-style merging
 * (Daly and Torng, "TupleMerge: fast software packet processing for online packet classification").
 *
 * <p>A tuple is a mask: a length for each address (from the top of 128 bits; IPv4 addresses sit in the
 * top 32), the protocol (all or nothing), and a prefix length for each port. Each rule lives in one
 * tuple whose mask is no longer than its own in any field, under the key "packet fields AND mask".
 * A port range [lo, hi] becomes the prefix lo and hi share, so a tuple holds ranges as well as exact
 * ports; because a tuple may be coarser than its rules (that is the merging: fewer tuples, fewer
 * probes), every rule found under a key is checked whole against the packet. A tuple's keys sit in an
 * open-addressing table; all tuples' tables are one set of primitive arrays.
 *
 * <p>Rules are numbered by rank (priority, then order in the set): lower wins. Each key's list of
 * rules is in rank order, and tuples are visited in the order of the best rank they hold, so the
 * search stops at the first tuple that cannot beat the match found (priority pruning).
 *
 * <p>Immutable once built; {@link #classify} allocates nothing and may run on any number of threads.
 */
public final class TupleClassifier {
    /** A key's rule list grows to this many before a rule looks for (or makes) a finer tuple. */
    static final int COLLISION_LIMIT = 16;

    private final int ruleCount;
    /** By internal index (rank order): the rule's rank in its rule set. */
    private final int[] rank;
    private final long[] srcH, srcL, srcMH, srcML, dstH, dstL, dstMH, dstML;
    private final int[] proto, spLo, spHi, dpLo, dpHi, flagV, flagM;
    /** 0: any, 1: later fragments only, 2: not later fragments; +4: the rule needs the transport header. */
    private final byte[] frag;

    private final int tupleCount;
    private final long[] tSMH, tSML, tDMH, tDML, tMisc;
    private final int[] tBest, tBase, tMask;
    private final long[] slotKey;
    private final int[] slotStart, slotLen, lists;

    private TupleClassifier(int n, int tuples, int slots, int listLength) {
        ruleCount = n;
        rank = new int[n];
        srcH = new long[n];
        srcL = new long[n];
        srcMH = new long[n];
        srcML = new long[n];
        dstH = new long[n];
        dstL = new long[n];
        dstMH = new long[n];
        dstML = new long[n];
        proto = new int[n];
        spLo = new int[n];
        spHi = new int[n];
        dpLo = new int[n];
        dpHi = new int[n];
        flagV = new int[n];
        flagM = new int[n];
        frag = new byte[n];
        tupleCount = tuples;
        tSMH = new long[tuples];
        tSML = new long[tuples];
        tDMH = new long[tuples];
        tDML = new long[tuples];
        tMisc = new long[tuples];
        tBest = new int[tuples];
        tBase = new int[tuples];
        tMask = new int[tuples];
        slotKey = new long[slots * 5];
        slotStart = new int[slots];
        slotLen = new int[slots];
        lists = new int[listLength];
    }

    /** Lengths of one tuple's mask: src, dst (0..128), protocol (0 or 8), sport, dport (0..16). */
    private record Shape(int s, int d, int p, int sp, int dp) {
        boolean covers(Shape r, int slack) {
            return s <= r.s && d <= r.d && p <= r.p && sp <= r.sp && dp <= r.dp && r.s - s <= slack && r.d - d <= slack;
        }

        int specificity() {
            return s + d + p + sp + dp;
        }
    }

    private record Key(long a, long b, long c, long d, long e) {
    }

    private static final class Tuple {
        final Shape shape;
        final long smh, sml, dmh, dml, misc;
        final Map<Key, List<Integer>> keys = new HashMap<>();
        final int best;

        Tuple(Shape shape, int best) {
            this.shape = shape;
            this.best = best;
            smh = Prefix.maskHigh(shape.s);
            sml = Prefix.maskLow(shape.s);
            dmh = Prefix.maskHigh(shape.d);
            dml = Prefix.maskLow(shape.d);
            misc = miscMask(shape.p, shape.sp, shape.dp);
        }
    }

    private static long miscMask(int p, int sp, int dp) {
        long pm = p == 0 ? 0 : 0xffL;
        long spm = sp == 0 ? 0 : (0xffffL << (16 - sp)) & 0xffff;
        long dpm = dp == 0 ? 0 : (0xffffL << (16 - dp)) & 0xffff;
        return pm << 32 | spm << 16 | dpm;
    }

    /** The prefix length that a port range's first and last port share (16: one port, 0: all). */
    static int rangeLength(int lo, int hi) {
        int x = lo ^ hi;
        return x == 0 ? 16 : Math.max(0, 16 - (32 - Integer.numberOfLeadingZeros(x)));
    }

    private static long misc(int proto, int sport, int dport) {
        return (long) (proto & 0xff) << 32 | (long) (sport & 0xffff) << 16 | (dport & 0xffff);
    }

    /**
     * Builds the classifier of the rules given, which must all apply to {@code family} and be in rank
     * order; {@code ranks[i]} is {@code rules[i]}'s rank in its rule set.
     */
    public static TupleClassifier build(int family, Rule[] rules, int[] ranks) {
        int n = rules.length;
        int slack = family == 4 ? 32 : 128;
        int round = family == 4 ? 16 : 32;
        List<Tuple> tuples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Rule r = rules[i];
            int[] ports = ports(r);
            Shape shape = new Shape(r.source() == null ? 0 : r.source().length(),
                    r.destination() == null ? 0 : r.destination().length(), r.protocol() < 0 ? 0 : 8,
                    rangeLength(ports[0], ports[1]), rangeLength(ports[2], ports[3]));
            long[] f = {r.source() == null ? 0 : r.source().high(), r.source() == null ? 0 : r.source().low(),
                    r.destination() == null ? 0 : r.destination().high(), r.destination() == null ? 0 : r.destination().low(),
                    misc(Math.max(0, r.protocol()), ports[0], ports[2])};
            // Of the tuples that can hold the rule without a key growing past the limit, the finest.
            Tuple chosen = null;
            Key chosenKey = null;
            for (Tuple t : tuples) {
                if (!t.shape.covers(shape, slack) || chosen != null && t.shape.specificity() <= chosen.shape.specificity()) {
                    continue;
                }
                Key k = key(t, f);
                List<Integer> l = t.keys.get(k);
                if (l == null || l.size() < COLLISION_LIMIT) {
                    chosen = t;
                    chosenKey = k;
                }
            }
            if (chosen == null) {
                // A new tuple, its address lengths rounded down so that neighbours of this rule fit in it too.
                Shape s = new Shape(shape.s - shape.s % round, shape.d - shape.d % round, shape.p,
                        shape.sp == 16 ? 16 : 0, shape.dp == 16 ? 16 : 0);
                for (Tuple t : tuples) {
                    if (t.shape.equals(s)) {
                        s = shape; // that tuple's key is full: the rule's own shape
                        break;
                    }
                }
                Tuple same = null;
                for (Tuple t : tuples) {
                    if (t.shape.equals(s)) {
                        same = t; // even the exact shape is full for this key: the list just grows
                    }
                }
                chosen = same != null ? same : new Tuple(s, i);
                if (same == null) {
                    tuples.add(chosen);
                }
                chosenKey = key(chosen, f);
            }
            chosen.keys.computeIfAbsent(chosenKey, k -> new ArrayList<>()).add(i);
        }
        // Tuples by the best rank they hold (they were made in rank order, so that order is creation order).
        int slots = 0, listLength = 0;
        for (Tuple t : tuples) {
            slots += capacity(t.keys.size());
            listLength += t.keys.values().stream().mapToInt(List::size).sum();
        }
        TupleClassifier c = new TupleClassifier(n, tuples.size(), slots, listLength);
        for (int i = 0; i < n; i++) {
            c.fill(i, rules[i], ranks[i]);
        }
        int base = 0, at = 0;
        for (int t = 0; t < tuples.size(); t++) {
            Tuple tu = tuples.get(t);
            int cap = capacity(tu.keys.size());
            c.tSMH[t] = tu.smh;
            c.tSML[t] = tu.sml;
            c.tDMH[t] = tu.dmh;
            c.tDML[t] = tu.dml;
            c.tMisc[t] = tu.misc;
            c.tBest[t] = tu.best;
            c.tBase[t] = base;
            c.tMask[t] = cap - 1;
            for (Map.Entry<Key, List<Integer>> e : tu.keys.entrySet()) {
                Key k = e.getKey();
                int h = hash(k.a, k.b, k.c, k.d, k.e) & (cap - 1);
                while (c.slotLen[base + h] != 0) {
                    h = (h + 1) & (cap - 1);
                }
                int s = base + h;
                c.slotKey[s * 5] = k.a;
                c.slotKey[s * 5 + 1] = k.b;
                c.slotKey[s * 5 + 2] = k.c;
                c.slotKey[s * 5 + 3] = k.d;
                c.slotKey[s * 5 + 4] = k.e;
                c.slotStart[s] = at;
                c.slotLen[s] = e.getValue().size();
                for (int i : e.getValue()) {
                    c.lists[at++] = i; // ascending: added in rank order
                }
            }
            base += cap;
        }
        return c;
    }

    private static int capacity(int keys) {
        return Integer.highestOneBit(Math.max(2, keys * 2 - 1)) << 1;
    }

    private static Key key(Tuple t, long[] f) {
        return new Key(f[0] & t.smh, f[1] & t.sml, f[2] & t.dmh, f[3] & t.dml, f[4] & t.misc);
    }

    /** sport and dport ranges; for ICMP the type and code take their places (as in the packet key). */
    static int[] ports(Rule r) {
        if (r.protocol() == Rule.ICMP || r.protocol() == Rule.ICMP6) {
            return new int[] {r.icmpType() < 0 ? 0 : r.icmpType(), r.icmpType() < 0 ? 65535 : r.icmpType(),
                    r.icmpCode() < 0 ? 0 : r.icmpCode(), r.icmpCode() < 0 ? 65535 : r.icmpCode()};
        }
        return new int[] {r.sourcePortLow(), r.sourcePortHigh(), r.destinationPortLow(), r.destinationPortHigh()};
    }

    private void fill(int i, Rule r, int rk) {
        rank[i] = rk;
        if (r.source() != null) {
            srcH[i] = r.source().high();
            srcL[i] = r.source().low();
            srcMH[i] = Prefix.maskHigh(r.source().length());
            srcML[i] = Prefix.maskLow(r.source().length());
        }
        if (r.destination() != null) {
            dstH[i] = r.destination().high();
            dstL[i] = r.destination().low();
            dstMH[i] = Prefix.maskHigh(r.destination().length());
            dstML[i] = Prefix.maskLow(r.destination().length());
        }
        proto[i] = r.protocol();
        int[] p = ports(r);
        spLo[i] = p[0];
        spHi[i] = p[1];
        dpLo[i] = p[2];
        dpHi[i] = p[3];
        flagV[i] = r.tcpFlags();
        flagM[i] = r.tcpMask();
        frag[i] = (byte) (r.fragment().ordinal() | (r.needsTransport() ? 4 : 0));
    }

    /**
     * The five words multiplied independently (the multiplies overlap instead of waiting on each
     * other, as a chained mix would), then folded and mixed once.
     */
    static int hash(long a, long b, long c, long d, long e) {
        long h = a * 0x9E3779B97F4A7C15L + b * 0xC2B2AE3D27D4EB4FL + c * 0x165667B19E3779F9L
                + d * 0xD6E8FEB86659FD93L + e * 0xFF51AFD7ED558CCDL;
        h ^= h >>> 32;
        h *= 0xC4CEB9FE1A85EC53L;
        return (int) (h ^ (h >>> 29));
    }

    /**
     * The rank of the best rule matching a packet, or -1. Addresses in {@link Prefix}'s two-word form;
     * for ICMP, {@code sport} is the type and {@code dport} the code; a later fragment has no ports,
     * flags or type (pass 0).
     */
    public int classify(long sh, long sl, long dh, long dl, int protocol, int sport, int dport, int flags, boolean later) {
        int best = Integer.MAX_VALUE;
        long m = misc(protocol, sport, dport);
        long[] keys = slotKey;
        for (int t = 0; t < tupleCount; t++) {
            if (tBest[t] >= best) {
                break; // tuples come by their best rule: none further can win
            }
            long k0 = sh & tSMH[t], k1 = sl & tSML[t], k2 = dh & tDMH[t], k3 = dl & tDML[t], k4 = m & tMisc[t];
            int mask = tMask[t], base = tBase[t];
            int h = hash(k0, k1, k2, k3, k4) & mask;
            while (true) {
                int s = base + h;
                int len = slotLen[s];
                if (len == 0) {
                    break;
                }
                int o = s * 5;
                if (keys[o] == k0 && keys[o + 1] == k1 && keys[o + 2] == k2 && keys[o + 3] == k3 && keys[o + 4] == k4) {
                    for (int j = slotStart[s], end = j + len; j < end; j++) {
                        int i = lists[j];
                        if (i >= best) {
                            break;
                        }
                        if (matches(i, sh, sl, dh, dl, protocol, sport, dport, flags, later)) {
                            best = i;
                            break;
                        }
                    }
                    break;
                }
                h = (h + 1) & mask;
            }
        }
        return best == Integer.MAX_VALUE ? -1 : rank[best];
    }

    private boolean matches(int i, long sh, long sl, long dh, long dl, int protocol, int sport, int dport, int flags,
                            boolean later) {
        int f = frag[i];
        if (later ? (f & 4) != 0 || (f & 3) == 2 : (f & 3) == 1) {
            return false;
        }
        return (sh & srcMH[i]) == srcH[i] && (sl & srcML[i]) == srcL[i] && (dh & dstMH[i]) == dstH[i]
                && (dl & dstML[i]) == dstL[i] && (proto[i] < 0 || proto[i] == protocol)
                && sport >= spLo[i] && sport <= spHi[i] && dport >= dpLo[i] && dport <= dpHi[i]
                && (flags & flagM[i]) == flagV[i];
    }

    /** How many tuples the rules took (a measure of the search's cost). */
    public int tuples() {
        return tupleCount;
    }

    public int rules() {
        return ruleCount;
    }

    @Override
    public String toString() {
        return ruleCount + " rules in " + tupleCount + " tuples, " + slotLen.length + " slots";
    }
}
