package dev.junction.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig.Statement;
import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A statement declared once: usage, checks, defaults and reading back all come from its keys. */
class StatementSpecTest {
    static final StatementSpec TUNNEL = StatementSpec.named("tunnel", "test.tunnel")
            .key("iface", "IF", "the interface it leaves by", StatementSpec.name("an interface name"))
            .key("vni", "1..16777215", "the VXLAN network identifier", StatementSpec.number(1, 16_777_215))
            .key("learn", "true|false", "learn remote MACs", StatementSpec.bool(), Boolean.TRUE)
            .key("mode", "unicast|flood", "how unknown destinations go", StatementSpec.choice("unicast", "flood"), null)
            .unique("vni")
            .order(25)
            .check((name, v) -> {
                if (v.get("iface").equals(name)) {
                    throw new IllegalArgumentException("a tunnel cannot leave by itself");
                }
            })
            .build();

    private static List<Statement> parse(String text) throws ConfigException {
        Map<String, StatementType> types = new HashMap<>(ConfigSchema.KINDS);
        types.put(TUNNEL.kind(), TUNNEL);
        return ConfigParser.parse(text, "test", types);
    }

    @Test
    void usageAndKeysFollowFromTheDeclaration() {
        assertEquals("tunnel NAME iface=IF vni=1..16777215 [learn=true|false] [mode=unicast|flood]", TUNNEL.usage());
        assertEquals(List.of("iface", "vni", "learn", "mode"), List.copyOf(TUNNEL.keys().keySet()));
        assertEquals(java.util.Set.of("vni"), TUNNEL.uniqueKeys());
        assertEquals(25, TUNNEL.order(Map.of()));
    }

    @Test
    void aGoodStatementStoresTypedValuesWithDefaults() throws Exception {
        Statement s = parse("tunnel t1 iface=eth0 vni=5_000\n").getLast();
        assertEquals(Map.of("iface", "eth0", "vni", 5000L, "learn", true), s.settings());
    }

    @Test
    void eachMistakeSaysWhichKeyAndWhatIsAllowed() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(String.join("\n",
                "tunnel t1 vni=5",
                "tunnel t2 iface=eth0 vni=0",
                "tunnel t3 iface=eth0 vni=7 learn=maybe",
                "tunnel t4 iface=t4 vni=8",
                "tunnel t5 iface=eth0 vni=9 mode=anycast", "")));
        List<String> reasons = e.problems().stream().map(p -> p.line() + ": " + p.reason()).toList();
        assertTrue(reasons.get(0).startsWith("1: iface=IF is missing; write: tunnel NAME iface=IF"), reasons.toString());
        assertTrue(reasons.get(1).startsWith("2: vni: must be from 1 to 16777215, not 0"), reasons.toString());
        assertTrue(reasons.get(2).startsWith("3: learn: must be true or false, not 'maybe'"), reasons.toString());
        assertTrue(reasons.get(3).startsWith("4: a tunnel cannot leave by itself"), reasons.toString());
        assertTrue(reasons.get(4).startsWith("5: mode: must be unicast or flood, not 'anycast'"), reasons.toString());
        assertEquals(5, reasons.size(), reasons.toString());
    }

    @Test
    void aStoredConfigurationReadsBackWithItsDefaults() {
        Hashtable<String, Object> stored = new Hashtable<>(Map.of("name", "t1", "iface", "eth0", "vni", 5L, "other", "x"));
        assertEquals(Map.of("iface", "eth0", "vni", 5L, "learn", true), TUNNEL.read(stored));
    }
}
