package dev.junction.firewall.control;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.Prefix;
import dev.junction.firewall.Rule;
import dev.junction.firewall.classify.RuleSetClassifier;
import dev.junction.firewall.conntrack.ConnState;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.conntrack.FlowKey;
import dev.junction.firewall.nodes.FirewallNode;
import dev.junction.firewall.nodes.FirewallState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The control side: rule sets compiled off the workers and published whole in a new {@link Policy}
 * (one volatile write), attachments (which enable the nodes on their interfaces), the connection
 * table's settings and the views of it. Every method is control path; changes are serialised.
 */
public final class FirewallControl implements Firewall, FirewallState {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    public static final int MAX_RULES = 1_000_000;

    /** How attachments turn the per-interface nodes on and off ({@code Dataplane.enableFeature}). */
    public interface FeatureSwitch {
        void enable(String node, String iface, boolean on);
    }

    private final ConnTable table;
    private final FeatureSwitch features;
    private volatile Policy policy = Policy.EMPTY;
    private volatile boolean liberal;
    private final Map<String, CompiledSet> sets = new TreeMap<>();
    private final Map<String, String> input = new TreeMap<>(), output = new TreeMap<>();
    private volatile int workers = 1;
    private final Object workersLock = new Object();
    /** Serialises turning the nodes on and off, outside this object's monitor (see {@link #workers}). */
    private final Object featureLock = new Object();

    private final java.util.function.LongSupplier clock;
    private final dev.junction.firewall.nodes.DenialLog denials = new dev.junction.firewall.nodes.DenialLog();

    public FirewallControl(ConnTable table, FeatureSwitch features) {
        this(table, features, System::nanoTime);
    }

    /** With the clock the workers' {@code NodeContext.now()} follows (a test's). */
    public FirewallControl(ConnTable table, FeatureSwitch features, java.util.function.LongSupplier clock) {
        this.table = table;
        this.features = features;
        this.clock = clock;
    }

    @Override
    public dev.junction.firewall.nodes.DenialLog denials() {
        return denials;
    }

    /** Logs at most {@code lines} denied packets a second (0: off); see {@link dev.junction.firewall.nodes.DenialLog}. */
    public void logDenials(int lines) {
        denials.perSecond(lines);
    }

    public int logDenials() {
        return denials.perSecond();
    }

    @Override
    public Policy policy() {
        return policy;
    }

    @Override
    public ConnTable table() {
        return table;
    }

    @Override
    public boolean liberal() {
        return liberal;
    }

    @Override
    public void liberal(boolean liberal) {
        this.liberal = liberal;
    }

    private void publish() {
        policy = new Policy(Map.copyOf(sets), Map.copyOf(input), Map.copyOf(output));
    }

