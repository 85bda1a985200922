package dev.junction.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.shell.cli.Cli;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellProfileTest {

    @Test
    void everyCommandDeclaresItsOptionsAndNameCompletion() {
        List<String> lines = ShellProfile.completions(List.of(InterfaceCommands.class, GraphCommands.class,
                RuntimeCommands.class, FeatureCommands.class, TraceCommands.class, PcapCommands.class,
                WorkerCommands.class, ConfigCommands.class));
        assertEquals(25, lines.size(), String.join("\n", lines));
        assertTrue(lines.contains("complete -c interface:set -l help -l state -l xconnect -a 'interface:names'"),
                String.join("\n", lines));
        assertTrue(lines.contains("complete -c feature:release -l help -a 'graph:names'"));
    }

    @Test
    void argumentsAndOptionsParse() {
        Cli.Args a = PcapCommands.START.parse(new Object[] {"--count", "5", "mem0", "/tmp/x.pcap", "--direction=rx"});
        assertEquals(List.of("mem0", "/tmp/x.pcap"), a.positional);
        assertEquals("5", a.get("count", null));
        assertEquals("rx", a.get("direction", null));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PcapCommands.START.parse(new Object[] {"mem0", "f", "extra"}));
        assertEquals("unexpected argument 'extra'", e.getMessage());
    }
}
