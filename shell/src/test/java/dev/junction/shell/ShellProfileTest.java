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
        // One line per command, named after it: a command added without its line, or twice, fails here.
        List<String> named = new java.util.ArrayList<>();
        for (String line : lines) {
            named.add(line.split(" ")[2]);
        }
        assertEquals(List.of("interface:list", "interface:show", "interface:set", "interface:memdev",
                "interface:delete", "graph:nodes", "graph:arcs", "graph:ethertypes", "runtime:show", "runtime:drops",
                "runtime:counters", "runtime:clear", "feature:list", "feature:quarantine", "feature:release",
                "feature:enable", "feature:disable", "trace:start", "trace:show", "trace:stop", "pcap:start",
                "pcap:stop", "pcap:list", "worker:list", "worker:rate", "worker:set", "config:show", "config:check", "config:load",
                "config:save").stream().sorted().toList(), named.stream().sorted().toList(), String.join("\n", lines));
        assertTrue(lines.contains("complete -c interface:set -l help -l state -a 'interface:names'"),
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
