package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.ArcStatus;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.EtherTypeStatus;
import dev.junction.dataplane.NodeStatus;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code graph:*}: the nodes of the running graph and its arcs. */
@Component(service = GraphCommands.class, property = {"osgi.command.scope=graph",
        "osgi.command.function=nodes", "osgi.command.function=arcs", "osgi.command.function=ethertypes",
        "osgi.command.function=names"})
public final class GraphCommands {
    static final Cli NODES = Cli.command("graph:nodes", "nodes in dispatch order with their arc, owner and next nodes");
    static final Cli ARCS = Cli.command("graph:arcs", "each arc's features in order, then its end node");
    static final Cli ETHERTYPES = Cli.command("graph:ethertypes",
            "ethertype dispatch: which arc each ethertype goes to, who claimed it, and whether the claim holds");

    private final Dataplane dataplane;

    @Activate
    public GraphCommands(@Reference Dataplane dataplane) {
        this.dataplane = dataplane;
    }

    @Descriptor("nodes of the running graph")
    public Object nodes(String... args) {
        return NODES.run(args, a -> {
            Table t = new Table("NODE", "ARC", "STATE", "OWNER", "NEXT");
            for (NodeStatus n : dataplane.nodes()) {
                t.row(n.name(), n.arc() == null ? "-" : n.arc(), n.state(), n.owner(), String.join(",", n.next()));
            }
            return t + "graph epoch " + dataplane.epoch() + "\n";
        });
    }

    @Descriptor("names of all nodes (for completion)")
    public java.util.List<String> names() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (NodeStatus n : dataplane.nodes()) {
            out.add(n.name());
        }
        return out;
    }

    @Descriptor("ethertype dispatch")
    public Object ethertypes(String... args) {
        return ETHERTYPES.run(args, a -> {
            Table t = new Table("ETHERTYPE", "ARC", "OWNER", "STATE");
            for (EtherTypeStatus e : dataplane.etherTypes()) {
                t.row(String.format("0x%04x", e.etherType()), e.arc(), e.owner(), e.state());
            }
            return t.toString();
        });
    }

    @Descriptor("arcs and their features")
    public Object arcs(String... args) {
        return ARCS.run(args, a -> {
            StringBuilder sb = new StringBuilder();
            for (ArcStatus arc : dataplane.arcs()) {
                sb.append(String.format("%-12s ", arc.name()));
                for (String f : arc.features()) {
                    sb.append(f).append(" -> ");
                }
                sb.append(arc.end()).append('\n');
            }
            return sb.toString();
        });
    }
}
