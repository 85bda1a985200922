package dev.junction.firewall.commands;

import dev.junction.config.StatementSpec;
import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.Prefix;
import dev.junction.firewall.Rule;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.firewall.osgi.FirewallStatements;
import dev.junction.routing.Routing;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.StoredStatements;
import dev.junction.shell.cli.Table;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code fw:*}: rules, attachments, zone limits and settings are persisted as the {@code fw-rule},
 * {@code fw-attach}, {@code fw-zone} and {@code fw-settings} statements (checked whole by the same
 * specs: a bad word is refused with the reason and nothing is stored); hits and sessions are live.
 */
@Component(enabled = false, service = FirewallCommands.class, property = {"osgi.command.scope=fw",
        "osgi.command.function=rule", "osgi.command.function=rules", "osgi.command.function=attach",
        "osgi.command.function=attachments", "osgi.command.function=sessions", "osgi.command.function=clear",
        "osgi.command.function=zone", "osgi.command.function=zones", "osgi.command.function=settings"})
public final class FirewallCommands {
    static final Cli RULE = Cli.command("fw:rule", "make or change a rule (none: remove it; persisted); a set's rules "
            + "go by priority, then name: " + FirewallStatements.RuleStatement.SPEC.usage())
            .arg("NAME").optionalArg("[KEY=VALUE|none]...");
    static final Cli RULES = Cli.command("fw:rules", "the rule sets, each rule with its hits").optionalArg("[SET]");
    static final Cli ATTACH = Cli.command("fw:attach", "apply rule set SET to packets received on (in) or sent out of "
            + "(out) IFACE, or to every packet of VRF VRF on interfaces with no set of their own for that direction "
            + "(none: take it off; persisted)").arg("IFACE|vrf=VRF").arg("in|out").arg("SET|none");
    static final Cli ATTACHMENTS = Cli.command("fw:attachments", "the rule sets on interfaces and VRFs");
    static final Cli SESSIONS = Cli.command("fw:sessions", "the tracked connections")
            .option("zone", "N", "only this zone (VRF id)").option("proto", "tcp|udp|icmp|icmp6|N", "only this protocol")
            .option("host", "ADDR", "only with this address at either end").option("port", "N", "only with this port at either end")
            .option("state", "STATE", "only in this state (ESTABLISHED, SYN_SENT, REPLIED, ...)")
            .option("max", "N", "at most this many (1000)").flag("count", "only count them");
    static final Cli CLEAR = Cli.command("fw:clear", "forget every tracked connection (their next packets meet the rules)");
    static final Cli ZONE = Cli.command("fw:zone", "the most connections VRF may track (none: no limit but the table's; "
            + "persisted)").arg("VRF").arg("limit=N|none");
    static final Cli ZONES = Cli.command("fw:zones", "connections by zone (a zone is a VRF), limits, refusals; the table");
    static final Cli SETTINGS = Cli.command("fw:settings", "show or change the connection table's settings and timeouts "
            + "(persisted): " + FirewallStatements.SettingsStatement.SPEC.usage()).optionalArg("[KEY=VALUE]...");

    private final StoredStatements statements;
    private final ConfigurationAdmin cm;
    private final Firewall fw;
    private final Routing routing;

    @Activate
    public FirewallCommands(@Reference ConfigurationAdmin cm, @Reference Firewall fw, @Reference Routing routing) {
        this.statements = new StoredStatements(cm);
        this.cm = cm;
        this.fw = fw;
        this.routing = routing;
    }

    @Descriptor("make, change or remove a firewall rule")
    public Object rule(String... args) {
        return RULE.run(args, a -> {
            String name = a.arg(0);
            List<String> words = a.positional.subList(1, a.positional.size());
            if (words.equals(List.of("none"))) {
                if (!statements.delete(FirewallStatements.RULE_PID, name)) {
                    throw new IllegalArgumentException("no rule " + name + " (see fw:rules)");
                }
                return null;
            }
            if (words.isEmpty()) {
                throw new IllegalArgumentException("say what the rule is: fw:rule " + name + " "
                        + FirewallStatements.RuleStatement.SPEC.usage().replaceFirst("^fw-rule NAME ", ""));
            }
            Map<String, String> merged = statements.stored(FirewallStatements.RULE_PID, name);
            merged.putAll(StoredStatements.keyValues(FirewallStatements.RuleStatement.SPEC, words));
            statements.store(FirewallStatements.RuleStatement.SPEC, name, merged);
            return null;
        });
    }

    @Descriptor("list the rule sets and their rules with hits")
    public Object rules(String... args) {
        return RULES.run(args, a -> {
            String only = a.arg(0, null);
            Map<String, Map<String, String>> stored = statements.all(FirewallStatements.RULE_PID);
            StringBuilder sb = new StringBuilder();
            for (String set : fw.ruleSets().keySet()) {
                if (only != null && !only.equals(set)) {
                    continue;
                }
                sb.append("rule set ").append(set).append('\n');
                Table t = new Table("#", "NAME", "HITS", "RULE");
                for (Firewall.RuleHits h : fw.hits(set)) {
                    t.row(Integer.toString(h.index() + 1), ruleName(stored, set, h.rule()), Long.toString(h.hits()), h.rule().text());
                }
                sb.append(fw.hits(set).isEmpty() ? "  (no rules: denies everything)\n" : t.toString()).append('\n');
            }
            if (sb.isEmpty()) {
                return only == null ? "no rule sets (fw:rule --help)" : "no rule set " + only + " (see fw:rules)";
            }
            return sb.toString().stripTrailing();
        });
    }

