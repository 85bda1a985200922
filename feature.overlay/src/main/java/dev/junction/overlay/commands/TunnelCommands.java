package dev.junction.overlay.commands;

import dev.junction.config.StatementSpec;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.TunnelStatus;
import dev.junction.overlay.Tunnels;
import dev.junction.overlay.osgi.TunnelStatements;
import dev.junction.routing.Routing;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.StoredStatements;
import dev.junction.shell.cli.Table;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code l2:vxlan}, {@code l2:nvgre} and {@code l2:tunnels}: tunnels are persisted as the
 * {@code vxlan} and {@code nvgre} statements (checked whole by the same specs, so a bad one is refused
 * with the reason and nothing is stored); the list shows them as they run, with their counters.
 * They share feature.l2's {@code l2:} scope: a tunnel is a bridge port like any interface.
 */
@Component(enabled = false, service = TunnelCommands.class, property = {"osgi.command.scope=l2",
        "osgi.command.function=vxlan", "osgi.command.function=nvgre", "osgi.command.function=tunnels"})
public final class TunnelCommands {
    static final Cli VXLAN = Cli.command("l2:vxlan", "make or change VXLAN tunnel interface NAME; put it in a bridge with "
            + "l2:port NAME BRIDGE split-horizon=1 (none: remove it; persisted): " + TunnelStatements.Vxlan.SPEC.usage())
            .arg("NAME").arg("KEY=VALUE|none...");
    static final Cli NVGRE = Cli.command("l2:nvgre", "make or change NVGRE tunnel interface NAME (none: remove it; persisted): "
            + TunnelStatements.Nvgre.SPEC.usage()).arg("NAME").arg("KEY=VALUE|none...");
    static final Cli TUNNELS = Cli.command("l2:tunnels", "the VXLAN and NVGRE tunnels with their counters");

    private final StoredStatements statements;
    private final Tunnels tunnels;
    private final Routing routing;

    @Activate
    public TunnelCommands(@Reference ConfigurationAdmin cm, @Reference Tunnels tunnels, @Reference Routing routing) {
        this.statements = new StoredStatements(cm);
        this.tunnels = tunnels;
        this.routing = routing;
    }

    @Descriptor("make, change or remove a VXLAN tunnel")
    public Object vxlan(String... args) {
        return VXLAN.run(args, a -> tunnel(TunnelStatements.Vxlan.SPEC, a));
    }

    @Descriptor("make, change or remove an NVGRE tunnel")
    public Object nvgre(String... args) {
        return NVGRE.run(args, a -> tunnel(TunnelStatements.Nvgre.SPEC, a));
    }

    private Object tunnel(StatementSpec spec, Cli.Args a) {
        String name = a.arg(0);
        List<String> words = a.positional.subList(1, a.positional.size());
        if (words.equals(List.of("none"))) {
            if (!statements.delete(spec.pid(), name)) {
                throw new IllegalArgumentException("no " + spec.kind() + " tunnel " + name + " (see l2:tunnels)");
            }
            return null;
        }
        for (TunnelStatus t : tunnels.tunnels()) {
            if (t.settings().name().equals(name) && !t.settings().encapsulation().equals(spec.kind())) {
                throw new IllegalArgumentException(name + " is a " + t.settings().encapsulation() + " tunnel: remove it first");
            }
        }
        Map<String, String> merged = statements.stored(spec.pid(), name);
        merged.putAll(StoredStatements.keyValues(spec, words));
        // The VRF is checked here, where the user can be told: ConfigAdmin applies the statement later.
        String vrf = String.valueOf(spec.check(name, merged).get("vrf"));
        if (routing.vrfs().stream().noneMatch(v -> v.name().equals(vrf))) {
            throw new IllegalArgumentException("no VRF " + vrf + " (make it with ip:vrf first, or leave vrf= out for the default)");
        }
        statements.store(spec, name, merged);
        return null;
    }

    @Descriptor("list the tunnels")
    public Object tunnels(String... args) {
        return TUNNELS.run(args, a -> {
            List<TunnelStatus> all = tunnels.tunnels();
            if (all.isEmpty()) {
                return "no tunnels (l2:vxlan --help, l2:nvgre --help)";
            }
            Table t = new Table("TUNNEL", "ENCAP", "LOCAL", "REMOTE", "ID", "VRF", "PORT", "MTU", "STATE", "RX-PKTS",
                    "RX-BYTES", "TX-PKTS", "TX-BYTES", "TOO-BIG", "UNDERLAY");
            for (TunnelStatus s : all) {
                TunnelSettings c = s.settings();
                t.row(c.name(), c.encapsulation(), c.local(), c.remote(), Integer.toString(c.vni()), c.vrf(),
                        c.port() == 0 ? "-" : Integer.toString(c.port()), Integer.toString(c.effectiveMtu()),
                        s.present() ? "up" : "waiting", Long.toString(s.rxPackets()), Long.toString(s.rxBytes()),
                        Long.toString(s.txPackets()), Long.toString(s.txBytes()), Long.toString(s.tooBig()),
                        String.valueOf(tunnels.underlay(c.name())));
            }
            return t.toString();
        });
    }
}
