package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.NodeStatus;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code feature:*}: nodes that bundles added, their state, and quarantine by hand. */
@Component(service = FeatureCommands.class, property = {"osgi.command.scope=feature",
        "osgi.command.function=list", "osgi.command.function=quarantine", "osgi.command.function=release",
        "osgi.command.function=enable", "osgi.command.function=disable"})
public final class FeatureCommands {
    static final Cli LIST = Cli.command("feature:list", "nodes added by bundles, with state and fault");
    static final Cli QUARANTINE = Cli.command("feature:quarantine", "take a node out of the packet path").arg("NODE");
    static final Cli RELEASE = Cli.command("feature:release", "return a quarantined node to the packet path").arg("NODE");
    static final Cli ENABLE = Cli.command("feature:enable",
            "run a per-interface feature for the packets of an interface (kept across updates of its bundle)")
            .arg("NODE").arg("INTERFACE");
    static final Cli DISABLE = Cli.command("feature:disable", "stop running a per-interface feature on an interface")
            .arg("NODE").arg("INTERFACE");

    private final Dataplane dataplane;

    @Activate
    public FeatureCommands(@Reference Dataplane dataplane) {
        this.dataplane = dataplane;
    }

    @Descriptor("features added by bundles")
    public Object list(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("NODE", "ARC", "BUNDLE", "STATE", "ENABLED-ON", "PROBLEM");
            for (NodeStatus n : dataplane.nodes()) {
                if (!n.owner().equals("core")) {
                    List<String> on = dataplane.featureInterfaces(n.name());
                    t.row(n.name(), n.arc() == null ? "-" : n.arc(), n.owner(), n.state(), on.isEmpty() ? "-" : String.join(",", on),
                            n.problem() == null ? "" : n.problem());
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

    @Descriptor("enable a per-interface feature on an interface")
    public Object enable(String... args) {
        return ENABLE.run(args, a -> {
            dataplane.enableFeature(a.arg(0), a.arg(1), true);
            return null;
        });
    }

    @Descriptor("disable a per-interface feature on an interface")
    public Object disable(String... args) {
        return DISABLE.run(args, a -> {
            if (!dataplane.featureInterfaces(a.arg(0)).contains(a.arg(1))) {
                throw new IllegalArgumentException(a.arg(0) + " is not enabled on " + a.arg(1)
                        + " (enabled on: " + String.join(", ", dataplane.featureInterfaces(a.arg(0))) + ")");
            }
            dataplane.enableFeature(a.arg(0), a.arg(1), false);
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
