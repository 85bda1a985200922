package dev.junction.l2.commands;

import dev.junction.config.StatementSpec;
import dev.junction.l2.BridgeStatus;
import dev.junction.l2.Bridges;
import dev.junction.l2.MacEntry;
import dev.junction.l2.osgi.BridgeMacStatement;
import dev.junction.l2.osgi.BridgePortStatement;
import dev.junction.l2.osgi.BridgeStatement;
import dev.junction.l2.osgi.BridgeVlanStatement;
import dev.junction.l2.osgi.BviStatement;
import dev.junction.packet.MacAddress;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.StoredStatements;
import dev.junction.shell.cli.Table;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code l2:*} for bridge domains: domains, ports and static MACs are persisted as the
 * {@code bridge}, {@code bridge-port} and {@code bridge-mac} statements (checked by the same specs,
 * so a bad word is refused whole with the reason); the MAC table, counters and flushes are live.
 */
@Component(enabled = false, service = BridgeCommands.class, property = {"osgi.command.scope=l2",
        "osgi.command.function=bridge", "osgi.command.function=bridges", "osgi.command.function=port",
        "osgi.command.function=ports", "osgi.command.function=mac", "osgi.command.function=macs",
        "osgi.command.function=flush", "osgi.command.function=vlan", "osgi.command.function=bvi",
        "osgi.command.function=bvis"})
public final class BridgeCommands {
    static final Cli BRIDGE = Cli.command("l2:bridge", "make or change a bridge domain (none: remove it; persisted): "
            + BridgeStatement.SPEC.usage()).arg("NAME").optionalArg("[KEY=VALUE|none]...");
    static final Cli BRIDGES = Cli.command("l2:bridges", "the bridge domains: settings, ports, MACs, counters");
    static final Cli PORT = Cli.command("l2:port", "make IFACE a port of BRIDGE (none: take it out; persisted)")
            .arg("IFACE").arg("BRIDGE|none").optionalArg("[split-horizon=N]");
    static final Cli VLAN = Cli.command("l2:vlan", "put a VLAN of an interface into BRIDGE: frames with that outer tag "
            + "switch there and leave with it (IFACE.VLAN: 802.1Q, IFACE.sVLAN: 802.1ad; none: take it out; persisted)")
            .arg("IFACE.VLAN").arg("BRIDGE|none").optionalArg("[split-horizon=N]");
    static final Cli BVI = Cli.command("l2:bvi", "a routed interface NAME in BRIDGE (its port NAME-br); give it addresses "
            + "with ip:address (none: remove it; persisted): " + BviStatement.SPEC.usage())
            .arg("NAME").arg("BRIDGE|none").optionalArg("[mac=MAC]");
    static final Cli BVIS = Cli.command("l2:bvis", "the routed interfaces in bridges (BVIs) as configured");
    static final Cli PORTS = Cli.command("l2:ports", "the bridge ports with their MACs and counters");
    static final Cli MAC = Cli.command("l2:mac", "a static MAC: frames to MAC in BRIDGE go out of IFACE (MAC none: remove; persisted)")
            .arg("MAC").arg("BRIDGE|none").optionalArg("[IFACE]");
    static final Cli MACS = Cli.command("l2:macs", "the MAC table")
            .option("bridge", "NAME", "only this domain").option("interface", "IFACE", "only this port")
            .option("mac", "MAC", "only this MAC").flag("count", "only count them");
    static final Cli FLUSH = Cli.command("l2:flush", "forget learned MACs (static ones stay)")
            .option("bridge", "NAME", "only of this domain").option("interface", "IFACE", "only on this port");

    private final StoredStatements statements;
    private final Bridges bridges;

    @Activate
    public BridgeCommands(@Reference ConfigurationAdmin cm, @Reference Bridges bridges) {
        this.statements = new StoredStatements(cm);
        this.bridges = bridges;
    }

    @Descriptor("make, change or remove a bridge domain")
    public Object bridge(String... args) {
        return BRIDGE.run(args, a -> {
            String name = a.arg(0);
            List<String> words = a.positional.subList(1, a.positional.size());
            if (words.equals(List.of("none"))) {
                if (!statements.delete(BridgeStatement.PID, name)) {
                    throw new IllegalArgumentException("no bridge domain " + name + " (see l2:bridges)");
                }
                return null;
            }
            Map<String, String> merged = statements.stored(BridgeStatement.PID, name);
            merged.putAll(StoredStatements.keyValues(BridgeStatement.SPEC, words));
            statements.store(BridgeStatement.SPEC, name, merged);
            return null;
        });
    }

