package dev.junction.lb.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.lb.LoadBalancer;
import dev.junction.lb.LoadBalancer.BackendSpec;
import dev.junction.lb.LoadBalancer.HealthSpec;
import dev.junction.lb.LoadBalancer.ServiceSpec;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.nodes.TestContext;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The health checks end to end in frames: the checker queues probes, lb-probe's tick writes the SYNs
 * (every field and both checksums checked here by their own arithmetic), answers are forged as a
 * backend would send them, a SYN-ACK comes back out as the RST that ends it, outcomes and timeouts move
 * the state, and a backend found down leaves the Maglev table and comes back.
 */
class ProbeNodeTest {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final long MS = 1_000_000L;
    TestContext ctx;
    PacketPool pool;
    MemorySegment m;
    LbControl lb;
    ProbeSlots slots;
    ProbeNode node;
    HealthChecker checker;
    String source = "10.1.0.1";
    long now = 1_000_000_000L;

    @BeforeEach
    void setUp() {
        ctx = new TestContext(256);
        pool = ctx.pool;
        m = ctx.memory();
        lb = new LbControl(new FlowTable(1 << 12), vrf -> 0, new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
            }

            public void unsteer(int index) {
            }
        });
        slots = new ProbeSlots();
        node = ctx.ready(new ProbeNode(slots));
        checker = new HealthChecker(lb, slots, vrf -> 7, (vrf, address, family) -> source);
        lb.healthChecker(checker);
        lb.addService(new ServiceSpec("web", null, "10.0.0.100", "tcp", 80, null, 0, 0));
        lb.addBackend(new BackendSpec("web", "10.1.0.2", 0, 1, false));
        lb.addBackend(new BackendSpec("web", "10.1.0.3", 8080, 1, false));
    }

    /** The probes lb-probe sends on worker 0's tick now. */
    PacketVector tick() {
        PacketVector out = new PacketVector();
        java.util.Arrays.fill(ctx.counted, 0);
        ctx.worker = 0;
        node.tick(out, ctx);
        return out;
    }

    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** The 16-bit one's complement sum of bytes, word by word (RFC 1071), independent of the code under test. */
    int sum(long off, int len) {
        long s = 0;
        for (int i = 0; i < len; i += 2) {
            s += (m.get(ValueLayout.JAVA_BYTE, off + i) & 0xff) << 8 | (i + 1 < len ? m.get(ValueLayout.JAVA_BYTE, off + i + 1) & 0xff : 0);
        }
        return fold(s);
    }

    boolean tcpChecksumOk4(long ip) {
        int len = Short.toUnsignedInt(m.get(U16, ip + 2)) - 20;
        return fold((long) sum(ip + 12, 8) + 6 + len + sum(ip + 20, len)) == 0xffff;
    }

    record Seg(String src, String dst, int sport, int dport, int seq, int ack, int flags, int window) {
    }

    Seg seg(int b) {
        long ip = pool.data(b) + pool.l3Offset(b);
        assertEquals(0x45, m.get(ValueLayout.JAVA_BYTE, ip) & 0xff, "IPv4, 20-byte header");
        assertEquals(64, Ipv4.ttl(m, ip));
        assertEquals(6, Ipv4.protocol(m, ip));
        assertEquals(40, Ipv4.totalLength(m, ip), "no options, no data");
        assertEquals(pool.l3Offset(b) + 40, pool.length(b));
        assertEquals(0xffff, sum(ip, 20), "IPv4 header checksum");
        assertTrue(tcpChecksumOk4(ip), "TCP checksum over the pseudo-header");
        long tcp = ip + 20;
        assertEquals(5, (m.get(ValueLayout.JAVA_BYTE, tcp + 12) & 0xf0) >>> 4, "data offset 5");
        assertEquals(0, m.get(U16, tcp + 18), "urgent pointer");
        return new Seg(Ipv4.format(Ipv4.source(m, ip)), Ipv4.format(Ipv4.destination(m, ip)),
                Short.toUnsignedInt(m.get(U16, tcp)), Short.toUnsignedInt(m.get(U16, tcp + 2)), m.get(U32, tcp + 4),
                m.get(U32, tcp + 8), m.get(ValueLayout.JAVA_BYTE, tcp + 13) & 0x3f, Short.toUnsignedInt(m.get(U16, tcp + 14)));
    }

    /** An answer as the backend's kernel sends it: from backend:port to the probe's source and port. */
    int answer(Seg probe, int flags, int ack) {
        int b = pool.allocate();
        long f = pool.data(b);
        m.asSlice(f, 80).fill((byte) 0);
        m.set(U16, f + 12, (short) 0x0800);
        int len = ProbeFrames.write(m, f + 14, 4, 0, Ipv4.parse(probe.dst()) & 0xffffffffL, 0,
                Ipv4.parse(probe.src()) & 0xffffffffL, probe.dport(), probe.sport(), 0x1234_5678, ack, flags, 65535);
        pool.l3Offset(b, 14);
        pool.length(b, 14 + len);
        return b;
    }

    int run(int b) {
        PacketVector v = new PacketVector();
        v.add(b);
        java.util.Arrays.fill(ctx.counted, 0);
        node.process(v, ctx);
        return v.verdict(0);
    }

    Map<String, Seg> probes(PacketVector out) {
        Map<String, Seg> bySeg = new HashMap<>();
        for (int i = 0; i < out.count(); i++) {
            int b = out.buffer(i);
            assertEquals(ProbeNode.TO_IP4, out.verdict(i), "to ip4-lookup");
            assertEquals(14, pool.l3Offset(b));
            assertEquals(0x0800, Short.toUnsignedInt(m.get(U16, pool.data(b) + 12)));
            assertEquals(7, pool.vrf(b), "the service's VRF");
            Seg s = seg(b);
            bySeg.put(s.dst(), s);
        }
        return bySeg;
    }

    LoadBalancer.BackendHealth health(String key) {
        return lb.health().stream().filter(h -> h.backend().equals(key)).findFirst().orElseThrow();
    }

    int share(String key) {
        return lb.services().get(0).backends().stream().filter(b -> b.spec().key().equals(key)).findFirst().orElseThrow()
                .tableShare();
    }

    @Test
    void synProbesThenSynAckIsUpAndAnsweredWithRstAndRstIsAFailure() {
        lb.health(new HealthSpec("web", null, 1000, 300, 2, 2, 0, null));
        checker.run(now);
        checker.run(now += 60 * MS); // the first probes are spread over 50 ms
        PacketVector out = tick();
        assertEquals(2, out.count());
        assertEquals(2, ctx.counted[ProbeNode.C_SENT]);
        Map<String, Seg> p = probes(out);
        Seg a = p.get("10.1.0.2"), c = p.get("10.1.0.3");
        assertEquals(new Seg(source, "10.1.0.2", a.sport(), 80, a.seq(), 0, ProbeFrames.SYN, ProbeFrames.SYN_WINDOW), a,
                "SYN only, to the service's port (the backend has none)");
        assertEquals(8080, c.dport(), "to the backend's own port");
        assertTrue(a.sport() >= ProbeNode.FIRST_PORT && a.sport() < ProbeNode.FIRST_PORT + ProbeNode.PORTS, "a probe port");
        assertEquals(0, tick().count(), "each probe once");

        int synAck = answer(a, ProbeFrames.SYN | ProbeFrames.ACK, a.seq() + 1);
        assertEquals(ProbeNode.TO_IP4, run(synAck), "the SYN-ACK goes back out as a RST");
        assertEquals(1, ctx.counted[ProbeNode.C_SYN_ACK]);
        assertEquals(1, ctx.counted[ProbeNode.C_RST_SENT]);
        assertEquals(new Seg(source, "10.1.0.2", a.sport(), 80, a.seq() + 1, 0, ProbeFrames.RST, 0), seg(synAck),
                "RST with the sequence number the SYN-ACK acknowledged");

        int rst = answer(c, ProbeFrames.RST | ProbeFrames.ACK, c.seq() + 1);
        int verdict = run(rst);
        assertTrue(PacketVector.isDrop(verdict) && PacketVector.dropReason(verdict) == ProbeNode.REFUSED);
        assertEquals(1, ctx.counted[ProbeNode.C_RST]);

        checker.run(now += MS);
        assertEquals("up", health("10.1.0.2").state());
        assertEquals("syn-ack", health("10.1.0.2").last());
        assertEquals("unknown", health("10.1.0.3:8080").state(), "one failure of two");
        assertEquals("rst", health("10.1.0.3:8080").last());
        assertEquals(1, health("10.1.0.3:8080").fails());
    }

    /** A data segment from the backend: {@code text} after a bare TCP header, ACK and PSH. */
    int data(Seg probe, int seq, int ack, String text) {
        int b = pool.allocate();
        long f = pool.data(b);
        m.asSlice(f, 400).fill((byte) 0);
        m.set(U16, f + 12, (short) 0x0800);
        byte[] t = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment.copy(t, 0, m, ValueLayout.JAVA_BYTE, f + 14 + 40, t.length);
        int len = ProbeFrames.write(m, f + 14, 4, 0, Ipv4.parse(probe.dst()) & 0xffffffffL, 0,
                Ipv4.parse(probe.src()) & 0xffffffffL, probe.dport(), probe.sport(), seq, ack,
                ProbeFrames.ACK | ProbeFrames.PSH, 65535, t.length);
        pool.l3Offset(b, 14);
        pool.length(b, 14 + len);
        return b;
    }

    @Test
    void httpProbeSendsItsGetWithTheHandshakesAckAndTheStatusDecides() {
        lb.health(new HealthSpec("web", "http", 1000, 300, 1, 1, 0, null, "/health"));
        checker.run(now);
        checker.run(now += 60 * MS);
        Map<String, Seg> p = probes(tick());
        Seg a = p.get("10.1.0.2"), c = p.get("10.1.0.3");
        assertEquals(ProbeFrames.SYN, a.flags(), "a SYN first, as the TCP probe");

        int synAck = answer(a, ProbeFrames.SYN | ProbeFrames.ACK, a.seq() + 1); // the backend's ISN: 0x12345678
        assertEquals(ProbeNode.TO_IP4, run(synAck));
        assertEquals(1, ctx.counted[ProbeNode.C_HTTP_SENT]);
        long ip = pool.data(synAck) + 14, tcp = ip + 20;
        assertEquals(40 + ProbeSlots.REQUEST_LENGTH, Ipv4.totalLength(m, ip));
        assertEquals(0xffff, sum(ip, 20), "IPv4 header checksum");
        assertTrue(tcpChecksumOk4(ip), "TCP checksum over header and request");
        assertEquals(a.seq() + 1, m.get(U32, tcp + 4), "our next sequence number");
        assertEquals(0x1234_5679, m.get(U32, tcp + 8), "acknowledges the backend's SYN");
        assertEquals(ProbeFrames.ACK | ProbeFrames.PSH, m.get(ValueLayout.JAVA_BYTE, tcp + 13));
        assertEquals(Ipv4.parse(source), Ipv4.source(m, ip));
        byte[] req = new byte[ProbeSlots.REQUEST_LENGTH];
        MemorySegment.copy(m, ValueLayout.JAVA_BYTE, tcp + 20, req, 0, req.length);
        String text = new String(req, java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("GET /health HTTP/1.0\r\nHost: 10.1.0.2:80\r\n") && text.endsWith("\r\n\r\n"), text);
        checker.run(now += MS);
        assertEquals("unknown", health("10.1.0.2").state(), "a SYN-ACK alone does not decide an HTTP probe");

        int answer = data(a, 0x1234_5679, a.seq() + 1 + ProbeSlots.REQUEST_LENGTH, "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n");
        assertEquals(ProbeNode.TO_IP4, run(answer), "the answer goes back out as a RST");
        assertEquals(1, ctx.counted[ProbeNode.C_HTTP_ANSWERS]);
        assertEquals(new Seg(source, "10.1.0.2", a.sport(), 80, a.seq() + 1 + ProbeSlots.REQUEST_LENGTH, 0, ProbeFrames.RST, 0),
                seg(answer), "RST at the sequence number the answer acknowledged");

        run(answer(c, ProbeFrames.SYN | ProbeFrames.ACK, c.seq() + 1));
        run(data(c, 0x1234_5679, c.seq() + 1 + ProbeSlots.REQUEST_LENGTH, "HTTP/1.1 503 Service Unavailable\r\n\r\n"));
        checker.run(now += MS);
        assertEquals("up", health("10.1.0.2").state());
        assertEquals("http 200", health("10.1.0.2").last());
        assertEquals("down", health("10.1.0.3:8080").state(), "fall 1");
        assertEquals("http 503", health("10.1.0.3:8080").last());
        assertEquals(0, share("10.1.0.3:8080"));
    }

    @Test
    void httpProbeRequestsAreAllOneLength() {
        assertEquals(ProbeSlots.REQUEST_LENGTH, HealthChecker.request("/", "10.1.0.2", 80).length);
        assertEquals(ProbeSlots.REQUEST_LENGTH, HealthChecker.request("/" + "x".repeat(63),
                "2001:db8:1234:5678:9abc:def0:1234:5678", 65535).length, "the longest path and host");
        assertThrows(IllegalArgumentException.class, () -> lb.health(new HealthSpec("web", "http", 0, 0, 0, 0, 0, null, "/a b")));
        assertThrows(IllegalArgumentException.class, () -> lb.health(new HealthSpec("web", "tcp", 0, 0, 0, 0, 0, null, "/")));
    }

    @Test
    void answersToNoProbeAreStraysAndBadChecksumsAreDropped() {
        lb.health(new HealthSpec("web", null, 1000, 300, 2, 2, 0, null));
        checker.run(now);
        checker.run(now += 60 * MS);
        Seg a = probes(tick()).get("10.1.0.2");
        int wrongAck = answer(a, ProbeFrames.SYN | ProbeFrames.ACK, a.seq() + 2);
        assertEquals(ProbeNode.TO_IP4, run(wrongAck), "a stray SYN-ACK is ended too");
        assertEquals(1, ctx.counted[ProbeNode.C_STRAY]);
        assertEquals(0, ctx.counted[ProbeNode.C_SYN_ACK]);
        int bad = answer(a, ProbeFrames.SYN | ProbeFrames.ACK, a.seq() + 1);
        long tcp = pool.data(bad) + 14 + 20;
        m.set(U16, tcp + 14, (short) 1); // the window changed, the checksum not
        int v = run(bad);
        assertTrue(PacketVector.isDrop(v) && PacketVector.dropReason(v) == ProbeNode.BAD_CHECKSUM);
        int ack = answer(a, ProbeFrames.ACK, a.seq() + 1);
        v = run(ack);
        assertTrue(PacketVector.isDrop(v) && PacketVector.dropReason(v) == ProbeNode.NOT_AN_ANSWER);
        checker.run(now += MS);
        assertEquals("unknown", health("10.1.0.2").state(), "no answer counted yet");
        assertEquals(0, health("10.1.0.2").probes());
    }

    @Test
    void aBackendThatStopsAnsweringLeavesTheTableAfterFallAndComesBackAfterRise() {
        lb.health(new HealthSpec("web", null, 200, 100, 2, 2, 0, null));
        assertTrue(share("10.1.0.3:8080") > 0);
        long killedAt = now;
        checker.run(now); // the backends are checked from the first round on
        int rounds = 0;
        while (!health("10.1.0.3:8080").state().equals("down")) {
            checker.run(now);
            Map<String, Seg> p = probes(tick());
            Seg a = p.get("10.1.0.2");
            if (a != null) {
                run(answer(a, ProbeFrames.SYN | ProbeFrames.ACK, a.seq() + 1));
            }
            now += 10 * MS;
            assertTrue(++rounds < 1000, "never went down");
        }
        long took = now - killedAt;
        assertTrue(took <= (2 * 200 + 100 + 60) * MS, "down within interval x fall + timeout (+ the spread): " + took / MS + " ms");
        assertEquals("timeout", health("10.1.0.3:8080").last());
        assertEquals(0, share("10.1.0.3:8080"), "out of the Maglev table");
        assertEquals(lb.services().get(0).spec().tableSize(), share("10.1.0.2"), "the other has every entry");
        assertTrue(lb.isDown("web 10.1.0.3:8080"));
        assertTrue(lb.snapshot().backends[1].down);

        int passes = 0;
        while (!health("10.1.0.3:8080").state().equals("up")) {
            checker.run(now);
            for (Seg s : probes(tick()).values()) {
                run(answer(s, ProbeFrames.SYN | ProbeFrames.ACK, s.seq() + 1));
                passes += s.dst().equals("10.1.0.3") ? 1 : 0;
            }
            now += 10 * MS;
            assertTrue(++rounds < 2000, "never came back");
        }
        checker.run(now);
        assertEquals(2, passes, "rise 2");
        assertTrue(share("10.1.0.3:8080") > 0, "back in the table");
        assertTrue(!lb.snapshot().backends[1].down);
    }

    @Test
    void noSourceAddressIsAFailureAndRemovingTheChecksPutsEveryBackendBack() {
        source = null;
        lb.health(new HealthSpec("web", null, 100, 50, 1, 1, 0, null));
        checker.run(now);
        checker.run(now += 60 * MS);
        assertEquals(0, tick().count(), "nothing to send from");
        assertEquals("down", health("10.1.0.2").state());
        assertEquals("no source address", health("10.1.0.2").last());
        assertEquals(0, lb.services().get(0).backends().stream().mapToInt(LoadBalancer.BackendStatus::tableShare).sum(),
                "both down: no entries");
        lb.removeHealth("web");
        assertEquals(List.of(), lb.health());
        assertTrue(share("10.1.0.2") > 0 && share("10.1.0.3:8080") > 0, "no checks: as the weights say");
    }

    @Test
    void healthSettingsAreRefusedWholeWithTheRightForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> lb.health(new HealthSpec("web", null, 100, 200, 0, 0, 0, null)));
        assertTrue(e.getMessage().contains("timeout 200 ms"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> lb.health(new HealthSpec("web", "udp", 0, 0, 0, 0, 0, null)));
        assertTrue(e.getMessage().contains("say tcp"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lb.health(new HealthSpec("web", null, 0, 0, 0, 0, 0, "10.1")));
        assertEquals(List.of(), lb.healthSpecs(), "nothing kept");
        lb.health(new HealthSpec("web", null, 0, 0, 0, 0, 0, null));
        assertEquals(List.of(new HealthSpec("web", "tcp", 1000, 500, 3, 2, 0, null)), lb.healthSpecs(), "the defaults");
    }

    @Test
    void ipv6SynHasAVerifyingChecksum() {
        int b = pool.allocate();
        long ip = pool.data(b) + 14;
        int len = ProbeFrames.write(m, ip, 6, 0x20010db8_00000000L, 1, 0x20010db8_00000000L, 2, 61000, 80, 0x0abc_d001, 0,
                ProbeFrames.SYN, ProbeFrames.SYN_WINDOW);
        assertEquals(60, len);
        assertEquals(0x60, m.get(ValueLayout.JAVA_BYTE, ip) & 0xf0);
        assertEquals(20, Short.toUnsignedInt(m.get(U16, ip + 4)), "payload length");
        assertEquals(6, m.get(ValueLayout.JAVA_BYTE, ip + 6));
        assertEquals(64, m.get(ValueLayout.JAVA_BYTE, ip + 7) & 0xff);
        assertEquals(0xffff, fold((long) sum(ip + 8, 32) + 6 + 20 + sum(ip + 40, 20)), "TCP over the IPv6 pseudo-header");
        assertEquals(ProbeFrames.SYN, m.get(ValueLayout.JAVA_BYTE, ip + 40 + 13));
    }
}
