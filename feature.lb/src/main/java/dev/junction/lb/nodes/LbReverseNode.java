package dev.junction.lb.nodes;

import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.control.Snapshot;
import dev.junction.lb.flows.FlowTable;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code lb-nat4-reverse} and {@code lb-nat6-reverse}: features of ip4-unicast / ip6-unicast (after
 * ip4-input / ip6-input, before the lookup) on every interface. A packet that {@link FlowTable#findReply}
 * finds a NAT flow for (from the flow's backend address and port to its client's) is a backend's reply:
 * its source address and port become the VIP's (the flow's key's destination), checksums updated
 * incrementally, and it goes on to be routed to the client. Every other packet goes on untouched. One
 * table lookup per TCP or UDP packet from a backend's address while any service is NAT (none
 * otherwise); nothing is dropped here.
 */
public final class LbReverseNode implements PacketNode {
    public static final String IP4 = "lb-nat4-reverse", IP6 = "lb-nat6-reverse";
    static final int C_REVERSED = 0, C_PASSED = 1;
    static final List<String> COUNTERS = List.of("replies rewritten to the VIP", "not a load-balanced reply (passed)");

    private final String name;
    private final int family;
    private final LbControl lb;
    /** Per worker: the vector's parsed fields (the candidates' only), as lb-ip4's. */
    private final PerWorker<ParsedVector> parsed = new PerWorker<>(i -> new ParsedVector(true));

    private LbReverseNode(String name, int family, LbControl lb) {
        this.name = name;
        this.family = family;
        this.lb = lb;
    }

    public static LbReverseNode ip4(LbControl lb) {
        return new LbReverseNode(IP4, 4, lb);
    }

    public static LbReverseNode ip6(LbControl lb) {
        return new LbReverseNode(IP6, 6, lb);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String arc() {
        return family == 4 ? Arcs.IP4_UNICAST : Arcs.IP6_UNICAST;
    }

    @Override
    public List<String> runsAfter() {
        return List.of(family == 4 ? "ip4-input" : "ip6-input");
    }

    @Override
    public List<String> runsBefore() {
        return List.of(family == 4 ? "ip4-lookup" : "ip6-lookup");
    }

    @Override
    public List<String> counters() {
        return COUNTERS;
    }

    @Override
    public void workers(int count) {
        parsed.resize(count);
        lb.workers(count);
    }

    @Override
    public void process(PacketVector v, NodeContext ctx) {
        Snapshot snap = lb.snapshot();
        int n = v.count();
        if (!snap.anyNat) {
            ctx.count(C_PASSED, n); // no NAT service: no reply to rewrite, no lookup to pay for
            return;
        }
        int w = ctx.worker();
        ParsedVector p = parsed.get(w);
        long[] counters = lb.backendCounters.get(w);
        FlowTable t = lb.table();
        PacketPool pool = ctx.pool();
        MemorySegment m = ctx.memory();
        long now = ctx.now();
        boolean ip4 = family == 4;
        // First the packets that may be replies: from a backend's address (the source read before any
        // parse), parsed, their keys hashed; the others pass without a parse or a lookup.
        int[] cand = p.miss; // the candidates by index (lb-ip4 keeps its packets of no flow there)
        int candidates = 0;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int l3 = pool.l3Offset(b);
            long ip = pool.data(b) + l3;
            int avail = pool.length(b) - l3;
            if (ip4 ? avail >= 20 && !snap.maybeBackend(0, m.get(Checksums.U32, ip + 12) & 0xffffffffL)
                    : avail >= 40 && !snap.maybeBackend(m.get(Checksums.U64, ip + 8), m.get(Checksums.U64, ip + 16))) {
                continue;
            }
            int res = ip4 ? p.parse4(m, i, ip, avail, pool.vrf(b)) : p.parse6(m, i, ip, avail, pool.vrf(b));
            if (res == Headers.OK) {
                cand[candidates++] = i;
            }
        }
        // Then a load of each one's window ahead, in a loop of its own, so that the misses of a vector of
        // replies are in flight together (one after the other they cost a line's latency each).
        long sink = 0;
        long[] hash = p.hash;
        for (int j = 0; j < candidates; j++) {
            sink += t.peekWindow(hash[cand[j]], !ip4);
        }
        p.sink = sink;
        long reversed = 0;
        for (int j = 0; j < candidates; j++) {
            int i = cand[j];
            int slot = t.findReply(hash[i], p.k0[i], p.sh[i], p.sl[i], p.dh[i], p.dl[i], now);
            if (slot < 0) {
                continue;
            }
            counters[FlowTable.backend(t.value(slot, 2)) * 2 + 1]++;
            if (p.ends(i)) {
                t.close(slot);
            }
            t.touch(slot, now);
            // The VIP: the flow's key's destination address and port.
            p.rewriteSource(m, i, ip4, ip4 ? 0 : t.key(slot, 3), t.key(slot, 4), (int) t.key(slot, 0) & 0xffff);
            reversed++;
        }
        ctx.count(C_REVERSED, reversed);
        ctx.count(C_PASSED, n - reversed);
    }
}
