package dev.junction.firewall.nodes;

import dev.junction.firewall.classify.RuleSetClassifier;
import dev.junction.firewall.classify.DfaClassifier;
import dev.junction.firewall.conntrack.ConnState;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.conntrack.FlowKey;
import dev.junction.firewall.conntrack.TcpTracker;
import dev.junction.firewall.control.CompiledSet;
import dev.junction.firewall.control.Policy;
import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The firewall on one hook point, per interface: {@code fw-ip4-input} (ip4-unicast, after ip4-input),
 * {@code fw-ip6-input} (ip6-unicast, after ip6-input), {@code fw-output} (the output arc, both
 * families, routed packets). For each packet with a rule set on that direction, its interface's or
 * else its VRF's (the VRF it carries, also its zone):
 *
 * <ol>
 *   <li>a packet of a tracked connection (TCP, UDP, ICMP echo; zone = the packet's VRF) is followed
 *       (TCP state and window) and passes if it comes from the responder or the connection has been
 *       answered before: return traffic needs no rule;
 *   <li>an ICMP error quoting a packet of a tracked connection passes (related);
 *   <li>otherwise the rule set decides (no match: denied); permit+track opens a connection (TCP only
 *       on a SYN), refused when the zone or the table is full.
 * </ol>
 *
 * Hits are counted per rule and worker; drops by reason. No allocation, lock or exception per packet.
 */
public final class FirewallNode implements PacketNode {
    public static final String IP4_INPUT = "fw-ip4-input", IP6_INPUT = "fw-ip6-input", OUTPUT = "fw-output";
    static final int MODE_IP4 = 0, MODE_IP6 = 1, MODE_OUTPUT = 2;

    static final int TRUNCATED_IP = 0, TRUNCATED_L4 = 1, DENIED = 2, NO_MATCH = 3, OUT_OF_WINDOW = 4, INVALID = 5,
            NO_SYN = 6, ZONE_FULL = 7, TABLE_FULL = 8, BAD_EXTENSION = 9, BAD_ZONE = 10;
    static final List<String> ERRORS = List.of("truncated or malformed IP header", "truncated transport header",
            "denied by rule", "no rule matched (default deny)", "TCP segment outside the window",
            "TCP segment invalid in the connection's state", "new TCP connection without SYN",
            "zone's connection limit reached", "connection table full", "bad IPv6 extension header chain",
            "VRF beyond the connection table's zones");
    static final int C_PERMITTED = 0, C_OPENED = 1, C_ESTABLISHED = 2, C_RELATED = 3, C_NOT_IP = 4, C_UNATTACHED = 5;
    static final List<String> COUNTERS = List.of("permitted by rule", "connections opened", "passed as tracked",
            "passed as related ICMP error", "not IP (passed)", "no rule set attached (passed)");

    private final String name;
    private final int mode;
    private final FirewallState fw;
    private final PerWorker<Worker> workers = new PerWorker<>(i -> new Worker());

    /** A packet's rank not worked out in the first pass: the rules are asked when it is judged. */
    static final int UNCLASSIFIED = -2;

    private static final class Worker {
        /** Each packet of the vector parsed in the first pass, judged in the second. */
        final PacketFields[] fs = new PacketFields[PacketVector.MAX];
        final CompiledSet[] sets = new CompiledSet[PacketVector.MAX];
        /** The IPv4 packets classified together: their keys, their places in the vector, their ranks. */
        final long[] ka = new long[PacketVector.MAX], kb = new long[PacketVector.MAX];
        final int[] at = new int[PacketVector.MAX], out = new int[PacketVector.MAX];
        final int[] scratch = new int[DfaClassifier.BLOCK];
        /** By place in the vector: the rank found in the first pass, or UNCLASSIFIED. */
        final int[] ranks = new int[PacketVector.MAX];
        /** By place in the vector: the connection key of a trackable packet and its hash, made once. */
        final FlowKey[] keys = new FlowKey[PacketVector.MAX];
        final boolean[] tracked = new boolean[PacketVector.MAX];
        final long[] hashes = new long[PacketVector.MAX];
        /** Where the loads ahead of the judging pass go, so that the compiler keeps them. */
        long sink;
        Policy.Resolved resolved;
        /** Of the last vector's packets judged, how many the rules judged (the rest passed as tracked). */
        int judged, ruled;

        Worker() {
            for (int i = 0; i < fs.length; i++) {
                fs[i] = new PacketFields();
                keys[i] = new FlowKey();
            }
        }
    }

    private FirewallNode(String name, int mode, FirewallState fw) {
        this.name = name;
        this.mode = mode;
        this.fw = fw;
    }

    public static FirewallNode ip4Input(FirewallState fw) {
        return new FirewallNode(IP4_INPUT, MODE_IP4, fw);
    }

    public static FirewallNode ip6Input(FirewallState fw) {
        return new FirewallNode(IP6_INPUT, MODE_IP6, fw);
    }

    public static FirewallNode output(FirewallState fw) {
        return new FirewallNode(OUTPUT, MODE_OUTPUT, fw);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String arc() {
        return mode == MODE_IP4 ? Arcs.IP4_UNICAST : mode == MODE_IP6 ? Arcs.IP6_UNICAST : Arcs.OUTPUT;
    }

    @Override
    public List<String> runsAfter() {
        return mode == MODE_IP4 ? List.of("ip4-input") : mode == MODE_IP6 ? List.of("ip6-input") : List.of();
    }

    @Override
    public List<String> runsBefore() {
        return mode == MODE_IP4 ? List.of("ip4-lookup") : mode == MODE_IP6 ? List.of("ip6-lookup") : List.of();
    }

    @Override
    public boolean perInterface() {
        return true;
    }

    @Override
    public List<String> errors() {
        return ERRORS;
    }

    @Override
    public List<String> counters() {
        return COUNTERS;
    }

    @Override
    public void workers(int count) {
        workers.resize(count);
        fw.workers(count);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        Worker st = workers.get(ctx.worker());
        Policy.Resolved r = Policy.Resolved.current(st.resolved, fw.policy(), ctx.interfaces());
        st.resolved = r;
        ConnTable table = fw.table();
        boolean liberal = fw.liberal();
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long now = ctx.now();
        int w = ctx.worker();
        DenialLog log = fw.denials();
        boolean logging = log != null && log.on();
        int n = v.count();
        // Classify the IPv4 packets of one rule set together (their walks overlap) when the rules
        // judged a good share of the last vector; when most packets pass as tracked, ask per packet.
        boolean batch = st.ruled * 4 >= st.judged;
        CompiledSet batchSet = null;
        int batched = 0;
        for (int i = 0; i < n; i++) {
            st.sets[i] = null;
            st.ranks[i] = UNCLASSIFIED;
            int b = v.buffer(i);
            int iface = mode == MODE_OUTPUT ? pool.txInterface(b) : pool.rxInterface(b);
            int zone = pool.vrf(b);
            CompiledSet set = mode == MODE_OUTPUT ? r.output(iface) : r.input(iface);
            if (set == null) { // no set of the interface's own: its VRF's, if any
                set = mode == MODE_OUTPUT ? r.vrfOutput(zone) : r.vrfInput(zone);
            }
            if (set == null) {
                ctx.count(C_UNATTACHED, 1);
                continue;
            }
            PacketFields f = st.fs[i];
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int avail = pool.length(b) - l3;
            int res;
            if (mode == MODE_IP4) {
                res = f.parse4(m, ip, avail);
            } else if (mode == MODE_IP6) {
                res = f.parse6(m, ip, avail);
            } else {
                int type = l3 >= 14 && avail > 0 ? Short.toUnsignedInt(m.get(PacketFields.U16, ip - 2)) : 0;
                if (type == 0x0800) {
                    res = f.parse4(m, ip, avail);
                } else if (type == 0x86dd) {
                    res = f.parse6(m, ip, avail);
                } else {
                    ctx.count(C_NOT_IP, 1);
                    continue;
                }
            }
            if (res != PacketFields.OK) {
                v.drop(i, res);
                continue;
            }
            if (zone < 0 || zone >= ConnTable.MAX_ZONES) {
                v.drop(i, BAD_ZONE);
                continue;
            }
            st.sets[i] = set;
            boolean tracked = trackKey(st.keys[i], f, zone);
            st.tracked[i] = tracked;
            if (tracked) {
                st.hashes[i] = ConnTable.hash(st.keys[i]);
            }
            if (batch && f.family == 4 && (batchSet == null || batchSet == set) && !set.classifier.ip4.fellBack()) {
                batchSet = set;
                st.ka[batched] = DfaClassifier.key4a((int) (f.sh >>> 32), f.proto, f.flags, f.later);
                st.kb[batched] = DfaClassifier.key4b((int) (f.dh >>> 32), f.sport, f.dport);
                st.at[batched++] = i;
            }
        }
        // Each tracked packet's first two slots loaded in a loop of its own: the misses of a whole vector
        // in flight at once, before the judging pass needs them (one cache line a slot).
        long sink = 0;
        for (int i = 0; i < n; i++) {
            if (st.sets[i] != null && st.tracked[i]) {
                sink += table.peekWindow(st.hashes[i]);
            }
        }
        st.sink = sink;
        if (batched > 0) {
            batchSet.classifier.ip4.classify4(st.ka, st.kb, batched, st.out, st.scratch);
            for (int j = 0; j < batched; j++) {
                st.ranks[st.at[j]] = st.out[j];
            }
        }
        st.judged = 0;
        st.ruled = 0;
        for (int i = 0; i < n; i++) {
            CompiledSet set = st.sets[i];
            if (set == null) {
                continue;
            }
            PacketFields f = st.fs[i];
            int zone = pool.vrf(v.buffer(i));
            int reason = judge(set, table, st, i, f, st.ranks[i], zone, now, liberal, w, ctx);
            if (reason >= 0) {
                v.drop(i, reason);
                if (logging && (reason == DENIED || reason == NO_MATCH)) {
                    log.record(w, f, zone, reason);
                }
            }
        }
    }

    /** Sets {@code key} to the connection of a packet that can be tracked (TCP, UDP, ICMP echo; not a later fragment); whether it is one. */
    private static boolean trackKey(FlowKey key, PacketFields f, int zone) {
        if (f.later || !(f.proto == PacketFields.TCP || f.proto == PacketFields.UDP
                || f.icmpKind == PacketFields.ECHO_REQUEST || f.icmpKind == PacketFields.ECHO_REPLY)) {
            return false;
        }
        if (f.icmpKind != PacketFields.ICMP_OTHER) {
            key.set(f.family, zone, f.proto, f.sh, f.sl, f.icmpId, f.dh, f.dl, f.icmpId);
        } else {
            key.set(f.family, zone, f.proto, f.sh, f.sl, f.sport, f.dh, f.dl, f.dport);
        }
        return true;
    }

    /**
     * -1: pass; otherwise the drop reason, for the packet at place {@code i} of the vector (its key and
     * hash from the first pass). {@code rank}: the packet's rank if known, else UNCLASSIFIED.
     */
    private static int judge(CompiledSet set, ConnTable table, Worker st, int i, PacketFields f, int rank, int zone,
                             long now, boolean liberal, int worker, NodeContext ctx) {
        FlowKey key = st.keys[i];
        st.judged++;
        boolean trackable = st.tracked[i];
        int slot = -1;
        boolean orig = true;
        if (trackable) {
            slot = table.find(st.hashes[i], key, now);
            if (slot >= 0) {
                long word = table.word(slot);
                orig = ((word & ConnState.ORIG_IS_A) != 0) == key.fromA;
                if (!orig || (word & ConnState.SEEN_REPLY) != 0) {
                    int t = follow(table, slot, word, orig, f, now, liberal);
                    if (t == TcpTracker.REOPEN) {
                        slot = -1; // a new connection on the same ports: the rules decide
                    } else if (t >= 0) {
                        return t;
                    } else {
                        ctx.count(C_ESTABLISHED, 1);
                        return -1;
                    }
                }
            }
        } else if (f.icmpKind == PacketFields.ICMP_ERROR && f.innerOk) {
            key.set(f.family, zone, f.iproto, f.ish, f.isl, f.isport, f.idh, f.idl, f.idport);
            if (table.find(key, now) >= 0) {
                ctx.count(C_RELATED, 1);
                return -1;
            }
        }
        RuleSetClassifier c = set.classifier;
        st.ruled++;
        if (rank == UNCLASSIFIED) {
            DfaClassifier tc = f.family == 4 ? c.ip4 : c.ip6;
            rank = tc.classify(f.sh, f.sl, f.dh, f.dl, f.proto, f.sport, f.dport, f.flags, f.later);
        }
        if (rank < 0) {
            return NO_MATCH;
        }
        long[] hits = set.hits(worker);
        if (hits != null) {
            hits[rank]++;
        }
        byte action = c.action[rank];
        if (action == RuleSetClassifier.DENY) {
            return DENIED;
        }
        if (slot >= 0) {
            // An unanswered connection's originator again (a retransmission): the rules allowed it.
            int t = follow(table, slot, table.word(slot), orig, f, now, liberal);
            if (t == TcpTracker.REOPEN) {
                slot = -1;
            } else if (t >= 0) {
                return t;
            } else {
                ctx.count(C_PERMITTED, 1);
                return -1;
            }
        }
        if (action == RuleSetClassifier.PERMIT || !trackable) {
            ctx.count(C_PERMITTED, 1);
            return -1;
        }
        return open(table, key, f, zone, now, ctx);
    }

    private static int open(ConnTable table, FlowKey key, PacketFields f, int zone, long now, NodeContext ctx) {
        int state;
        if (f.proto == PacketFields.TCP) {
            if ((f.flags & (TcpTracker.SYN | TcpTracker.ACK | TcpTracker.RST | TcpTracker.FIN)) != TcpTracker.SYN) {
                return NO_SYN;
            }
            state = ConnState.SYN_SENT;
        } else if (f.proto == PacketFields.UDP) {
            state = ConnState.UDP_UNREPLIED;
        } else {
            if (f.icmpKind != PacketFields.ECHO_REQUEST) {
                return INVALID; // an echo reply with no request before it opens nothing
            }
            state = ConnState.ICMP_UNREPLIED;
        }
        long bits = ConnState.withState(key.fromA ? ConnState.ORIG_IS_A : 0, state);
        int slot = table.insert(key, zone, bits, now);
        if (slot == ConnTable.ZONE_FULL) {
            return ZONE_FULL;
        }
        if (slot < 0) {
            return TABLE_FULL;
        }
        if (f.proto == PacketFields.TCP) {
            TcpTracker.open(table, slot, f.seq, f.win, f.payload, f.scale);
        }
        ctx.count(C_OPENED, 1);
        return -1;
    }

    /** Follows a tracked connection's packet: -1 passed, REOPEN, or a drop reason. */
    private static int follow(ConnTable table, int slot, long word, boolean orig, PacketFields f, long now,
                              boolean liberal) {
        if (f.proto == PacketFields.TCP) {
            int t = TcpTracker.track(table, slot, orig, f.flags, f.seq, f.ack, f.win, f.payload, f.scale, liberal);
            if (t == TcpTracker.OUT_OF_WINDOW) {
                return OUT_OF_WINDOW;
            }
            if (t == TcpTracker.INVALID) {
                return INVALID;
            }
            if (t == TcpTracker.REOPEN) {
                table.kill(slot, table.word(slot));
                return TcpTracker.REOPEN;
            }
        } else if (!orig) {
            int s = ConnState.state(word);
            int replied = s == ConnState.UDP_UNREPLIED ? ConnState.UDP_REPLIED
                    : s == ConnState.ICMP_UNREPLIED ? ConnState.ICMP_REPLIED : s;
            long nw = ConnState.withState(word, replied) | ConnState.SEEN_REPLY;
            if (nw != word) {
                table.update(slot, word, nw); // lost to another worker's same change: theirs stands
            }
        }
        table.touch(slot, now);
        return -1;
    }
}
