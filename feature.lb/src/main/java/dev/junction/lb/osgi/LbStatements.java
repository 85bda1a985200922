package dev.junction.lb.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.lb.LoadBalancer;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.maglev.Maglev;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** The load balancer's statements: services and their backends, checked whole before anything is stored. */
public final class LbStatements {
    public static final String SERVICE_PID = "junction.lb.service", BACKEND_PID = "junction.lb.backend",
            HEALTH_PID = "junction.lb.health", SETTINGS_PID = "junction.lb.settings";
    /** The flow table's slots when no {@code lb-settings table=} says otherwise: 2^20, 96 MiB (a NAT flow takes two). */
    public static final int DEFAULT_TABLE = 1 << 20;
    /** Idle timeouts by default, in seconds: an open TCP flow, one that saw FIN or RST, a UDP flow (the table's own). */
    public static final long DEFAULT_TCP = FlowTable.DEFAULT_OPEN_NANOS / 1_000_000_000L,
            DEFAULT_TCP_CLOSING = FlowTable.DEFAULT_CLOSING_NANOS / 1_000_000_000L,
            DEFAULT_UDP = FlowTable.DEFAULT_UDP_NANOS / 1_000_000_000L;

    private LbStatements() {
    }

    private static StatementSpec.Parser text(String what) {
        return t -> {
            if (t.isEmpty() || t.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("must be " + what + ", not '" + t + "'");
            }
            return t;
        };
    }

    static LoadBalancer.ServiceSpec service(String name, Map<String, Object> v) {
        return LbControl.normalise(new LoadBalancer.ServiceSpec(name, (String) v.get("vrf"), (String) v.get("vip"),
                (String) v.get("proto"), ((Number) v.get("port")).intValue(), (String) v.get("mode"),
                ((Number) v.get("table")).intValue(), ((Number) v.get("limit")).intValue(), (String) v.get("source")));
    }

    static LoadBalancer.BackendSpec backend(Map<String, Object> v) {
        return LbControl.normalise(new LoadBalancer.BackendSpec((String) v.get("service"), (String) v.get("address"),
                ((Number) v.get("port")).intValue(), ((Number) v.get("weight")).intValue(), (Boolean) v.get("drain")));
    }

    /**
     * The name the commands give a backend's statement: {@code SERVICE-ADDRESS[-PORT]} with an IPv6
     * address's colons as dots, or {@code SERVICE-HASH} where that is longer than a statement name may be
     * (the statement's own words, not its name, say which backend it is).
     */
    public static String backendName(String service, String address, int port) {
        String n = service + "-" + address.replace(':', '.') + (port > 0 ? "-" + port : "");
        return n.length() <= 47 ? n : service + "-" + Integer.toHexString((address + "/" + port).hashCode());
    }

    /**
     * {@code lb-service NAME vip=ADDR proto=tcp|udp port=N [vrf=VRF] [mode=nat] [table=PRIME] [limit=N]}:
     * a service on a VIP (port 0: all ports).
     */
    @Component(service = StatementType.class)
    public static final class ServiceStatement extends StatementSpec {
        public static final StatementSpec SPEC = new ServiceStatement();

        public ServiceStatement() {
            super(named("lb-service", SERVICE_PID)
                    .key("vip", "ADDR", "the virtual address, IPv4 or IPv6", text("an address such as 10.0.0.100"))
                    .key("proto", "tcp|udp", "the protocol", choice("tcp", "udp"))
                    .key("port", "N", "the destination port, 0 for all ports", number(0, 65535))
                    .key("vrf", "VRF", "the VRF of the VIP", name("a VRF name"), "default")
                    .key("mode", "nat|dsr|gre", "how packets reach a backend (nat: addresses rewritten both ways; dsr: only the "
                            + "MAC, the backend holds the VIP; gre: inside GRE to the backend)", choice("nat", "dsr", "gre"), "nat")
                    .key("source", "A.B.C.D", "gre: the outer header's source, one of Junction's addresses",
                            text("an IPv4 address"), null)
                    .key("table", "PRIME", "Maglev table size, a prime (65537, 655373)", number(3, 10_000_019),
                            (long) Maglev.DEFAULT_SIZE)
                    .key("limit", "N", "the most flows it tracks (0: the table's capacity)", number(0, 1 << 28), 0L)
                    .order(45)
                    .check(LbStatements::service));
        }
    }

    /**
     * {@code lb-backend NAME service=SVC address=ADDR [port=N] [weight=N] [drain=true|false]}: a backend of
     * a service (port 0: the port the client sent to; weight 0 or drain: no new flows).
     */
    @Component(service = StatementType.class)
    public static final class BackendStatement extends StatementSpec {
        public static final StatementSpec SPEC = new BackendStatement();

