package dev.junction.mpls.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.config.StatementSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statements refuse bad input whole, saying how to write it. */
class MplsStatementsTest {
    private static Map<String, String> words(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String w : kv) {
            m.put(w.substring(0, w.indexOf('=')), w.substring(w.indexOf('=') + 1));
        }
        return m;
    }

    private static String refused(StatementSpec spec, String... kv) {
        return assertThrows(IllegalArgumentException.class, () -> spec.check("x", words(kv))).getMessage();
    }

    @Test
    void goodLabelStatementsPass() {
        StatementSpec s = MplsStatements.LabelStatement.SPEC;
        Map<String, Object> v = s.check("a", words("label=100", "action=swap", "via=10.0.1.2,10.0.2.2", "out=200/300,201"));
        assertEquals("uniform", v.get("ttl"));
        assertEquals("default", v.get("vrf"));
        s.check("b", words("label=101", "action=pop", "via=10.0.1.2"));
        s.check("c", words("label=102", "action=pop-lookup", "vrf=blue", "ttl=pipe"));
        s.check("d", words("label=103", "action=pop-continue"));
        s.check("e", words("label=104", "action=swap", "via=10.0.1.2", "out=implicit-null"));
    }

    @Test
    void badLabelStatementsAreRefusedWithTheForm() {
        StatementSpec s = MplsStatements.LabelStatement.SPEC;
        assertTrue(refused(s, "label=3", "action=pop-continue").contains("label"));
        assertTrue(refused(s, "label=100", "action=swap", "via=10.0.1.2").contains("out="));
        assertTrue(refused(s, "label=100", "action=swap", "via=10.0.1.2", "out=1/2/3/4/5").contains("at most 4"));
        assertTrue(refused(s, "label=100", "action=swap", "via=10.0.1.2", "out=7").contains("cannot be pushed"));
        assertTrue(refused(s, "label=100", "action=swap", "via=10.0.1", "out=200").contains("IPv4 gateway"));
        assertTrue(refused(s, "label=100", "action=swap", "via=10.0.1.2,10.0.2.2", "out=200,201,202").contains("one per gateway"));
        assertTrue(refused(s, "label=100", "action=pop", "via=10.0.1.2", "out=200").contains("pushes nothing"));
        assertTrue(refused(s, "label=100", "action=pop-lookup", "via=10.0.1.2").contains("no via="));
        assertTrue(refused(s, "label=100", "action=jump").contains("swap"));
    }

    @Test
    void ftnStatements() {
        StatementSpec s = MplsStatements.FtnStatement.SPEC;
        Map<String, Object> v = s.check("f", words("prefix=10.2.0.0/16", "via=10.0.1.2", "out=100/200"));
        assertEquals("copy", v.get("tc"));
        s.check("g", words("prefix=2001:db8::/32", "via=10.0.1.2", "out=100", "ttl=pipe", "tc=5"));
        assertTrue(refused(s, "prefix=10.2.0.1/16", "via=10.0.1.2", "out=100").contains("host bits"));
        assertTrue(refused(s, "prefix=example.com/8", "via=10.0.1.2", "out=100").contains("not a prefix"));
        assertTrue(refused(s, "prefix=10.2.0.0/16", "via=10.0.1.2", "out=100", "tc=9").contains("copy"));
        assertTrue(refused(s, "prefix=10.2.0.0/16", "out=100").contains("via"));
    }
}
