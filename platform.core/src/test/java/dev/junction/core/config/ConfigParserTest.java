package dev.junction.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigParserTest {

    @Test
    void theEmbeddedDefaultParses() throws Exception {
        List<Statement> s = ConfigParser.parse(ConfigService.defaultText(), "default");
        assertEquals(4, s.size());
        assertEquals(new Statement(4, "memdev", "mem0",
                Map.of("generate", true, "rate", 100000L, "frame-size", 64, "flows", 16)), s.get(1));
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
                interface mem1 xconnect=mem0 colour=blue
                memdev 9lives
                dataplane cpus=3-1
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse(text, "f.conf"));
        List<String> got = e.problems().stream().map(Object::toString).toList();
        assertEquals(List.of(
                "f.conf:2: idle must be spin, backoff or park, not 'sometimes'",
                "f.conf:3: generate must be true or false, not 'yes'",
                "f.conf:5: interface needs a name; write: interface NAME [xconnect=PEER|none] [state=up|down]",
                "f.conf:6: unknown statement 'bogus'; statements: dataplane, memdev, interface",
                "f.conf:7: frame-size must be 60..1514 bytes, not 20",
                "f.conf:8: unknown key 'colour' for interface; keys: xconnect, state",
                "f.conf:9: '9lives' is not a valid name: a letter, then up to 14 letters, digits, '_', '.' or '-'",
                "f.conf:10: cpus must be a CPU list like 1, 0-3 or 1,3 (or none), not '3-1'"), got);
    }

    @Test
    void aStatementGivenTwiceIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("memdev a\nmemdev a rate=5\n", "f"));
        assertEquals("f:2: memdev a is configured twice (keep one line for it)", e.problems().getFirst().toString());
    }

    @Test
    void statementsFormatBackToTheirLine() throws Exception {
        Statement s = ConfigParser.parse("memdev mem0 rate=5 generate=true\n", "f").getFirst();
        assertEquals("memdev mem0 generate=true rate=5", ConfigParser.format(s.kind(), s.name(), s.settings()));
    }
}
