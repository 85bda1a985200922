package dev.junction.firewall.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.firewall.Direction;
import dev.junction.firewall.Rule;
import dev.junction.firewall.control.FirewallControl;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedService;
import org.osgi.service.cm.ManagedServiceFactory;

/**
 * The stored statements applied to the firewall. A rule set is its {@code fw-rule} statements, by
 * priority then name; a changed rule rebuilds its set whole, and a rule the set refuses leaves the
 * running set as it was. A statement that cannot apply is refused with the reason (logged by
 * ConfigAdmin) and changes nothing.
 */
final class FirewallConfigurator {
    private static final System.Logger LOG = System.getLogger("dev.junction.firewall");
    private final FirewallControl control;
    private final ToIntFunction<String> vrfId;
    private record StoredRule(String set, String name, Rule rule) {
    }
    private final Map<String, StoredRule> rules = new HashMap<>();

    /** Where an fw-attach statement puts its set: an interface's direction, or a VRF's (iface null). */
    private record Target(String iface, String vrf, Direction direction) {
        static Target of(Map<String, Object> v) {
            Object iface = v.get("iface"), vrf = v.get("vrf");
            return new Target(iface == null ? null : iface.toString(), vrf == null ? null : vrf.toString(),
                    Direction.parse(v.get("direction").toString()));
        }

        void attach(FirewallControl control, String set) {
            if (iface != null) {
                control.attach(iface, direction, set);
            } else {
                control.attachVrf(vrf, direction, set);
            }
        }

        void detach(FirewallControl control) {
            if (iface != null) {
                control.detach(iface, direction);
            } else {
                control.detachVrf(vrf, direction);
            }
        }
    }
    private record Waiting(Target target, String set) {
    }
    private final Map<String, Target> attachments = new HashMap<>();
    /**
     * fw-attach statements whose set has no rule yet, by pid: ConfigAdmin hands statements over one
     * by one in no particular order, so an attachment may come before its set's first fw-rule; it is
     * applied when that rule comes.
     */
    private final Map<String, Waiting> waiting = new HashMap<>();
    private final Map<String, Integer> zones = new HashMap<>();

    FirewallConfigurator(FirewallControl control, ToIntFunction<String> vrfId) {
        this.control = control;
        this.vrfId = vrfId;
    }

    private static Object name(String pid, Dictionary<String, ?> p) throws ConfigurationException {
        Object n = p == null ? null : p.get("name");
        if (n == null) {
            throw new ConfigurationException("name", "statement " + pid + " has no name");
        }
        return n;
    }

    private static Map<String, Object> checked(StatementSpec spec, String name, Dictionary<String, ?> p)
            throws ConfigurationException {
        Map<String, String> words = new java.util.LinkedHashMap<>();
        spec.read(p).forEach((k, v) -> words.put(k, String.valueOf(v)));
        try {
            return spec.check(name, words);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(null, spec.kind() + " " + name + ": " + e.getMessage());
        }
    }

    private List<Rule> rulesOf(String set, Map<String, StoredRule> from) {
        List<StoredRule> mine = new ArrayList<>();
        for (StoredRule r : from.values()) {
            if (r.set.equals(set)) {
                mine.add(r);
            }
        }
        mine.sort(Comparator.comparingInt((StoredRule r) -> r.rule.priority()).thenComparing(StoredRule::name));
        List<Rule> out = new ArrayList<>();
        for (StoredRule r : mine) {
            out.add(r.rule);
        }
        return out;
    }

    private void rebuild(String set, Map<String, StoredRule> from) {
        List<Rule> list = rulesOf(set, from);
        boolean attached = control.attachments().stream().anyMatch(a -> a.ruleSet().equals(set))
                || control.vrfAttachments().stream().anyMatch(a -> a.ruleSet().equals(set));
        if (list.isEmpty() && !attached) {
            control.removeRuleSet(set);
        } else {
            control.ruleSet(set, list); // an attached set with no rules left denies everything
        }
    }

