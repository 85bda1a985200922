package dev.junction.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.lb.osgi.LbStatements;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatementsTest {
    @Test
    void goodStatementsGetTheirDefaults() {
        Map<String, Object> v = LbStatements.ServiceStatement.SPEC.check("web", Map.of("vip", "10.0.0.100", "proto", "tcp", "port", "80"));
        assertEquals("default", v.get("vrf"));
        assertEquals(65537L, v.get("table"));
        Map<String, Object> b = LbStatements.BackendStatement.SPEC.check("x", Map.of("service", "web", "address", "10.1.0.2"));
        assertEquals(1L, b.get("weight"));
        assertEquals(false, b.get("drain"));
    }

    @Test
    void badStatementsAreRefusedWithTheForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LbStatements.ServiceStatement.SPEC
                .check("web", Map.of("vip", "10.0.0.100", "proto", "tcp", "port", "80", "table", "65536")));
        assertTrue(e.getMessage().contains("prime"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LbStatements.ServiceStatement.SPEC
                .check("web", Map.of("vip", "10.0.0.100", "proto", "icmp", "port", "80")));
        assertTrue(e.getMessage().contains("tcp or udp"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LbStatements.ServiceStatement.SPEC
                .check("web", Map.of("vip", "10.0.0.100", "proto", "tcp")));
        assertTrue(e.getMessage().contains("port=N is missing; write: lb-service NAME"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LbStatements.BackendStatement.SPEC
                .check("x", Map.of("service", "web", "address", "10.1.0", "weight", "2")));
        assertTrue(e.getMessage().contains("not an IP address"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LbStatements.BackendStatement.SPEC
                .check("x", Map.of("service", "web", "address", "10.1.0.2", "weight", "-1")));
        assertTrue(e.getMessage().startsWith("weight"), e.getMessage());
    }
}