        public BackendStatement() {
            super(named("lb-backend", BACKEND_PID)
                    .key("service", "SVC", "the service", name("a service name"))
                    .key("address", "ADDR", "the backend's address, of the VIP's family", text("an address such as 10.1.0.2"))
                    .key("port", "N", "its port, 0 for the port the client sent to", number(0, 65535), 0L)
                    .key("weight", "N", "its share of new flows, relative to the others'", number(0, 1_000_000), 1L)
                    .key("drain", "true|false", "take no new flows, keep the current ones", bool(), false)
                    .order(46)
                    .check((name, v) -> backend(v)));
        }
    }

    static LoadBalancer.HealthSpec health(String service, Map<String, Object> v) {
        return dev.junction.lb.health.HealthChecker.normalise(new LoadBalancer.HealthSpec(service, (String) v.get("probe"),
                ((Number) v.get("interval")).intValue(), ((Number) v.get("timeout")).intValue(),
                ((Number) v.get("fall")).intValue(), ((Number) v.get("rise")).intValue(), ((Number) v.get("port")).intValue(),
                (String) v.get("source"), (String) v.get("path")));
    }

    /**
     * {@code lb-health SERVICE [probe=tcp|http] [path=PATH] [interval=MS] [timeout=MS] [fall=N] [rise=N] [port=N] [source=ADDR]}:
     * the service's backends are probed from Junction (a TCP handshake); {@code fall} failures in a row take
     * one out of the table, {@code rise} passes bring it back. The statement's name is the service's.
     */
    @Component(service = StatementType.class)
    public static final class HealthStatement extends StatementSpec {
        public static final StatementSpec SPEC = new HealthStatement();

        public HealthStatement() {
            super(named("lb-health", HEALTH_PID)
                    .key("probe", "tcp|http", "the probe: a TCP handshake (SYN, SYN-ACK, then RST), or that and a GET "
                            + "(status 200 to 399 passes)", choice("tcp", "http"), "tcp")
                    .key("path", "PATH", "http: what to GET", text("a path such as /health"), null)
                    .key("interval", "MS", "time between two probes of a backend", number(50, 3_600_000),
                            (long) dev.junction.lb.health.HealthChecker.DEFAULT_INTERVAL_MS)
                    .key("timeout", "MS", "how long a probe waits for its answer, at most the interval (0: 500 ms or the "
                            + "interval if shorter)", number(0, 3_600_000), 0L)
                    .key("fall", "N", "failures in a row that take a backend out of the table", number(1, 100),
                            (long) dev.junction.lb.health.HealthChecker.DEFAULT_FALL)
                    .key("rise", "N", "passes in a row that bring it back", number(1, 100),
                            (long) dev.junction.lb.health.HealthChecker.DEFAULT_RISE)
                    .key("port", "N", "the port probed, 0 for the backend's (or else the service's)", number(0, 65535), 0L)
                    .key("source", "ADDR", "the probes' source, one of Junction's addresses (default: the one on the "
                            + "interface towards the backend)", text("an address such as 10.1.0.1"), null)
                    .order(47)
                    .check(LbStatements::health));
        }
    }

    /**
     * {@code lb-settings [table=N] [tcp=SECONDS] [tcp-closing=SECONDS] [udp=SECONDS]}: the flow table's
     * size (slots, a power of two, read when feature.lb starts: an update of the bundle hands the flows
     * over into a table of the new size) and the flows' idle timeouts (applied at once).
     */
    @Component(service = StatementType.class)
    public static final class SettingsStatement extends StatementSpec {
        public static final StatementSpec SPEC = new SettingsStatement();

        public SettingsStatement() {
            super(singleton("lb-settings", SETTINGS_PID)
                    .key("table", "N", "flow table slots, a power of two; a NAT flow takes two, 96 bytes each (read "
                            + "when the bundle starts)", number(1 << 10, FlowTable.MAX_CAPACITY),
                            (long) DEFAULT_TABLE)
                    .key("tcp", "SECONDS", "idle timeout of an open TCP flow", number(1, 100L * 365 * 86400), DEFAULT_TCP)
                    .key("tcp-closing", "SECONDS", "idle timeout of a TCP flow that saw FIN or RST", number(1, 86400),
                            DEFAULT_TCP_CLOSING)
                    .key("udp", "SECONDS", "idle timeout of a UDP flow", number(1, 100L * 365 * 86400), DEFAULT_UDP)
                    .order(44)
                    .check((name, v) -> {
                        long t = ((Number) v.get("table")).longValue();
                        if (Long.bitCount(t) != 1) {
                            throw new IllegalArgumentException("table=" + t + " must be a power of two (1048576, 4194304)");
                        }
                    }));
        }
    }
}
