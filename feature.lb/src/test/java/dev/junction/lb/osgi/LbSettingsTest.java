package dev.junction.lb.osgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import java.util.Hashtable;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.ConfigurationException;

/** {@code lb-settings}: its defaults, what it refuses, the timeouts applied at once, the table's size read at start. */
class LbSettingsTest {
    static final long S = 1_000_000_000L;

    private static LbControl control(FlowTable t) {
        return new LbControl(t, vrf -> 0, new LbControl.Steering() {
            @Override
            public void steer(int index, String vrf, String prefix, int family) {
            }

            @Override
            public void unsteer(int index) {
            }
        });
    }

    @Test
    void defaultsAreTheBundlesOwn() {
        Map<String, Object> v = LbStatements.SettingsStatement.SPEC.check(null, Map.of());
        assertEquals((long) (1 << 20), v.get("table"));
        assertEquals(900L, v.get("tcp"));
        assertEquals(10L, v.get("tcp-closing"));
        assertEquals(60L, v.get("udp"));
        // The defaults are what a table has before any statement.
        assertArrayEquals(new long[] {900 * S, 10 * S, 60 * S}, new FlowTable(1 << 10).timeouts());
        assertEquals(1 << 20, LbConfigurator.tableSize(null));
    }

    @Test
    void aBadSettingIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LbStatements.SettingsStatement.SPEC.check(null, Map.of("table", "1000000")));
        assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LbStatements.SettingsStatement.SPEC.check(null, Map.of("table", "512")));
        assertTrue(e.getMessage().startsWith("table"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LbStatements.SettingsStatement.SPEC.check(null, Map.of("udp", "0")));
        assertTrue(e.getMessage().startsWith("udp"), e.getMessage());
    }

    @Test
    void timeoutsApplyAtOnceAndTheSizeWhenTheBundleStarts() throws ConfigurationException {
        FlowTable table = new FlowTable(1 << 10);
        LbConfigurator c = new LbConfigurator(control(table));
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("table", 1L << 22);
        p.put("tcp", 3600L);
        p.put("tcp-closing", 5L);
        p.put("udp", 30L);
        c.settings().updated(p);
        assertArrayEquals(new long[] {3600 * S, 5 * S, 30 * S}, table.timeouts());
        assertEquals(1 << 10, table.capacity(), "the running table keeps its size");
        assertEquals(1 << 22, LbConfigurator.tableSize(p), "the next start makes a table of the stored size");
        // A bad stored value (written by hand) is refused whole: the timeouts stay, the size is the default.
        Hashtable<String, Object> bad = new Hashtable<>(p);
        bad.put("table", 3L);
        bad.put("udp", 1L);
        assertThrows(ConfigurationException.class, () -> c.settings().updated(bad));
        assertArrayEquals(new long[] {3600 * S, 5 * S, 30 * S}, table.timeouts());
        assertEquals(1 << 20, LbConfigurator.tableSize(bad));
    }
}
