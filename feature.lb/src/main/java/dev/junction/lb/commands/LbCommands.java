package dev.junction.lb.commands;

import dev.junction.lb.LoadBalancer;
import dev.junction.lb.osgi.LbStatements;
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
 * {@code lb:*}: services and backends are persisted as {@code lb-service} and {@code lb-backend}
 * statements, checked whole by the same specs (a bad word is refused with the reason and the form, and
 * nothing is stored); counters and flows are live.
 */
@Component(enabled = false, service = LbCommands.class, property = {"osgi.command.scope=lb",
        "osgi.command.function=services", "osgi.command.function=drain", "osgi.command.function=connections",
        "osgi.command.function=clear", "osgi.command.function=health"})
public final class LbCommands {
    static final Cli SERVICES = Cli.command("lb:services", "services with their backends: weight, share of the Maglev "
            + "table, flows given, packets, flows tracked and refused").optionalArg("[SERVICE]");
    static final Cli SERVICE_ADD = Cli.command("lb:service-add", "make or change a service (persisted): "
            + LbStatements.ServiceStatement.SPEC.usage())
            .arg("NAME").arg("VIP").arg("tcp|udp").arg("PORT|all").optionalArg("[vrf=VRF table=PRIME limit=N mode=nat|dsr|gre source=A.B.C.D ...]");
    static final Cli SERVICE_REMOVE = Cli.command("lb:service-remove", "remove a service and its backends (persisted)")
            .arg("NAME");
    static final Cli BACKEND_ADD = Cli.command("lb:backend-add", "add or change a backend of a service (persisted): "
            + LbStatements.BackendStatement.SPEC.usage())
            .arg("SERVICE").arg("ADDRESS").optionalArg("[port=N weight=N ...]");
    static final Cli BACKEND_REMOVE = Cli.command("lb:backend-remove", "remove a backend; its flows are balanced again "
            + "(persisted)").arg("SERVICE").arg("ADDRESS").optionalArg("[port=N]");
    static final Cli DRAIN = Cli.command("lb:drain", "a backend takes no new flows and keeps its current ones "
            + "(off: takes new flows again; persisted)").arg("SERVICE").arg("ADDRESS").optionalArg("[port=N off ...]");
    static final Cli CONNECTIONS = Cli.command("lb:connections", "the tracked flows")
            .option("service", "NAME", "only this service").option("host", "ADDR", "only with this address at an end")
            .option("port", "N", "only with this port at an end").option("max", "N", "at most this many (1000)")
            .flag("count", "only count them");
    static final Cli HEALTH = Cli.command("lb:health", "health checks: with a service and settings, set them (persisted: "
            + LbStatements.HealthStatement.SPEC.usage() + "); 'off' stops them; without settings, each checked "
            + "backend's state, last result, failures or passes in a row, probes and failures")
            .optionalArg("SERVICE").optionalArg("off|KEY=VALUE...");
    static final Cli CLEAR = Cli.command("lb:clear", "forget every tracked flow (their next packets are balanced again)");

    private final StoredStatements statements;
    private final LoadBalancer lb;

    @Activate
    public LbCommands(@Reference ConfigurationAdmin cm, @Reference LoadBalancer lb) {
        this.statements = new StoredStatements(cm);
        this.lb = lb;
    }

