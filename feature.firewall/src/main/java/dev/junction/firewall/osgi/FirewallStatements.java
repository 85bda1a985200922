package dev.junction.firewall.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.Rule;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** The firewall's statements: rules, attachments, zone limits and the table's settings. */
public final class FirewallStatements {
    public static final String RULE_PID = "junction.fw.rule", ATTACH_PID = "junction.fw.attach",
            ZONE_PID = "junction.fw.zone", SETTINGS_PID = "junction.fw.settings";
    static final String[] MATCH_KEYS = {"family", "src", "dst", "proto", "sport", "dport", "icmp-type", "icmp-code",
            "flags", "fragment"};
    public static final int DEFAULT_CAPACITY = 1 << 18;

    private FirewallStatements() {
    }

    private static StatementSpec.Parser text(String what) {
        return t -> {
            if (t.isEmpty() || t.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("must be " + what + ", not '" + t + "'");
            }
            return t;
        };
    }

    /** The rule stored words say (the shell lists rules by name with it). */
    public static Rule ruleOf(Map<String, Object> words) {
        return rule(words);
    }

    /** The rule a checked {@code fw-rule} statement says (its set, priority, action and match keys). */
    static Rule rule(Map<String, Object> v) {
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("priority", String.valueOf(v.get("priority")));
        kv.put("action", String.valueOf(v.get("action")));
        for (String k : MATCH_KEYS) {
            if (v.get(k) != null) {
                kv.put(k, String.valueOf(v.get(k)));
            }
        }
        return Rule.of(kv);
    }

    /**
     * {@code fw-rule NAME set=SET priority=N action=permit|deny|permit+track [match keys]}: one rule
     * of rule set SET. A set's rules are ordered by priority, then by name.
     */
    @Component(service = StatementType.class)
    public static final class RuleStatement extends StatementSpec {
        public static final StatementSpec SPEC = new RuleStatement();

        public RuleStatement() {
            super(build());
        }

        private static Builder build() {
            Builder b = named("fw-rule", RULE_PID)
                    .key("set", "SET", "the rule set this rule belongs to", name("a rule set name"))
                    .key("priority", "N", "lower first; ties by rule name", number(0, Integer.MAX_VALUE))
                    .key("action", "permit|deny|permit+track", "what a match does", choice("permit", "deny", "permit+track"))
                    .key("family", "ip4|ip6", "only this family (implied by a prefix)", choice("ip4", "ip6"), null)
                    .key("src", "PREFIX", "source prefix", text("a prefix such as 10.0.0.0/8"), null)
                    .key("dst", "PREFIX", "destination prefix", text("a prefix such as 2001:db8::/32"), null)
                    .key("proto", "tcp|udp|sctp|icmp|icmp6|N", "IP protocol", text("a protocol"), null)
                    .key("sport", "N|N-M", "source ports", text("a port or range"), null)
                    .key("dport", "N|N-M", "destination ports", text("a port or range"), null)
                    .key("icmp-type", "N", "ICMP type", text("a number"), null)
                    .key("icmp-code", "N", "ICMP code", text("a number"), null)
                    .key("flags", "FLAGS[/MASK]", "TCP flags, e.g. syn/syn,ack", text("flags such as syn/syn,ack"), null)
                    .key("fragment", "yes|no", "later fragments only, or none", choice("yes", "no"), null)
                    .order(40);
            return b.check((name, v) -> rule(v)); // the rule as a whole (ports need a protocol, ...)
        }
    }

    /**
     * {@code fw-attach NAME iface=IF|vrf=VRF direction=in|out set=SET}: a rule set on an interface's
     * direction, or on a VRF's (every packet of the VRF whose interface has no set of its own for
     * that direction). Exactly one of {@code iface} and {@code vrf}.
     */
    @Component(service = StatementType.class)
    public static final class AttachStatement extends StatementSpec {
        public static final StatementSpec SPEC = new AttachStatement();
        static final String FORMS = "write fw-attach NAME iface=IFACE direction=in|out set=SET, "
                + "or fw-attach NAME vrf=VRF direction=in|out set=SET";

        public AttachStatement() {
            super(named("fw-attach", ATTACH_PID)
                    .key("iface", "IFACE", "the interface (or vrf=)", name("an interface name"), null)
                    .key("vrf", "VRF", "the VRF: its packets on interfaces with no set of their own (or iface=)",
                            name("a VRF name"), null)
                    .key("direction", "in|out", "received on it, or sent out of it", choice("in", "out"))
                    .key("set", "SET", "the rule set", name("a rule set name"))
                    .order(41)
                    .check((name, v) -> {
                        boolean iface = v.containsKey("iface"), vrf = v.containsKey("vrf");
                        if (iface && vrf) {
                            throw new IllegalArgumentException("iface= and vrf= both given: a set is attached to an "
                                    + "interface or to a VRF; " + FORMS);
                        }
                        if (!iface && !vrf) {
                            throw new IllegalArgumentException("iface=IFACE or vrf=VRF is missing; " + FORMS);
                        }
                    }));
        }
    }

    /** {@code fw-zone NAME vrf=VRF limit=N}: the most tracked connections of one VRF. */
    @Component(service = StatementType.class)
    public static final class ZoneStatement extends StatementSpec {
        public static final StatementSpec SPEC = new ZoneStatement();

        public ZoneStatement() {
            super(named("fw-zone", ZONE_PID)
                    .key("vrf", "VRF", "the VRF (a zone is a VRF)", name("a VRF name"), "default")
                    .key("limit", "N", "the most connections it tracks (0: the table's capacity)", number(0, 1 << 30))
                    .order(42));
        }
    }

    /** {@code fw-settings [table=N] [liberal=true|false] [TIMEOUT=SECONDS ...]}: the connection table. */
    @Component(service = StatementType.class)
    public static final class SettingsStatement extends StatementSpec {
        public static final StatementSpec SPEC = new SettingsStatement();

        public SettingsStatement() {
            super(build());
        }

        private static Builder build() {
            Builder b = singleton("fw-settings", SETTINGS_PID)
                    .key("table", "N", "connection table slots, a power of two (read when the bundle starts)",
                            number(1 << 10, 1 << 26), (long) DEFAULT_CAPACITY)
                    .key("liberal", "true|false", "do not check TCP sequence numbers (Linux's tcp_be_liberal)", bool(), false)
                    .key("log-denials", "N", "log at most N denied packets a second (0: off)", number(0, 10_000), 0L)
                    .order(39);
            for (int i = 0; i < Firewall.Timeouts.NAMES.size(); i++) {
                b.key(Firewall.Timeouts.NAMES.get(i), "SECONDS", "idle timeout", number(1, 100L * 365 * 86400),
                        Firewall.Timeouts.DEFAULTS.get(i));
            }
            return b.check((name, v) -> {
                long t = ((Number) v.get("table")).longValue();
                if (Long.bitCount(t) != 1) {
                    throw new IllegalArgumentException("table=" + t + " must be a power of two (262144, 1048576)");
                }
            });
        }
    }
}
