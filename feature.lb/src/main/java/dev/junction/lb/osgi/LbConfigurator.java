package dev.junction.lb.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.lb.LoadBalancer;
import dev.junction.lb.control.LbControl;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;

/**
 * The stored statements applied to the load balancer. A backend whose service is not (yet) there
 * waits for it; a removed service takes its backends out of the data plane, their statements stay.
 * A statement that cannot apply is refused with the reason and changes nothing.
 */
final class LbConfigurator {
    private static final System.Logger LOG = System.getLogger("dev.junction.lb");
    private final LbControl control;
    private final Map<String, LoadBalancer.ServiceSpec> services = new HashMap<>();
    private final Map<String, LoadBalancer.BackendSpec> backends = new LinkedHashMap<>();

    LbConfigurator(LbControl control) {
        this.control = control;
    }

    private static Map<String, Object> checked(StatementSpec spec, String name, Dictionary<String, ?> p)
            throws ConfigurationException {
        Map<String, String> words = new LinkedHashMap<>();
        spec.read(p).forEach((k, v) -> words.put(k, String.valueOf(v)));
        try {
            return spec.check(name, words);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(null, spec.kind() + " " + name + ": " + e.getMessage());
        }
    }

    private static String name(String pid, Dictionary<String, ?> p) throws ConfigurationException {
        Object n = p == null ? null : p.get("name");
        if (n == null) {
            throw new ConfigurationException("name", "statement " + pid + " has no name");
        }
        return n.toString();
    }

    /**
     * {@code lb-settings}: the timeouts apply at once; the table's size when feature.lb starts next
     * (an update of the bundle moves the flows into a table of the new size), which is said.
     */
    org.osgi.service.cm.ManagedService settings() {
        return p -> {
            Map<String, Object> v = checked(LbStatements.SettingsStatement.SPEC, "lb-settings", p);
            applyTimeouts(control.table(), v);
            if (((Number) v.get("table")).intValue() != control.table().capacity()) {
                LOG.log(System.Logger.Level.INFO, "lb-settings table=" + v.get("table")
                        + " applies when feature.lb starts again (now " + control.table().capacity() + ")");
            }
        };
    }

    /** The timeouts of checked {@code lb-settings} values on {@code table}. */
    private static void applyTimeouts(dev.junction.lb.flows.FlowTable table, Map<String, Object> v) {
        long s = 1_000_000_000L;
        table.timeouts(((Number) v.get("tcp")).longValue() * s, ((Number) v.get("tcp-closing")).longValue() * s,
                ((Number) v.get("udp")).longValue() * s);
    }

    /** The table size of stored {@code lb-settings} properties, or the default when there are none or they are bad. */
    static int tableSize(Dictionary<String, ?> p) {
        if (p == null) {
            return LbStatements.DEFAULT_TABLE;
        }
        try {
            return ((Number) checked(LbStatements.SettingsStatement.SPEC, "lb-settings", p).get("table")).intValue();
        } catch (ConfigurationException e) {
            LOG.log(System.Logger.Level.WARNING, e.getReason() + "; the table keeps " + LbStatements.DEFAULT_TABLE + " slots");
            return LbStatements.DEFAULT_TABLE;
        }
    }

    ManagedServiceFactory serviceFactory() {
        return new ManagedServiceFactory() {
            public String getName() {
                return "lb-service";
            }

            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                synchronized (LbConfigurator.this) {
                    String name = name(pid, p);
                    LoadBalancer.ServiceSpec s = LbStatements.service(name,
                            checked(LbStatements.ServiceStatement.SPEC, name, p));
                    try {
                        control.addService(s);
                    } catch (IllegalArgumentException e) {
                        throw new ConfigurationException(null, "lb-service " + name + ": " + e.getMessage());
                    }
                    LoadBalancer.ServiceSpec old = services.put(pid, s);
                    if (old != null && !old.name().equals(s.name())) {
                        control.removeService(old.name());
                    }
                    for (LoadBalancer.BackendSpec b : backends.values()) {
                        if (b.service().equals(s.name())) {
                            apply(b);
                        }
                    }
                }
            }

            public void deleted(String pid) {
                synchronized (LbConfigurator.this) {
                    LoadBalancer.ServiceSpec s = services.remove(pid);
                    if (s != null) {
                        control.removeService(s.name());
                    }
                }
            }
        };
    }

    private void apply(LoadBalancer.BackendSpec b) {
        try {
            control.addBackend(b);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "lb-backend " + b.key() + " of " + b.service() + ": " + e.getMessage());
        }
    }

    private boolean hasService(String name) {
        return services.values().stream().anyMatch(s -> s.name().equals(name));
    }

    ManagedServiceFactory backendFactory() {
        return new ManagedServiceFactory() {
            public String getName() {
                return "lb-backend";
            }

            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                synchronized (LbConfigurator.this) {
                    String name = name(pid, p);
                    LoadBalancer.BackendSpec b = LbStatements.backend(checked(LbStatements.BackendStatement.SPEC, name, p));
                    LoadBalancer.BackendSpec old = backends.get(pid);
                    if (hasService(b.service())) {
                        try {
                            control.addBackend(b);
                        } catch (IllegalArgumentException e) {
                            throw new ConfigurationException(null, "lb-backend " + name + ": " + e.getMessage());
                        }
                    }
                    backends.put(pid, b);
                    if (old != null && (!old.service().equals(b.service()) || !old.key().equals(b.key()))) {
                        remove(old);
                    }
                }
            }

            public void deleted(String pid) {
                synchronized (LbConfigurator.this) {
                    LoadBalancer.BackendSpec b = backends.remove(pid);
                    if (b != null) {
                        remove(b);
                    }
                }
            }
        };
    }

    private void remove(LoadBalancer.BackendSpec b) {
        if (hasService(b.service())) {
            try {
                control.removeBackend(b.service(), b.address(), b.port());
            } catch (IllegalArgumentException e) {
                // it was never applied
            }
        }
    }

    /** {@code lb-health}: one per service, the statement's name being the service's; applied at once, refused whole. */
    ManagedServiceFactory healthFactory() {
        return new ManagedServiceFactory() {
            private final Map<String, String> services = new HashMap<>();

            public String getName() {
                return "lb-health";
            }

            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                synchronized (LbConfigurator.this) {
                    String name = name(pid, p);
                    LoadBalancer.HealthSpec h = LbStatements.health(name, checked(LbStatements.HealthStatement.SPEC, name, p));
                    try {
                        control.health(h);
                    } catch (IllegalArgumentException e) {
                        throw new ConfigurationException(null, "lb-health " + name + ": " + e.getMessage());
                    }
                    String old = services.put(pid, name);
                    if (old != null && !old.equals(name)) {
                        control.removeHealth(old);
                    }
                }
            }

            public void deleted(String pid) {
                synchronized (LbConfigurator.this) {
                    String name = services.remove(pid);
                    if (name != null) {
                        try {
                            control.removeHealth(name);
                        } catch (IllegalArgumentException e) {
                            // already gone
                        }
                    }
                }
            }
        };
    }
}