    /** The nodes call this (through their own workers()) so that new rule sets get hit arrays for every worker. */
    /**
     * Called by the nodes' {@code workers(count)} under the data plane's lock: it must not wait for
     * this object's monitor (an attach holds it while it calls into the data plane), so it reads the
     * published policy and a volatile count.
     */
    @Override
    public void workers(int count) {
        synchronized (workersLock) {
            workers = Math.max(workers, count);
            for (CompiledSet s : policy.sets().values()) {
                s.workers(workers);
            }
        }
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("rule set name '" + name + "': letters, digits, '_', '.', '-' (at most 64)");
        }
    }

    @Override
    public synchronized void ruleSet(String name, List<Rule> rules) {
        checkName(name);
        if (rules == null || rules.size() > MAX_RULES) {
            throw new IllegalArgumentException("a rule set has 0 to " + MAX_RULES + " rules");
        }
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i) == null) {
                throw new IllegalArgumentException("rule " + (i + 1) + " of " + name + " is missing");
            }
        }
        CompiledSet old = sets.get(name);
        if (old != null && old.classifier.rules.equals(rules)) {
            return; // unchanged: keep its counters
        }
        CompiledSet s = new CompiledSet(new RuleSetClassifier(name, rules), workers);
        sets.put(name, s);
        publish();
        s.workers(workers); // the count may have grown while it was built (the nodes skip hits they have no array for)
    }

    @Override
    public synchronized boolean removeRuleSet(String name) {
        List<String> users = new ArrayList<>();
        input.forEach((i, s) -> {
            if (s.equals(name)) {
                users.add(i + " in");
            }
        });
        output.forEach((i, s) -> {
            if (s.equals(name)) {
                users.add(i + " out");
            }
        });
        if (!users.isEmpty()) {
            throw new IllegalArgumentException("rule set " + name + " is attached to " + String.join(", ", users)
                    + ": fw:detach IFACE in|out first");
        }
        boolean had = sets.remove(name) != null;
        if (had) {
            publish();
        }
        return had;
    }

    @Override
    public synchronized Map<String, List<Rule>> ruleSets() {
        Map<String, List<Rule>> out = new LinkedHashMap<>();
        sets.forEach((n, s) -> out.put(n, s.classifier.rules));
        return out;
    }

    /** The compiled rule set (tuples, build time), or null. */
    public synchronized RuleSetClassifier classifier(String name) {
        CompiledSet s = sets.get(name);
        return s == null ? null : s.classifier;
    }

    @Override
    public synchronized List<RuleHits> hits(String name) {
        CompiledSet s = sets.get(name);
        if (s == null) {
            return List.of();
        }
        long[] h = s.summed();
        List<RuleHits> out = new ArrayList<>();
        for (int i = 0; i < h.length; i++) {
            out.add(new RuleHits(i, s.classifier.rules.get(i), h[i]));
        }
        return out;
    }

    /**
     * Hits counted by the previous instance of the bundle for set {@code name}, applied if the set has
     * the same rules now (its statements came back unchanged); returns whether they were.
     */
    public synchronized boolean carryHits(String name, List<Rule> rules, long[] hits) {
        CompiledSet s = sets.get(name);
        if (s == null || !s.classifier.rules.equals(rules) || hits.length != rules.size()) {
            return false;
        }
        s.carry(hits);
        return true;
    }

    @Override
    public void attach(String iface, Direction direction, String ruleSet) {
        synchronized (featureLock) {
            synchronized (this) {
                if (iface == null || iface.isBlank()) {
                    throw new IllegalArgumentException("attach needs an interface name");
                }
                if (!sets.containsKey(ruleSet)) {
                    throw new IllegalArgumentException("no rule set " + ruleSet + " (make one: fw:rule NAME set=" + ruleSet
                            + " priority=10 action=permit ...)");
                }
                (direction == Direction.INPUT ? input : output).put(iface, ruleSet);
                publish();
            }
            switchNodes(iface, direction, true); // into the data plane: not under this object's monitor
        }
    }

    @Override
    public boolean detach(String iface, Direction direction) {
        synchronized (featureLock) {
            boolean had;
            synchronized (this) {
                had = (direction == Direction.INPUT ? input : output).remove(iface) != null;
                if (had) {
                    publish();
                }
            }
            if (had) {
                switchNodes(iface, direction, false);
            }
            return had;
        }
    }

    private void switchNodes(String iface, Direction d, boolean on) {
        if (d == Direction.INPUT) {
            features.enable(FirewallNode.IP4_INPUT, iface, on);
            features.enable(FirewallNode.IP6_INPUT, iface, on);
        } else {
            features.enable(FirewallNode.OUTPUT, iface, on);
        }
    }

    @Override
    public synchronized List<Attachment> attachments() {
        List<Attachment> out = new ArrayList<>();
        input.forEach((i, s) -> out.add(new Attachment(i, Direction.INPUT, s)));
        output.forEach((i, s) -> out.add(new Attachment(i, Direction.OUTPUT, s)));
        return out;
    }

    @Override
    public List<Session> sessions(int max) {
        long now = clock.getAsLong();
        List<Session> out = new ArrayList<>();
        table.forEach(now, max, (slot, k0, k1, k2, k3, k4, word, seen) -> out.add(session(k0, k1, k2, k3, k4, word, seen, now)));
        return out;
    }

    private Session session(long k0, long k1, long k2, long k3, long k4, long word, long seen, long now) {
        int family = FlowKey.family(k4);
        boolean origA = (word & ConnState.ORIG_IS_A) != 0;
        String a = Prefix.format(family, k0, k1), b = Prefix.format(family, k2, k3);
        int pa = FlowKey.portA(k4), pb = FlowKey.portB(k4);
        int state = ConnState.state(word);
        long idle = Math.max(0, now - seen);
        long timeout = table.timeoutNanos(timeoutIndex(state));
        return new Session(FlowKey.zone(k4), family, FlowKey.protocol(k4), origA ? a : b, origA ? pa : pb, origA ? b : a,
                origA ? pb : pa, ConnState.name(state), idle / 1_000_000, Math.max(0, timeout - idle) / 1_000_000);
    }

    private static int timeoutIndex(int state) {
        return switch (state) {
            case ConnState.SYN_SENT -> 0;
            case ConnState.SYN_RECV -> 1;
            case ConnState.ESTABLISHED -> 2;
            case ConnState.FIN_WAIT -> 3;
            case ConnState.CLOSE_WAIT -> 4;
            case ConnState.LAST_ACK -> 5;
            case ConnState.TIME_WAIT -> 6;
            case ConnState.UDP_UNREPLIED -> 8;
            case ConnState.UDP_REPLIED -> 9;
            case ConnState.ICMP_UNREPLIED, ConnState.ICMP_REPLIED -> 10;
            default -> 7;
        };
    }

    @Override
    public int clearSessions() {
        return table.clear();
    }

    /** Reclaims expired entries (called each second on the bundle's own thread). */
    public int expire() {
        return table.expire(clock.getAsLong());
    }

    @Override
    public List<ZoneStatus> zones() {
        List<ZoneStatus> out = new ArrayList<>();
        for (int z = 0; z < ConnTable.MAX_ZONES; z++) {
            if (table.zoneCount(z) > 0 || table.zoneLimit(z) > 0 || table.zoneRefused(z) > 0) {
                out.add(new ZoneStatus(z, table.zoneCount(z), table.zoneLimit(z), table.zoneRefused(z)));
            }
        }
        return out;
    }

    @Override
    public void zoneLimit(int zone, int limit) {
        table.zoneLimit(zone, limit);
    }

    @Override
    public Map<String, Long> timeouts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < Timeouts.NAMES.size(); i++) {
            out.put(Timeouts.NAMES.get(i), table.timeoutNanos(i) / 1_000_000_000L);
        }
        return out;
    }

    @Override
    public void timeout(String name, long seconds) {
        int i = Timeouts.NAMES.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no timeout '" + name + "'; the timeouts are " + String.join(", ", Timeouts.NAMES));
        }
        if (seconds < 1 || seconds > 100L * 365 * 86400) {
            throw new IllegalArgumentException("timeout " + name + "=" + seconds + ": seconds from 1 up");
        }
        table.timeoutNanos(i, seconds * 1_000_000_000L);
    }

    @Override
    public Map<String, Long> tableCounters() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("entries", (long) table.size());
        out.put("capacity", (long) table.capacity());
        long refused = 0;
        for (int z = 0; z < ConnTable.MAX_ZONES; z++) {
            refused += table.zoneRefused(z);
        }
        out.put("refused", refused);
        return out;
    }
}