    private static String ruleName(Map<String, Map<String, String>> stored, String set, Rule rule) {
        for (Map.Entry<String, Map<String, String>> e : stored.entrySet()) {
            Map<String, String> w = e.getValue();
            if (set.equals(w.get("set"))) {
                try {
                    Map<String, Object> v = new LinkedHashMap<>(w);
                    if (FirewallStatements.ruleOf(v).equals(rule)) {
                        return e.getKey();
                    }
                } catch (IllegalArgumentException ex) {
                    // not this one
                }
            }
        }
        return "-";
    }

    @Descriptor("apply a rule set to an interface's or a VRF's direction, or take it off with none")
    public Object attach(String... args) {
        return ATTACH.run(args, a -> {
            String where = a.arg(0);
            Direction d = Direction.parse(a.arg(1));
            String set = a.arg(2);
            if (where.startsWith("vrf=")) {
                return attachVrf(where.substring(4), d, set);
            }
            String name = where + "-" + d.text();
            if (set.equals("none")) {
                if (!statements.delete(FirewallStatements.ATTACH_PID, name)) {
                    throw new IllegalArgumentException("no rule set on " + where + " " + d.text() + " (see fw:attachments)");
                }
                return null;
            }
            checkSetExists(set);
            statements.store(FirewallStatements.AttachStatement.SPEC, name,
                    Map.of("iface", where, "direction", d.text(), "set", set));
            return null;
        });
    }

    private void checkSetExists(String set) {
        if (!fw.ruleSets().containsKey(set)) {
            throw new IllegalArgumentException("no rule set " + set + " (make one: fw:rule NAME set=" + set
                    + " priority=10 action=permit ...)");
        }
    }

    /**
     * A VRF's attachment is stored as {@code fw-attach vrf-VRF-DIR vrf=VRF ...}, unless a statement for
     * that VRF and direction is stored already under a name of its own (written in a file): then that one.
     */
    private Object attachVrf(String vrf, Direction d, String set) {
        if (vrf.isEmpty()) {
            throw new IllegalArgumentException("vrf= needs a VRF name: fw:attach vrf=VRF in|out SET|none");
        }
        List<String> stored = vrfStatements(vrf, d);
        if (set.equals("none")) {
            if (stored.isEmpty()) {
                throw new IllegalArgumentException("no rule set on vrf=" + vrf + " " + d.text() + " (see fw:attachments)");
            }
            for (String name : stored) {
                statements.delete(FirewallStatements.ATTACH_PID, name);
            }
            return null;
        }
        if (routing.vrfs().stream().noneMatch(v -> v.name().equals(vrf))) {
            throw FirewallControl.noVrf(vrf);
        }
        checkSetExists(set);
        String name = stored.isEmpty() ? "vrf-" + vrf + "-" + d.text() : stored.getFirst();
        statements.store(FirewallStatements.AttachStatement.SPEC, name,
                Map.of("vrf", vrf, "direction", d.text(), "set", set));
        return null;
    }

    private List<String> vrfStatements(String vrf, Direction d) {
        List<String> out = new java.util.ArrayList<>();
        statements.all(FirewallStatements.ATTACH_PID).forEach((name, w) -> {
            if (vrf.equals(w.get("vrf")) && d.text().equals(w.get("direction"))) {
                out.add(name);
            }
        });
        return out;
    }

    @Descriptor("list the rule sets on interfaces and VRFs")
    public Object attachments(String... args) {
        return ATTACHMENTS.run(args, a -> {
            List<Firewall.Attachment> ifaces = fw.attachments();
            List<Firewall.VrfAttachment> vrfs = fw.vrfAttachments();
            if (ifaces.isEmpty() && vrfs.isEmpty()) {
                return "no rule sets attached (fw:attach --help)";
            }
            Table t = new Table("IFACE|VRF", "DIRECTION", "SET");
            for (Firewall.Attachment x : ifaces) {
                t.row(x.iface(), x.direction().text(), x.ruleSet());
            }
            for (Firewall.VrfAttachment x : vrfs) {
                t.row("vrf=" + x.vrf(), x.direction().text(), x.ruleSet());
            }
            return t.toString();
        });
    }

