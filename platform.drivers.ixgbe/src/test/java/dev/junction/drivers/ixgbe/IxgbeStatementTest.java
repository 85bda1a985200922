package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ixgbe NAME pci=DDDD:BB:DD.F [queues=N]}, declared once as a StatementSpec. */
class IxgbeStatementTest {
    private final IxgbeStatement ixgbe = new IxgbeStatement();

    private String refusal(String name, Map<String, String> words) {
        return assertThrows(IllegalArgumentException.class, () -> ixgbe.check(name, words)).getMessage();
    }

    @Test
    void theAddressIsStoredCanonicalAndQueuesDefaultToOne() {
        assertEquals("ixgbe NAME pci=DDDD:BB:DD.F [queues=N]", ixgbe.usage());
        assertEquals("junction.ixgbe", ixgbe.pid());
        assertEquals(Map.of("pci", "0000:01:00.0", "queues", 1L), ixgbe.check("x0", Map.of("pci", "01:00.0")));
        assertEquals(Map.of("pci", "0000:81:00.1", "queues", 4L), ixgbe.check("x1", Map.of("pci", "0000:81:00.1", "queues", "4")));
    }

    @Test
    void eachMistakeSaysWhatIsWrong() {
        assertEquals("pci: a PCI address is DDDD:BB:DD.F (e.g. 0000:01:00.0), not 'eth0'", refusal("x0", Map.of("pci", "eth0")));
        assertEquals("queues: must be from 1 to 16, not 17", refusal("x0", Map.of("pci", "01:00.0", "queues", "17")));
    }
}
