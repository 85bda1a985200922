package dev.junction.firewall.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rate-limited denial log: the workers note denied packets in their rings, the control thread's
 * drain makes at most K lines and sums the rest; off, nothing is noted; permitted packets never are.
 */
class DenialLogTest {
    private static final String IN = ConnTrackTest.IN, OUT = ConnTrackTest.OUT, IN6 = ConnTrackTest.IN6, OUT6 = ConnTrackTest.OUT6;
    private final ConnTrackTest t = new ConnTrackTest(); // its nodes, rule sets and frames, not its tests
    private Frames frames;
    private dev.junction.firewall.control.FirewallControl fw;

    @org.junit.jupiter.api.BeforeEach
    void setUp() {
        t.setUp();
        frames = t.frames;
        fw = t.fw;
    }

    private int run(int b) {
        return t.run(b);
    }

    private void handshake(String in, String out, int sport) {
        t.handshake(in, out, sport);
    }
    @Test
    void offLogsNothing() {
        for (int i = 0; i < 10; i++) {
            assertTrue(run(frames.tcp(1, 0, OUT, 80, IN, 40000 + i, Frames.SYN, 1, 0, 1000, 0)) >= 0);
        }
        assertEquals(List.of(), fw.denials().drain());
    }

    @Test
    void atMostKLinesADrainAndOneSummaryOfTheRest() {
        fw.logDenials(5);
        handshake(IN, OUT, 39999); // permitted and tracked: never logged
        assertEquals(List.of(), fw.denials().drain());
        assertEquals(FirewallNode.DENIED, run(frames.udp(0, 0, IN, 5000, OUT, 9)));
        for (int i = 0; i < 99; i++) {
            assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 3, OUT, 80, IN, 40000 + i, Frames.SYN, 1, 0, 1000, 0)));
        }
        List<String> lines = fw.denials().drain();
        assertEquals(6, lines.size(), lines.toString());
        // The ring gives the last 63: the UDP one and the first 36 SYNs were overwritten.
        assertEquals("fw denied (no rule matched (default deny)) zone 3 tcp 10.2.0.2:80 > 10.1.0.2:40036", lines.get(0));
        assertEquals("fw denied (no rule matched (default deny)) zone 3 tcp 10.2.0.2:80 > 10.1.0.2:40040", lines.get(4));
        assertEquals("fw denied 95 more packets not logged (log-denials=5 lines a second)", lines.get(5));
        assertEquals(List.of(), fw.denials().drain(), "drained: nothing twice");

        assertEquals(FirewallNode.DENIED, run(frames.udp(0, 0, IN, 5000, OUT, 9)));
        assertEquals(FirewallNode.NO_MATCH, run(frames.tcp(1, 0, OUT6, 443, IN6, 41000, Frames.SYN, 1, 0, 1000, 0)));
        assertEquals(List.of("fw denied (denied by rule) zone 0 udp 10.1.0.2:5000 > 10.2.0.2:9",
                "fw denied (no rule matched (default deny)) zone 0 tcp [2001:db8:2::2]:443 > [2001:db8:1::2]:41000"),
                fw.denials().drain());

        fw.logDenials(0);
        assertEquals(FirewallNode.DENIED, run(frames.udp(0, 0, IN, 5000, OUT, 9)));
        assertEquals(List.of(), fw.denials().drain(), "turned off: not noted");
        assertThrows(IllegalArgumentException.class, () -> fw.logDenials(-1));
    }
}
