package dev.junction.firewall.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.packet.PacketVector;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The input node classifies a vector's IPv4 packets together (one batch walk of the DFA), or one at a
 * time when most of the last vector passed as tracked. Both ways must give every packet the verdict
 * the rules give it: a full vector of mixed packets, the same packets one a vector, and a vector
 * after one that the connection table judged (the per-packet way), each against a reference written
 * here from the rules' meaning. Packets from two interfaces with two rule sets share one vector.
 */
class VectorClassifyTest {
    static final int PASS = -1;

    final TestContext ctx = new TestContext(PacketVector.MAX * 2 + 8);
    final Frames frames = new Frames(ctx.pool);
    final FirewallControl fw = new FirewallControl(new ConnTable(1024), (n, i, on) -> { }, () -> ctx.now);
    final PacketVector v = new PacketVector();

    record Pkt(int rx, String src, String dst, boolean tcp, int dport) { }

    /** Set "a" on j0, set "b" on j1, in the rules' order of priority. */
    FirewallNode node() {
        fw.ruleSet("a", List.of(
                Rule.parse("priority=10 action=deny src=10.9.0.0/16"),
                Rule.parse("priority=20 action=permit proto=udp dport=1000-1999"),
                Rule.parse("priority=30 action=deny proto=tcp dport=22"),
                Rule.parse("priority=40 action=permit dst=10.2.0.0/16 proto=tcp"),
                Rule.parse("priority=50 action=permit+track src=10.1.7.0/24 proto=udp")));
        fw.ruleSet("b", List.of(
                Rule.parse("priority=10 action=permit proto=tcp dport=22"),
                Rule.parse("priority=20 action=deny dst=10.2.0.0/16")));
        fw.attach("j0", Direction.INPUT, "a");
        fw.attach("j1", Direction.INPUT, "b");
        return ctx.ready(FirewallNode.ip4Input(fw));
    }

    /** The reference, from the rules above. */
    static int expected(Pkt p) {
        boolean dst2 = p.dst.startsWith("10.2.");
        if (p.rx == 0) {
            if (p.src.startsWith("10.9.")) {
                return FirewallNode.DENIED;
            }
            if (!p.tcp && p.dport >= 1000 && p.dport <= 1999) {
                return PASS;
            }
            if (p.tcp && p.dport == 22) {
                return FirewallNode.DENIED;
            }
            if (p.tcp && dst2) {
                return PASS;
            }
            if (!p.tcp && p.src.startsWith("10.1.7.")) {
                return PASS;
            }
            return FirewallNode.NO_MATCH;
        }
        if (p.tcp && p.dport == 22) {
            return PASS;
        }
        return dst2 ? FirewallNode.DENIED : FirewallNode.NO_MATCH;
    }

    static Pkt[] packets(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ports = {22, 80, 999, 1000, 1500, 1999, 2000, 65535};
        String[] srcs = {"10.9.", "10.1.", "10.1.7.", "10.4."};
        Pkt[] ps = new Pkt[n];
        for (int i = 0; i < n; i++) {
            String s = srcs[r.nextInt(srcs.length)];
            String src = s + (s.length() == 5 ? r.nextInt(256) + "." : "") + (1 + r.nextInt(250));
            String dst = (r.nextBoolean() ? "10.2." : "10.3.") + r.nextInt(256) + "." + (1 + r.nextInt(250));
            int dport = r.nextInt(4) == 0 ? r.nextInt(65536) : ports[r.nextInt(ports.length)];
            ps[i] = new Pkt(r.nextInt(2), src, dst, r.nextBoolean(), dport);
        }
        return ps;
    }

    int frame(Pkt p, int sport) {
        return p.tcp ? frames.tcp(p.rx, 0, p.src, sport, p.dst, p.dport, Frames.ACK, 1, 1, 1000, 0)
                : frames.udp(p.rx, 0, p.src, sport, p.dst, p.dport);
    }

    /** Runs the packets as one vector; returns each one's verdict (PASS or the drop reason). */
    int[] runVector(FirewallNode node, Pkt[] ps, int sport) {
        v.clear();
        for (Pkt p : ps) {
            v.add(frame(p, sport));
        }
        node.process(v, ctx);
        int[] out = new int[ps.length];
        for (int i = 0; i < ps.length; i++) {
            int verdict = v.verdict(i);
            out[i] = PacketVector.isDrop(verdict) ? PacketVector.dropReason(verdict) : PASS;
            ctx.pool.free(v.buffer(i));
        }
        return out;
    }

    @Test
    void aWholeVectorAndOnePacketAVectorGetTheRulesVerdicts() {
        FirewallNode node = node();
        Pkt[] ps = packets(PacketVector.MAX, 17);
        int[] whole = runVector(node, ps, 40000);
        int passed = 0, denied = 0, unmatched = 0;
        for (int i = 0; i < ps.length; i++) {
            assertEquals(expected(ps[i]), whole[i], "packet " + i + " " + ps[i]);
            passed += whole[i] == PASS ? 1 : 0;
            denied += whole[i] == FirewallNode.DENIED ? 1 : 0;
            unmatched += whole[i] == FirewallNode.NO_MATCH ? 1 : 0;
        }
        // The mix exercises every outcome, so a node that passed or dropped all would fail.
        assertTrue(passed > 20 && denied > 20 && unmatched > 20, passed + "/" + denied + "/" + unmatched);
        for (int i = 0; i < ps.length; i++) {
            assertEquals(expected(ps[i]), runVector(node, new Pkt[] {ps[i]}, 40001)[0], "alone: " + ps[i]);
        }
    }

    @Test
    void afterAVectorOfTrackedPacketsEachPacketIsStillJudgedByTheRules() {
        FirewallNode node = node();
        // Open one tracked UDP flow from 10.1.7.5 (rule 50 of set "a") and answer it, then send a
        // vector of its packets: the table passes them all without the rules, so the next vector is
        // classified one packet at a time.
        Pkt flow = new Pkt(0, "10.1.7.5", "10.3.0.9", false, 5353);
        assertEquals(PASS, runVector(node, new Pkt[] {flow}, 7000)[0]);
        assertEquals(PASS, runVector(node, new Pkt[] {new Pkt(1, "10.3.0.9", "10.1.7.5", false, 7000)}, 5353)[0]);
        Pkt[] tracked = new Pkt[PacketVector.MAX];
        java.util.Arrays.fill(tracked, flow);
        for (int verdict : runVector(node, tracked, 7000)) {
            assertEquals(PASS, verdict);
        }
        Pkt[] ps = packets(PacketVector.MAX, 23);
        int[] got = runVector(node, ps, 41000);
        for (int i = 0; i < ps.length; i++) {
            assertEquals(expected(ps[i]), got[i], "packet " + i + " " + ps[i]);
        }
    }
}
