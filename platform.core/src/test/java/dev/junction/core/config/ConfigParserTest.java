package dev.junction.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig.Statement;
import dev.junction.config.StatementType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigParserTest {

    static List<Statement> parse(String text, String source) throws ConfigException {
        return ConfigParser.parse(text, source, new java.util.HashMap<String, StatementType>(ConfigSchema.KINDS));
    }

    /** A statement a plugin adds, as the Linux driver does. */
    static class Extra implements StatementType {
        public String kind() {
            return "extra";
        }

        public boolean named() {
            return true;
        }

        public String pid() {
            return "test.extra";
        }

        public Map<String, String> keys() {
            return Map.of("colour", "a colour");
        }

        public String usage() {
            return "extra NAME [colour=red|blue]";
        }

        /** No two extras of one colour, as no two VRFs of one table. */
        @Override
        public java.util.Set<String> uniqueKeys() {
            return java.util.Set.of("colour");
        }

        public Map<String, Object> check(String name, Map<String, String> words) {
            String c = words.getOrDefault("colour", "red");
            if (!c.equals("red") && !c.equals("blue")) {
                throw new IllegalArgumentException("colour must be red or blue, not '" + c + "'");
            }
            return Map.of("colour", c);
        }
    }

    @Test
    void bundlesAddStatements() throws Exception {
        var types = new java.util.HashMap<String, StatementType>(ConfigSchema.KINDS);
        types.put("extra", new Extra());
        assertEquals(Map.of("colour", "blue"), ConfigParser.parse("extra e1 colour=blue\n", "f", types).getFirst().settings());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("extra e1 colour=green\n", "f", types));
        assertEquals("f:1: colour must be red or blue, not 'green'", e.problems().getFirst().toString());
        e = assertThrows(ConfigException.class, () -> parse("extra e1\n", "f"));
        assertEquals("f:1: unknown statement 'extra'; statements: dataplane, interface, memdev", e.problems().getFirst().toString());
    }

    @Test
    void theEmbeddedDefaultParses() throws Exception {
        // Its cross-connect is feature.l2's statement: the core parses it once that bundle declared it.
        var types = new java.util.HashMap<String, StatementType>(ConfigSchema.KINDS);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(ConfigService.defaultText(), "default", types));
        assertEquals("default:7: unknown statement 'cross-connect'; statements: dataplane, interface, memdev",
                e.problems().getFirst().toString());
        types.put("cross-connect", new Extra() {
            @Override
            public String kind() {
                return "cross-connect";
            }

            @Override
            public Map<String, String> keys() {
                return Map.of("peer", "the peer");
            }

            @Override
            public Map<String, Object> check(String name, Map<String, String> words) {
                return Map.of("peer", words.get("peer"));
            }
        });
        List<Statement> s = ConfigParser.parse(ConfigService.defaultText(), "default", types);
        assertEquals(4, s.size());
        assertEquals(new Statement(5, "memdev", "mem0",
                Map.of("generate", true, "rate", 100000L, "frame-size", 64, "flows", 16)), s.get(1));
        assertEquals(new Statement(7, "cross-connect", "mem0", Map.of("peer", "mem1")), s.get(3));
    }

    @Test
    void everyBadLineIsReportedWithItsNumberAndNothingIsAccepted() {
        String text = """
                # a comment
                dataplane cpus=1 idle=sometimes
                memdev mem0 generate=yes
                memdev mem0
                interface
                bogus x
                memdev mem1 frame-size=20
                interface mem1 state=up colour=blue
                memdev 9lives
                dataplane cpus=3-1
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text, "f.conf"));
        List<String> got = e.problems().stream().map(Object::toString).toList();
        assertEquals(List.of(
                "f.conf:2: idle must be spin, backoff or park, not 'sometimes'",
                "f.conf:3: generate must be true or false, not 'yes'",
                "f.conf:5: interface needs a name; write: interface NAME [state=up|down]",
                "f.conf:6: unknown statement 'bogus'; statements: dataplane, interface, memdev",
                "f.conf:7: frame-size must be 60..1514 bytes, not 20",
                "f.conf:8: unknown key 'colour' for interface; keys: state",
                "f.conf:9: '9lives' is not a valid name: a letter, then up to 46 letters, digits, '_', '.' or '-'",
                "f.conf:10: cpus must be a CPU list like 1, 0-3 or 1,3 (or none), not '3-1'"), got);
    }

    @Test
    void aStatementGivenTwiceIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("memdev a\nmemdev a rate=5\n", "f"));
        assertEquals("f:2: memdev a is configured twice (keep one line for it)", e.problems().getFirst().toString());
    }

    @Test
    void aValueOfAUniqueKeyGivenTwiceRefusesTheFile() {
        var types = new java.util.HashMap<String, StatementType>(ConfigSchema.KINDS);
        types.put("extra", new Extra());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("extra a colour=blue\nextra b colour=red\nextra c colour=blue\n", "f", types));
        assertEquals(List.of("f:3: colour=blue is given on line 1 already: no two extra statements may share a colour"),
                e.problems().stream().map(Object::toString).toList());
    }

    @Test
    void statementsFormatBackToTheirLine() throws Exception {
        Statement s = parse("memdev mem0 rate=5 generate=true\n", "f").getFirst();
        assertEquals("memdev mem0 generate=true rate=5", ConfigParser.format(ConfigSchema.KINDS.get(s.kind()), s.name(), s.settings()));
    }
}