    private static int protocol(String p) {
        return switch (p) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "icmp6" -> 58;
            default -> {
                try {
                    yield Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--proto " + p + ": tcp, udp, icmp, icmp6 or a number");
                }
            }
        };
    }

    @Descriptor("list the tracked connections")
    public Object sessions(String... args) {
        return SESSIONS.run(args, a -> {
            long zone = a.number("zone", -1, -1, 65535);
            int proto = a.has("proto") ? protocol(a.get("proto", "")) : -1;
            String host = null;
            if (a.has("host")) {
                Prefix p = Prefix.parse(a.get("host", ""));
                host = Prefix.format(p.family(), p.high(), p.low());
            }
            long port = a.number("port", -1, 0, 65535);
            String state = a.get("state", null);
            long max = a.number("max", 1000, 1, 10_000_000);
            List<Firewall.Session> all = fw.sessions(Integer.MAX_VALUE);
            Table t = new Table("ZONE", "PROTO", "SOURCE", "DESTINATION", "STATE", "IDLE", "EXPIRES");
            int n = 0;
            for (Firewall.Session s : all) {
                if (zone >= 0 && s.zone() != zone || proto >= 0 && s.protocol() != proto
                        || host != null && !host.equals(s.source()) && !host.equals(s.destination())
                        || port >= 0 && s.sourcePort() != port && s.destinationPort() != port
                        || state != null && !state.equalsIgnoreCase(s.state())) {
                    continue;
                }
                n++;
                if (!a.has("count") && n <= max) {
                    t.row(Integer.toString(s.zone()), name(s.protocol()), endpoint(s.source(), s.sourcePort()),
                            endpoint(s.destination(), s.destinationPort()), s.state(), s.idleMillis() / 1000 + "s",
                            s.expiresMillis() / 1000 + "s");
                }
            }
            if (a.has("count")) {
                return n + " connections";
            }
            return n == 0 ? "no tracked connections" + (all.isEmpty() ? "" : " match") : t + (n > max ? "\n(" + max + " of " + n + ")" : "");
        });
    }

    private static String endpoint(String addr, int port) {
        return (addr.indexOf(':') >= 0 ? "[" + addr + "]" : addr) + ":" + port;
    }

    private static String name(int proto) {
        return switch (proto) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1 -> "icmp";
            case 58 -> "icmp6";
            default -> Integer.toString(proto);
        };
    }

    @Descriptor("forget every tracked connection")
    public Object clear(String... args) {
        return CLEAR.run(args, a -> fw.clearSessions() + " connections forgotten");
    }

    @Descriptor("limit the connections a VRF tracks")
    public Object zone(String... args) {
        return ZONE.run(args, a -> {
            String vrf = a.arg(0), what = a.arg(1);
            if (what.equals("none")) {
                if (!statements.delete(FirewallStatements.ZONE_PID, vrf)) {
                    throw new IllegalArgumentException("no limit on " + vrf + " (see fw:zones)");
                }
                return null;
            }
            Map<String, String> w = StoredStatements.keyValues(FirewallStatements.ZoneStatement.SPEC, List.of(what));
            w.put("vrf", vrf);
            statements.store(FirewallStatements.ZoneStatement.SPEC, vrf, w);
            return null;
        });
    }

    @Descriptor("connections by zone, and the table")
    public Object zones(String... args) {
        return ZONES.run(args, a -> {
            Table t = new Table("ZONE", "ENTRIES", "LIMIT", "REFUSED");
            for (Firewall.ZoneStatus z : fw.zones()) {
                t.row(Integer.toString(z.zone()), Long.toString(z.entries()), z.limit() == 0 ? "-" : Long.toString(z.limit()),
                        Long.toString(z.refused()));
            }
            StringBuilder sb = new StringBuilder();
            fw.tableCounters().forEach((k, v) -> sb.append(sb.isEmpty() ? "table: " : ", ").append(k).append(' ').append(v));
            return (fw.zones().isEmpty() ? "no connections tracked" : t.toString()) + "\n" + sb;
        });
    }

    @Descriptor("show or change the connection table's settings")
    public Object settings(String... args) {
        return SETTINGS.run(args, a -> {
            StatementSpec spec = FirewallStatements.SettingsStatement.SPEC;
            if (a.positional.isEmpty()) {
                Table t = new Table("SETTING", "VALUE");
                t.row("liberal", Boolean.toString(fw.liberal()));
                t.row("table", Long.toString(fw.tableCounters().get("capacity")));
                fw.timeouts().forEach((k, v) -> t.row(k, v + "s"));
                return t.toString();
            }
            try {
                Configuration c = cm.getConfiguration(spec.pid(), "?");
                Map<String, String> words = new LinkedHashMap<>();
                Dictionary<String, Object> old = c.getProperties();
                if (old != null) {
                    for (Enumeration<String> k = old.keys(); k.hasMoreElements(); ) {
                        String key = k.nextElement();
                        if (spec.keys().containsKey(key)) {
                            words.put(key, String.valueOf(old.get(key)));
                        }
                    }
                }
                words.putAll(StoredStatements.keyValues(spec, a.positional));
                Map<String, Object> checked = spec.check(null, words);
                Dictionary<String, Object> p = new Hashtable<>();
                checked.forEach(p::put);
                c.update(p);
            } catch (IOException e) {
                throw new IllegalStateException("cannot store configuration: " + e);
            }
            return null;
        });
    }
}
