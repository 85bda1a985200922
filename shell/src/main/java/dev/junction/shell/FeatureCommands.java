package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.NodeStatus;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code feature:*}: nodes that bundles added, their state, and quarantine by hand. */
@Component(service = FeatureCommands.class, property = {"osgi.command.scope=feature",
        "osgi.command.function=list", "osgi.command.function=quarantine", "osgi.command.function=release"})
public final class FeatureCommands {
    static final Cli LIST = Cli.command("feature:list", "nodes added by bundles, with state and fault");
    static final Cli QUARANTINE = Cli.command("feature:quarantine", "take a node out of the packet path").arg("NODE");
    static final Cli RELEASE = Cli.command("feature:release", "return a quarantined node to the packet path").arg("NODE");

    private final Dataplane dataplane;

    @Activate
    public FeatureCommands(@Reference Dataplane dataplane) {
        this.dataplane = dataplane;
    }

    @Descriptor("features added by bundles")
    public Object list(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("NODE", "ARC", "BUNDLE", "STATE", "PROBLEM");
            for (NodeStatus n : dataplane.nodes()) {
                if (!n.owner().equals("core")) {
                    t.row(n.name(), n.arc() == null ? "-" : n.arc(), n.owner(), n.state(), n.problem() == null ? "" : n.problem());
                }
            }
            return t.isEmpty() ? "no features installed (install a feature bundle with felix:install --start FILE)" : t.toString();
        });
    }

    @Descriptor("quarantine a node")
    public Object quarantine(String... args) {
        return QUARANTINE.run(args, a -> {
            dataplane.quarantine(a.arg(0));
            return null;
        });
    }

    @Descriptor("release a quarantined node")
    public Object release(String... args) {
        return RELEASE.run(args, a -> {
            dataplane.release(a.arg(0));
            return null;
        });
    }
}