    ManagedServiceFactory ruleFactory() {
        return new ManagedServiceFactory() {
            public String getName() {
                return "Junction firewall rules";
            }

            public synchronized void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                String name = name(pid, p).toString();
                Map<String, Object> v = checked(FirewallStatements.RuleStatement.SPEC, name, p);
                Rule rule;
                try {
                    rule = FirewallStatements.rule(v);
                } catch (IllegalArgumentException e) {
                    throw new ConfigurationException(null, "fw-rule " + name + ": " + e.getMessage());
                }
                StoredRule next = new StoredRule(v.get("set").toString(), name, rule);
                synchronized (FirewallConfigurator.this) {
                    Map<String, StoredRule> after = new HashMap<>(rules);
                    StoredRule before = after.put(pid, next);
                    try {
                        rebuild(next.set, after);
                        if (before != null && !before.set.equals(next.set)) {
                            rebuild(before.set, after);
                        }
                    } catch (IllegalArgumentException e) {
                        throw new ConfigurationException(null, "fw-rule " + name + ": " + e.getMessage());
                    }
                    rules.put(pid, next);
                    attachWaiting(next.set);
                }
            }

            public void deleted(String pid) {
                synchronized (FirewallConfigurator.this) {
                    StoredRule r = rules.remove(pid);
                    if (r != null) {
                        rebuild(r.set, rules);
                    }
                }
            }
        };
    }

    /** Applies the attachments that waited for {@code set}; under this object's monitor. */
    private void attachWaiting(String set) {
        for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Waiting> e = it.next();
            Waiting w = e.getValue();
            if (w.set.equals(set) && control.ruleSets().containsKey(set)) {
                it.remove();
                try {
                    w.target.attach(control, set);
                    attachments.put(e.getKey(), w.target);
                } catch (IllegalArgumentException ex) { // its VRF removed while it waited
                    LOG.log(System.Logger.Level.WARNING, "fw-attach " + e.getKey() + ": " + ex.getMessage());
                }
            }
        }
    }

    ManagedServiceFactory attachFactory() {
        return new ManagedServiceFactory() {
            public String getName() {
                return "Junction firewall attachments";
            }

            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                String name = name(pid, p).toString();
                Map<String, Object> v = checked(FirewallStatements.AttachStatement.SPEC, name, p);
                Target target = Target.of(v);
                String set = v.get("set").toString();
                if (target.vrf != null) {
                    try {
                        vrfId.applyAsInt(target.vrf); // an unknown VRF is refused now, not when its set comes
                    } catch (IllegalArgumentException e) {
                        throw new ConfigurationException("vrf", "fw-attach " + name + ": " + e.getMessage());
                    }
                }
                synchronized (FirewallConfigurator.this) {
                    Target before = attachments.get(pid);
                    waiting.remove(pid);
                    if (!control.ruleSets().containsKey(set) && rules.values().stream().noneMatch(r -> r.set.equals(set))) {
                        if (before != null) { // moved onto a set that has no rule yet: off the old place
                            before.detach(control);
                            attachments.remove(pid);
                        }
                        waiting.put(pid, new Waiting(target, set));
                        LOG.log(System.Logger.Level.INFO, "fw-attach " + name + ": waits for a rule of set " + set);
                        return;
                    }
                    try {
                        target.attach(control, set);
                    } catch (IllegalArgumentException e) {
                        throw new ConfigurationException(target.vrf != null ? "vrf" : "set",
                                "fw-attach " + name + ": " + e.getMessage());
                    }
                    if (before != null && !before.equals(target)) {
                        before.detach(control);
                    }
                    attachments.put(pid, target);
                }
            }

            public void deleted(String pid) {
                synchronized (FirewallConfigurator.this) {
                    waiting.remove(pid);
                    Target a = attachments.remove(pid);
                    if (a != null) {
                        a.detach(control);
                    }
                }
            }
        };
    }

    ManagedServiceFactory zoneFactory() {
        return new ManagedServiceFactory() {
            public String getName() {
                return "Junction firewall zones";
            }

            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                String name = name(pid, p).toString();
                Map<String, Object> v = checked(FirewallStatements.ZoneStatement.SPEC, name, p);
                int zone;
                try {
                    zone = vrfId.applyAsInt(v.get("vrf").toString());
                    control.zoneLimit(zone, ((Number) v.get("limit")).intValue());
                } catch (IllegalArgumentException e) {
                    throw new ConfigurationException("vrf", "fw-zone " + name + ": " + e.getMessage());
                }
                synchronized (FirewallConfigurator.this) {
                    Integer before = zones.put(pid, zone);
                    if (before != null && before != zone) {
                        control.zoneLimit(before, 0);
                    }
                }
            }

            public void deleted(String pid) {
                synchronized (FirewallConfigurator.this) {
                    Integer z = zones.remove(pid);
                    if (z != null) {
                        control.zoneLimit(z, 0);
                    }
                }
            }
        };
    }

    ManagedService settings() {
        return p -> {
            Map<String, Object> v = checked(FirewallStatements.SettingsStatement.SPEC, "fw-settings", p);
            control.liberal((Boolean) v.get("liberal"));
            control.logDenials(((Number) v.get("log-denials")).intValue());
            for (String t : dev.junction.firewall.Firewall.Timeouts.NAMES) {
                control.timeout(t, ((Number) v.get(t)).longValue());
            }
            if (((Number) v.get("table")).intValue() != control.table().capacity()) {
                LOG.log(System.Logger.Level.INFO, "fw-settings table=" + v.get("table")
                        + " applies when feature.firewall starts again (now " + control.table().capacity() + ")");
            }
        };
    }
}
