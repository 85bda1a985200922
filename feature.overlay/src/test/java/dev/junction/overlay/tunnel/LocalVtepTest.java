package dev.junction.overlay.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.overlay.TunnelSettings;
import dev.junction.packet.Ipv4;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What ip4-vxlan-bypass asks of the configuration: whether UDP to a port of an address in a VRF is
 * an IPv4 VXLAN tunnel's local end. Few ends are scanned, many searched: both answer alike; IPv6
 * and NVGRE tunnels are no IPv4 VXLAN end.
 */
class LocalVtepTest {
    private final TunnelControl control = new TunnelControl(o -> { }, o -> { }, new TunnelControl.Interfaces() {
        @Override
        public void enableFeature(String node, String iface, boolean enabled) {
        }

        @Override
        public boolean exists(String iface) {
            return false;
        }
    }, vrf -> vrf.equals("default") ? 0 : 3);

    @AfterEach
    void close() {
        control.close();
    }

    @Test
    void fewAndManyLocalEnds() {
        control.tunnel(TunnelSettings.vxlan("v6", "2001:db8::1", "2001:db8::2", 7));
        control.tunnel(TunnelSettings.nvgre("g0", "10.0.0.1", "10.0.0.9", 0x5001));
        assertFalse(control.config().anyVtep4(), "IPv6 and NVGRE tunnels end no IPv4 VXLAN");
        control.tunnel(TunnelSettings.vxlan("a", "10.0.0.1", "10.0.0.2", 100));
        control.tunnel(TunnelSettings.vxlan("b", "10.0.0.1", "10.0.0.3", 100)); // the same end again
        check(1);
        for (int i = 0; i < 12; i++) {
            control.tunnel(new TunnelSettings("m" + i, TunnelSettings.VXLAN, "10.0.1." + (i + 1), "10.0.2.1", 200 + i,
                    i % 2 == 0 ? "default" : "blue", 4789 + i % 3, 0));
        }
        check(13); // more than the scan's eight: the binary search answers
        assertEquals(13, control.config().vtep4.length);
    }

    private void check(int ends) {
        TunnelConfig c = control.config();
        assertTrue(c.anyVtep4());
        assertEquals(ends, c.vtep4.length);
        assertTrue(c.isVtep4(0, 4789, Ipv4.parse("10.0.0.1")));
        assertFalse(c.isVtep4(0, 4790, Ipv4.parse("10.0.0.1")), "another port");
        assertFalse(c.isVtep4(3, 4789, Ipv4.parse("10.0.0.1")), "another VRF");
        assertFalse(c.isVtep4(0, 4789, Ipv4.parse("10.0.0.2")), "a remote end is not local");
        for (int i = 0; i < ends - 1; i++) {
            int vrf = i % 2 == 0 ? 0 : 3, port = 4789 + i % 3, address = Ipv4.parse("10.0.1." + (i + 1));
            assertTrue(c.isVtep4(vrf, port, address), "m" + i);
            assertFalse(c.isVtep4(3 - vrf, port, address), "m" + i + " in the other VRF");
            assertFalse(c.isVtep4(vrf, port + 3, address), "m" + i + " on another port");
        }
    }
}
