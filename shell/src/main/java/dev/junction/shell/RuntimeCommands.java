package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.CounterValue;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.NodeRuntime;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code runtime:*}: per-node counters (VPP's "show runtime") and drops by reason. */
@Component(service = RuntimeCommands.class, property = {"osgi.command.scope=runtime",
        "osgi.command.function=show", "osgi.command.function=drops", "osgi.command.function=counters",
        "osgi.command.function=clear"})
public final class RuntimeCommands {
    static final Cli SHOW = Cli.command("runtime:show", "per-node calls, packets, packets per call, ns and clocks per packet, drops")
            .flag("all", "also nodes that have seen no packet");
    static final Cli DROPS = Cli.command("runtime:drops", "dropped packets by node and reason");
    static final Cli COUNTERS = Cli.command("runtime:counters", "the nodes' own named counters, summed over workers")
            .optionalArg("NODE");
    static final Cli CLEAR = Cli.command("runtime:clear", "zero the runtime and drop counters");

    private final Dataplane dataplane;

    @Activate
    public RuntimeCommands(@Reference Dataplane dataplane) {
        this.dataplane = dataplane;
    }

    @Descriptor("per-node runtime counters (--all for idle nodes too)")
    public Object show(String... args) {
        return SHOW.run(args, a -> {
            Table t = new Table("NODE", "CALLS", "PACKETS", "PKTS/CALL", "NS/PKT", "CLOCKS/PKT", "DROPS");
            for (NodeRuntime r : dataplane.runtime()) {
                if (r.packets() == 0 && !a.has("all")) {
                    continue;
                }
                t.row(r.name(), r.calls(), r.packets(), fmt(r.packetsPerCall()), fmt(r.nanosPerPacket()),
                        fmt(r.clocksPerPacket()), r.drops());
            }
            return t.isEmpty() ? "no packets yet (runtime:show --all lists every node)" : t.toString();
        });
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    @Descriptor("drops by node and reason")
    public Object drops(String... args) {
        return DROPS.run(args, a -> {
            Table t = new Table("NODE", "REASON", "PACKETS");
            for (DropCount d : dataplane.drops()) {
                t.row(d.node(), d.reason(), d.count());
            }
            return t.isEmpty() ? "no drops" : t.toString();
        });
    }

    @Descriptor("the nodes' own counters")
    public Object counters(String... args) {
        return COUNTERS.run(args, a -> {
            String node = a.arg(0, null);
            Table t = new Table("NODE", "COUNTER", "VALUE");
            for (CounterValue c : dataplane.counters()) {
                if (node == null || node.equals(c.node())) {
                    t.row(c.node(), c.counter(), c.value());
                }
            }
            if (t.isEmpty()) {
                return node == null ? "no node in the graph has counters of its own" : "node " + node + " has no counters (see graph:nodes)";
            }
            return t.toString();
        });
    }

    @Descriptor("zero the runtime and drop counters")
    public Object clear(String... args) {
        return CLEAR.run(args, a -> {
            dataplane.clearRuntime();
            return null;
        });
    }
}