    private static Map<String, String> words(List<String> positional, int from, String... allowed) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String w : positional.subList(Math.min(from, positional.size()), positional.size())) {
            int eq = w.indexOf('=');
            String key = eq > 0 ? w.substring(0, eq) : w;
            if (eq <= 0 || !List.of(allowed).contains(key)) {
                throw new IllegalArgumentException("'" + w + "' is not one of " + String.join("=, ", allowed) + "=");
            }
            out.put(key, w.substring(eq + 1));
        }
        return out;
    }

    @Descriptor("list the services, their backends and counters")
    public Object services(String... args) {
        return SERVICES.run(args, a -> {
            String only = a.arg(0, null);
            StringBuilder sb = new StringBuilder();
            for (LoadBalancer.ServiceStatus s : lb.services()) {
                LoadBalancer.ServiceSpec x = s.spec();
                if (only != null && !only.equals(x.name())) {
                    continue;
                }
                sb.append("service ").append(x.name()).append(": ").append(x.vip()).append(' ').append(x.protocol())
                        .append(' ').append(x.port() == 0 ? "all ports" : "port " + x.port()).append(", vrf ").append(x.vrf())
                        .append(", ").append(x.mode()).append(x.source() == null ? "" : " from " + x.source()).append(", table ").append(x.tableSize()).append(", flows ")
                        .append(s.flows()).append(x.limit() > 0 ? " of " + x.limit() : "").append(", refused ")
                        .append(s.refused()).append('\n');
                if (s.backends().isEmpty()) {
                    sb.append("  (no backends: lb:backend-add ").append(x.name()).append(" ADDRESS)\n\n");
                    continue;
                }
                Map<String, String> health = new java.util.HashMap<>();
                for (LoadBalancer.BackendHealth h : lb.health()) {
                    if (h.service().equals(x.name())) {
                        health.put(h.backend(), h.state());
                    }
                }
                Table t = new Table("BACKEND", "WEIGHT", "STATE", "HEALTH", "SHARE", "FLOWS", "PACKETS");
                for (LoadBalancer.BackendStatus b : s.backends()) {
                    t.row(b.spec().key(), Integer.toString(b.spec().weight()), b.spec().drained() ? "drained" : "active",
                            health.getOrDefault(b.spec().key(), "-"),
                            String.format("%.1f%%", 100.0 * b.tableShare() / x.tableSize()), Long.toString(b.flows()),
                            Long.toString(b.packets()));
                }
                sb.append(t).append('\n');
            }
            LoadBalancer.TableStatus t = lb.tableStatus();
            String table = "flow table: " + t.slots() + " slots, " + t.entries() + " in use; idle timeouts tcp "
                    + t.tcpSeconds() + " s, tcp-closing " + t.tcpClosingSeconds() + " s, udp " + t.udpSeconds()
                    + " s (lb-settings)";
            if (sb.isEmpty()) {
                return (only == null ? "no services (lb:service-add --help)" : "no service " + only + " (see lb:services)")
                        + "\n" + table;
            }
            return sb.append(table).toString();
        });
    }

    @Descriptor("make or change a load-balanced service")
    public Object serviceAdd(String... args) {
        return SERVICE_ADD.run(args, a -> {
            Map<String, String> w = new LinkedHashMap<>();
            w.put("vip", a.arg(1));
            w.put("proto", a.arg(2));
            w.put("port", a.arg(3).equals("all") ? "0" : a.arg(3));
            w.putAll(words(a.positional, 4, "vrf", "table", "limit", "mode", "source"));
            statements.store(LbStatements.ServiceStatement.SPEC, a.arg(0), w);
            return null;
        });
    }

    @Descriptor("remove a service and its backends")
    public Object serviceRemove(String... args) {
        return SERVICE_REMOVE.run(args, a -> {
            String name = a.arg(0);
            if (!statements.delete(LbStatements.SERVICE_PID, name)) {
                throw new IllegalArgumentException("no service " + name + " (see lb:services)");
            }
            for (Map.Entry<String, Map<String, String>> e : statements.all(LbStatements.BACKEND_PID).entrySet()) {
                if (name.equals(e.getValue().get("service"))) {
                    statements.delete(LbStatements.BACKEND_PID, e.getKey());
                }
            }
            return null;
        });
    }

    private static int port(Map<String, String> w) {
        try {
            return Integer.parseInt(w.getOrDefault("port", "0"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port=" + w.get("port") + ": a number, 1..65535");
        }
    }

    private static String address(String text) {
        long[] a = dev.junction.lb.control.Addresses.parse(text);
        return dev.junction.lb.control.Addresses.format((int) a[0], a[1], a[2]);
    }

    /** The name of the stored statement of this backend, found by its words; null for none. */
    private String existingBackend(String service, String address, int port) {
        for (Map.Entry<String, Map<String, String>> e : statements.all(LbStatements.BACKEND_PID).entrySet()) {
            Map<String, String> w = e.getValue();
            if (service.equals(w.get("service")) && address.equals(address(w.get("address"))) && port == port(w)) {
                return e.getKey();
            }
        }
        return null;
    }

    private String backendStatement(String service, String address, int port) {
        String name = existingBackend(service, address, port);
        if (name == null) {
            throw new IllegalArgumentException("service " + service + " has no backend " + address
                    + (port > 0 ? " port " + port : "") + " (see lb:services)");
        }
        return name;
    }

    @Descriptor("add or change a backend of a service")
    public Object backendAdd(String... args) {
        return BACKEND_ADD.run(args, a -> {
            String service = a.arg(0), address = address(a.arg(1));
            Map<String, String> w = words(a.positional, 2, "port", "weight");
            LoadBalancer.ServiceSpec spec = null;
            for (LoadBalancer.ServiceStatus s : lb.services()) {
                spec = s.spec().name().equals(service) ? s.spec() : spec;
            }
            if (spec == null) {
                throw new IllegalArgumentException("no service " + service + " (lb:service-add first)");
            }
            if ((address.indexOf(':') >= 0) != (spec.vip().indexOf(':') >= 0)) {
                throw new IllegalArgumentException("backend " + address + " is not of the family of VIP " + spec.vip());
            }
            String name = existingBackend(service, address, port(w));
            name = name != null ? name : LbStatements.backendName(service, address, port(w));
            Map<String, String> merged = statements.stored(LbStatements.BACKEND_PID, name);
            merged.put("service", service);
            merged.put("address", address);
            merged.putAll(w);
            statements.store(LbStatements.BackendStatement.SPEC, name, merged);
            return null;
        });
    }

    @Descriptor("remove a backend of a service")
    public Object backendRemove(String... args) {
        return BACKEND_REMOVE.run(args, a -> {
            String service = a.arg(0), address = address(a.arg(1));
            int port = port(words(a.positional, 2, "port"));
            statements.delete(LbStatements.BACKEND_PID, backendStatement(service, address, port));
            return null;
        });
    }

    @Descriptor("drain a backend (no new flows), or undrain it with off")
    public Object drain(String... args) {
        return DRAIN.run(args, a -> {
            String service = a.arg(0), address = address(a.arg(1));
            boolean off = a.positional.size() > 2 && a.positional.get(a.positional.size() - 1).equals("off");
            List<String> rest = a.positional.subList(0, off ? a.positional.size() - 1 : a.positional.size());
            int port = port(words(rest, 2, "port"));
            String name = backendStatement(service, address, port);
            Map<String, String> w = statements.stored(LbStatements.BACKEND_PID, name);
            w.put("drain", Boolean.toString(!off));
            statements.store(LbStatements.BackendStatement.SPEC, name, w);
            return null;
        });
    }

    @Descriptor("list the tracked flows")
    public Object connections(String... args) {
        return CONNECTIONS.run(args, a -> {
            String host = a.has("host") ? address(a.get("host", "")) : null;
            int port = (int) a.number("port", 0, 1, 65535);
            int max = (int) a.number("max", 1000, 1, 10_000_000);
            List<LoadBalancer.Connection> cs = lb.connections(a.get("service", null), host, port,
                    a.has("count") ? Integer.MAX_VALUE : max);
            if (a.has("count")) {
                return cs.size() + " flows";
            }
            if (cs.isEmpty()) {
                return "no flows";
            }
            Table t = new Table("SERVICE", "PROTO", "CLIENT", "VIP", "BACKEND", "IDLE", "STATE");
            for (LoadBalancer.Connection c : cs) {
                t.row(c.service(), c.protocol(), c.client(), c.vip(), c.backend(), c.idleMillis() / 1000 + "s",
                        c.closing() ? "closing" : "open");
            }
            return t.toString();
        });
    }

    @Descriptor("show the health checks, or set them for a service (off: stop them)")
    public Object health(String... args) {
        return HEALTH.run(args, a -> {
            String service = a.arg(0, null);
            if (service != null && a.positional.size() > 1) {
                if (a.positional.size() == 2 && a.positional.get(1).equals("off")) {
                    if (!statements.delete(LbStatements.HEALTH_PID, service)) {
                        throw new IllegalArgumentException("service " + service + " has no health checks (see lb:health)");
                    }
                    return null;
                }
                Map<String, String> w = statements.stored(LbStatements.HEALTH_PID, service);
                w.putAll(words(a.positional, 1, "probe", "path", "interval", "timeout", "fall", "rise", "port", "source"));
                statements.store(LbStatements.HealthStatement.SPEC, service, w);
                return null;
            }
            StringBuilder sb = new StringBuilder();
            for (LoadBalancer.HealthSpec h : lb.healthSpecs()) {
                if (service != null && !service.equals(h.service())) {
                    continue;
                }
                sb.append("service ").append(h.service()).append(": ").append(h.probe())
                        .append(h.path() == null ? "" : " GET " + h.path()).append(" probe every ")
                        .append(h.intervalMillis()).append(" ms, timeout ").append(h.timeoutMillis()).append(" ms, fall ")
                        .append(h.fall()).append(", rise ").append(h.rise())
                        .append(h.port() == 0 ? "" : ", port " + h.port())
                        .append(h.source() == null ? "" : ", from " + h.source()).append('\n');
                Table t = new Table("BACKEND", "STATE", "LAST", "FAILS", "PASSES", "PROBES", "FAILED", "SINCE");
                for (LoadBalancer.BackendHealth b : lb.health()) {
                    if (b.service().equals(h.service())) {
                        t.row(b.backend(), b.state(), b.last(), Integer.toString(b.fails()), Integer.toString(b.passes()),
                                Long.toString(b.probes()), Long.toString(b.failures()),
                                b.changedMillisAgo() < 0 ? "-" : b.changedMillisAgo() / 1000 + "s");
                    }
                }
                sb.append(t).append('\n');
            }
            if (sb.isEmpty()) {
                return service == null ? "no health checks (lb:health SERVICE interval=1000 fall=3 rise=2)"
                        : "service " + service + " has no health checks (lb:health " + service + " interval=1000)";
            }
            return sb.toString().stripTrailing();
        });
    }

    @Descriptor("forget every tracked flow")
    public Object clear(String... args) {
        return CLEAR.run(args, a -> lb.clearConnections() + " flows forgotten");
    }

}