    @Descriptor("list the bridge domains")
    public Object bridges(String... args) {
        return BRIDGES.run(args, a -> {
            List<BridgeStatus> all = bridges.domains();
            if (all.isEmpty()) {
                return "no bridge domains (l2:bridge --help)";
            }
            StringBuilder sb = new StringBuilder();
            Table t = new Table("BRIDGE", "LEARN", "AGEING", "MACS", "LIMIT", "FLOOD", "UU-FLOOD", "PORTS");
            for (BridgeStatus s : all) {
                StringBuilder ports = new StringBuilder();
                for (String p : s.portNames()) {
                    int shg = s.ports().get(p);
                    ports.append(ports.isEmpty() ? "" : " ").append(p).append(shg == 0 ? "" : "/shg" + shg);
                }
                t.row(s.settings().name(), onOff(s.settings().learning()), s.settings().ageingSeconds() + "s",
                        Integer.toString(s.macs()), Integer.toString(s.settings().macLimit()), onOff(s.settings().flood()),
                        onOff(s.settings().unknownUnicastFlood()), ports.isEmpty() ? "-" : ports.toString());
            }
            sb.append(t);
            java.util.List<String> header = new java.util.ArrayList<>();
            header.add("BRIDGE");
            header.addAll(Bridges.COUNTERS.stream().map(String::toUpperCase).toList());
            Table c = new Table(header.toArray(String[]::new));
            for (BridgeStatus s : all) {
                java.util.List<String> row = new java.util.ArrayList<>();
                row.add(s.settings().name());
                for (String k : Bridges.COUNTERS) {
                    row.add(Long.toString(s.counter(k)));
                }
                c.row(row.toArray(String[]::new));
            }
            return sb.append('\n').append(c).toString();
        });
    }

    @Descriptor("make an interface a bridge port, or take it out with none")
    public Object port(String... args) {
        return PORT.run(args, a -> {
            String iface = a.arg(0);
            String bridge = a.arg(1);
            if (bridge.equals("none")) {
                if (!statements.delete(BridgePortStatement.PID, iface)) {
                    throw new IllegalArgumentException(iface + " is not a bridge port (see l2:ports)");
                }
                return null;
            }
            Map<String, String> words = StoredStatements.keyValues(BridgePortStatement.SPEC, a.positional.subList(2, a.positional.size()));
            words.put("bridge", bridge);
            if (!domainKnown(bridge)) {
                throw new IllegalArgumentException("no bridge domain " + bridge + " (make it first: l2:bridge " + bridge + ")");
            }
            statements.store(BridgePortStatement.SPEC, iface, words);
            return null;
        });
    }

    @Descriptor("put a VLAN of an interface into a bridge domain, or take it out with none")
    public Object vlan(String... args) {
        return VLAN.run(args, a -> {
            String name = BridgeVlanStatement.subPort(a.arg(0)).name();
            String bridge = a.arg(1);
            if (bridge.equals("none")) {
                if (!statements.delete(BridgeVlanStatement.PID, name)) {
                    throw new IllegalArgumentException(name + " is not in a bridge domain (see l2:ports)");
                }
                return null;
            }
            Map<String, String> words = StoredStatements.keyValues(BridgeVlanStatement.SPEC, a.positional.subList(2, a.positional.size()));
            words.put("bridge", bridge);
            if (!domainKnown(bridge)) {
                throw new IllegalArgumentException("no bridge domain " + bridge + " (make it first: l2:bridge " + bridge + ")");
            }
            statements.store(BridgeVlanStatement.SPEC, name, words);
            return null;
        });
    }

    @Descriptor("make a routed interface in a bridge domain, or remove it with none")
    public Object bvi(String... args) {
        return BVI.run(args, a -> {
            String name = a.arg(0);
            String bridge = a.arg(1);
            if (bridge.equals("none")) {
                if (!statements.delete(BviStatement.PID, name)) {
                    throw new IllegalArgumentException("no BVI " + name + " (see l2:bvis)");
                }
                return null;
            }
            if (!domainKnown(bridge)) {
                throw new IllegalArgumentException("no bridge domain " + bridge + " (make it first: l2:bridge " + bridge + ")");
            }
            Map<String, String> words = StoredStatements.keyValues(BviStatement.SPEC, a.positional.subList(2, a.positional.size()));
            words.put("bridge", bridge);
            statements.store(BviStatement.SPEC, name, words);
            return null;
        });
    }

