package dev.junction.drivers.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code linux NAME [type=afpacket|afxdp|tap] [iface=IFNAME] [mode=native|generic|auto] [queues=N]}, declared once as a StatementSpec. */
class LinuxStatementTest {
    private final LinuxStatement linux = new LinuxStatement();

    private String refusal(String name, Map<String, String> words) {
        return assertThrows(IllegalArgumentException.class, () -> linux.check(name, words)).getMessage();
    }

    @Test
    void afpacketStoresItsInterfaceNameByDefaultAndTapsNone() {
        assertEquals("linux NAME [type=afpacket|afxdp|tap] [iface=IFNAME] [mode=native|generic|auto] [queues=N]", linux.usage());
        assertEquals(Map.of("type", "afpacket", "iface", "lo"), linux.check("lo", Map.of()));
        assertEquals(Map.of("type", "afpacket", "iface", "lo"), linux.check("j1", Map.of("iface", "lo")));
        assertEquals(Map.of("type", "tap"), linux.check("tap7", Map.of("type", "tap")));
    }

    @Test
    void afxdpStoresItsInterfaceAndModeAutoByDefault() {
        assertEquals(Map.of("type", "afxdp", "iface", "lo", "mode", "auto", "queues", 1L), linux.check("lo", Map.of("type", "afxdp")));
        assertEquals(Map.of("type", "afxdp", "iface", "lo", "mode", "generic", "queues", 1L),
                linux.check("x1", Map.of("type", "afxdp", "iface", "lo", "mode", "generic")));
        assertEquals("mode: must be native or generic or auto, not 'fast'", refusal("x1", Map.of("type", "afxdp", "iface", "lo", "mode", "fast")));
        assertEquals("mode is for afxdp, not afpacket", refusal("lo", Map.of("mode", "native")));
        assertEquals("queues is for afxdp, not afpacket", refusal("lo", Map.of("queues", "2")));
        assertEquals("queues=2: lo has 1 receive queue (ethtool -l lo)", refusal("lo", Map.of("type", "afxdp", "queues", "2")));
        assertEquals("queues: must be from 1 to 64, not 0", refusal("lo", Map.of("type", "afxdp", "queues", "0")));
        assertEquals("no Linux interface named 'no-such-if0' (see ip link)", refusal("x1", Map.of("type", "afxdp", "iface", "no-such-if0")));
    }

    @Test
    void eachMistakeSaysWhatIsWrong() {
        assertEquals("type: must be afpacket or afxdp or tap, not 'veth'", refusal("x", Map.of("type", "veth")));
        assertEquals("no Linux interface named 'no-such-if0' (see ip link)", refusal("j1", Map.of("iface", "no-such-if0")));
        assertEquals("a TAP name has at most 15 characters (Linux IFNAMSIZ): tap-with-a-long-name",
                refusal("tap-with-a-long-name", Map.of("type", "tap")));
        assertEquals("a tap is named by NAME; iface is for afpacket and afxdp", refusal("t1", Map.of("type", "tap", "iface", "lo")));
    }
}