    @Descriptor("list the BVIs")
    public Object bvis(String... args) {
        return BVIS.run(args, a -> {
            Table t = new Table("BVI", "BRIDGE", "PORT", "MAC");
            java.util.List<String[]> rows = new java.util.ArrayList<>();
            statements.all(BviStatement.PID).forEach((name, p) -> rows.add(new String[] {name, p.get("bridge"), name + "-br",
                    p.get("mac") != null ? p.get("mac") : MacAddress.format(BviStatement.defaultMac(name))}));
            rows.forEach(t::row);
            return t.isEmpty() ? "no BVIs (l2:bvi --help)" : t.toString();
        });
    }

    @Descriptor("list the bridge ports")
    public Object ports(String... args) {
        return PORTS.run(args, a -> {
            Table t = new Table("PORT", "BRIDGE", "MACS", "LEARNED", "MOVED-IN", "AGED", "FLOODED-OUT", "LIMIT-DROPS");
            Map<String, String> bridgeOf = new LinkedHashMap<>();
            for (BridgeStatus s : bridges.domains()) {
                s.ports().keySet().forEach(p -> bridgeOf.put(p, s.settings().name()));
            }
            Map<String, long[]> counters = bridges instanceof dev.junction.l2.bridge.BridgeControl bc ? bc.portCounters() : Map.of();
            bridgeOf.forEach((p, b) -> {
                long[] c = counters.getOrDefault(p, new long[6]);
                t.row(p, b, Long.toString(c[0]), Long.toString(c[1]), Long.toString(c[2]), Long.toString(c[3]),
                        Long.toString(c[4]), Long.toString(c[5]));
            });
            return t.isEmpty() ? "no bridge ports (l2:port --help)" : t.toString();
        });
    }

    @Descriptor("add or remove a static MAC")
    public Object mac(String... args) {
        return MAC.run(args, a -> {
            String mac = MacAddress.format(BridgeMacStatement.unicast(a.arg(0)));
            String bridge = a.arg(1);
            if (bridge.equals("none")) {
                if (!statements.delete(BridgeMacStatement.PID, mac)) {
                    throw new IllegalArgumentException(mac + " is not a static MAC (see l2:macs)");
                }
                return null;
            }
            String iface = a.arg(2, null);
            if (iface == null) {
                throw new IllegalArgumentException("missing IFACE: the port frames to " + mac + " go out of");
            }
            Map<String, String> words = new LinkedHashMap<>();
            words.put("bridge", bridge);
            words.put("interface", iface);
            statements.store(BridgeMacStatement.SPEC, mac, words);
            return null;
        });
    }

    @Descriptor("show the MAC table")
    public Object macs(String... args) {
        return MACS.run(args, a -> {
            String bridge = a.get("bridge", null);
            String iface = a.get("interface", null);
            long mac = a.has("mac") ? MacAddress.parse(a.get("mac", "")) : -1;
            Table t = new Table("BRIDGE", "MAC", "PORT", "TYPE", "AGE");
            int n = 0;
            for (MacEntry e : bridges.macs()) {
                if ((bridge == null || e.bridge().equals(bridge)) && (iface == null || e.iface().equals(iface))
                        && (mac < 0 || e.mac() == mac)) {
                    n++;
                    t.row(e.bridge(), MacAddress.format(e.mac()), e.iface(), e.isStatic() ? "static" : "learned",
                            e.isStatic() ? "-" : String.format("%.1fs", e.ageMillis() / 1000.0));
                }
            }
            if (a.has("count")) {
                return n + " MACs";
            }
            return n == 0 ? "no MACs" : t + "\n" + n + " MACs";
        });
    }

    @Descriptor("forget learned MACs")
    public Object flush(String... args) {
        return FLUSH.run(args, a -> bridges.flush(a.get("bridge", null), a.get("interface", null)) + " MACs flushed");
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    /** Whether a domain runs or is stored (ConfigAdmin applies a new statement a moment later). */
    private boolean domainKnown(String bridge) {
        return bridges.domains().stream().anyMatch(s -> s.settings().name().equals(bridge)) || statements.exists(BridgeStatement.PID, bridge);
    }
}
