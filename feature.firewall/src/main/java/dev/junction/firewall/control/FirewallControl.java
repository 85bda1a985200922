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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * The control side: rule sets compiled off the workers and published whole in a new {@link Policy}
 * (one volatile write), attachments (which enable the nodes on their interfaces), the connection
 * table's settings and the views of it. Every method is control path; changes are serialised.
 *
 * <p>A VRF's attachment is kept by VRF name and resolved to the VRF's id (what packets carry) when
 * made and again by {@link #refreshVrfs()}, so a VRF removed and made again (perhaps under another
 * id) keeps its set. Since a packet's VRF is known only per packet, a VRF attachment turns its
 * direction's nodes on on every interface ({@link #interfaces(List)}); packets of other VRFs on an
 * interface without a set of its own pass, counted unattached.
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
    /** By VRF name: the set on its input and output; the VRF's id as last resolved (-1: no such VRF now). */
    private final Map<String, String> vrfInput = new TreeMap<>(), vrfOutput = new TreeMap<>();
    private final Map<String, Integer> vrfIds = new TreeMap<>();
    private final ToIntFunction<String> vrfId;
    /** The data plane's interfaces, and where this object turned the nodes on (under featureLock). */
    private volatile List<String> interfaces = List.of();
    private final Set<String> nodesIn = new TreeSet<>(), nodesOut = new TreeSet<>();
    private volatile int workers = 1;
    private final Object workersLock = new Object();
    /** Serialises turning the nodes on and off, outside this object's monitor (see {@link #workers}). */
    private final Object featureLock = new Object();

    private final java.util.function.LongSupplier clock;
    private final dev.junction.firewall.nodes.DenialLog denials = new dev.junction.firewall.nodes.DenialLog();

    /** Knows only the default VRF (id 0): for tests and for a data plane without routing's VRFs. */
    public static final ToIntFunction<String> DEFAULT_VRF_ONLY = name -> {
        if ("default".equals(name)) {
            return 0;
        }
        throw noVrf(name);
    };

    /** The refusal of a VRF name that no VRF has. */
    public static IllegalArgumentException noVrf(String name) {
        return new IllegalArgumentException("no VRF " + name + " (make it with ip:vrf; the default VRF is 'default')");
    }

    public FirewallControl(ConnTable table, FeatureSwitch features) {
        this(table, features, System::nanoTime);
    }

    /** With the clock the workers' {@code NodeContext.now()} follows (a test's). */
    public FirewallControl(ConnTable table, FeatureSwitch features, java.util.function.LongSupplier clock) {
        this(table, features, clock, DEFAULT_VRF_ONLY);
    }

    /**
     * With the VRF ids by name ({@code vrfId} throws IllegalArgumentException, saying so, for a name
     * no VRF has; routing's VRFs in OSGi).
     */
    public FirewallControl(ConnTable table, FeatureSwitch features, java.util.function.LongSupplier clock,
                           ToIntFunction<String> vrfId) {
        this.table = table;
        this.features = features;
        this.clock = clock;
        this.vrfId = vrfId;
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
        policy = new Policy(Map.copyOf(sets), Map.copyOf(input), Map.copyOf(output), byId(vrfInput), byId(vrfOutput));
    }

    /** The VRF attachments by the VRFs' ids, leaving out VRFs that do not exist now. */
    private Map<Integer, String> byId(Map<String, String> byName) {
        Map<Integer, String> out = new TreeMap<>();
        byName.forEach((vrf, set) -> {
            int id = vrfIds.getOrDefault(vrf, -1);
            if (id >= 0) {
                out.put(id, set);
            }
        });
        return Map.copyOf(out);
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
        vrfInput.forEach((v, s) -> {
            if (s.equals(name)) {
                users.add("vrf=" + v + " in");
            }
        });
        vrfOutput.forEach((v, s) -> {
            if (s.equals(name)) {
                users.add("vrf=" + v + " out");
            }
        });
        if (!users.isEmpty()) {
            throw new IllegalArgumentException("rule set " + name + " is attached to " + String.join(", ", users)
                    + ": take it off first (fw:attach IFACE|vrf=VRF in|out none)");
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
                checkSetExists(ruleSet);
                (direction == Direction.INPUT ? input : output).put(iface, ruleSet);
                publish();
            }
            switchNodes(); // into the data plane: not under this object's monitor
        }
    }

    private void checkSetExists(String ruleSet) {
        if (!sets.containsKey(ruleSet)) {
            throw new IllegalArgumentException("no rule set " + ruleSet + " (make one: fw:rule NAME set=" + ruleSet
                    + " priority=10 action=permit ...)");
        }
    }

    @Override
    public boolean detach(String iface, Direction direction) {
        return detachFrom(direction == Direction.INPUT ? input : output, iface, () -> { });
    }

    /**
     * Takes {@code key}'s set off {@code attached} (and runs {@code alsoHeld} under this object's
     * monitor); publishes and switches the nodes when there was one. Returns whether there was.
     */
    private boolean detachFrom(Map<String, String> attached, String key, Runnable alsoHeld) {
        synchronized (featureLock) {
            boolean had;
            synchronized (this) {
                had = attached.remove(key) != null;
                alsoHeld.run();
                if (had) {
                    publish();
                }
            }
            if (had) {
                switchNodes();
            }
            return had;
        }
    }

    @Override
    public void attachVrf(String vrf, Direction direction, String ruleSet) {
        if (vrf == null || vrf.isBlank()) {
            throw new IllegalArgumentException("attach needs a VRF name");
        }
        synchronized (featureLock) {
            int id = vrfId.applyAsInt(vrf); // refuses a VRF that does not exist; asks routing, so not under the monitor
            synchronized (this) {
                checkSetExists(ruleSet);
                vrfIds.put(vrf, id);
                (direction == Direction.INPUT ? vrfInput : vrfOutput).put(vrf, ruleSet);
                publish();
            }
            switchNodes();
        }
    }

    @Override
    public boolean detachVrf(String vrf, Direction direction) {
        return detachFrom(direction == Direction.INPUT ? vrfInput : vrfOutput, vrf, () -> {
            if (!vrfInput.containsKey(vrf) && !vrfOutput.containsKey(vrf)) {
                vrfIds.remove(vrf);
            }
        });
    }

    /**
     * Resolves the attached VRFs' names again (a VRF removed, or removed and made again under another
     * id, since they were attached) and publishes a new policy if any id changed; returns whether one
     * did. Called once a second on the bundle's own thread.
     */
    public boolean refreshVrfs() {
        synchronized (featureLock) { // attachVrf and detachVrf wait: the names read here stay the attached ones
            List<String> names;
            synchronized (this) {
                names = List.copyOf(vrfIds.keySet());
            }
            Map<String, Integer> now = new TreeMap<>();
            for (String vrf : names) {
                try {
                    now.put(vrf, vrfId.applyAsInt(vrf)); // routing: not under the monitor
                } catch (IllegalArgumentException gone) {
                    now.put(vrf, -1); // kept by name: applies again once a VRF of that name is made
                }
            }
            synchronized (this) {
                if (now.equals(vrfIds)) {
                    return false;
                }
                vrfIds.putAll(now);
                publish();
                return true;
            }
        }
    }

    /**
     * The data plane's interfaces now (from an InterfaceListener, on a thread that holds no data plane
     * lock): the nodes of a direction with a VRF attachment are turned on on each of them.
     */
    public void interfaces(List<String> names) {
        synchronized (featureLock) {
            interfaces = List.copyOf(names);
            switchNodes();
        }
    }

    /**
     * Turns a direction's nodes on on the interfaces whose packets a set may judge (their own
     * attachment, or every interface while a VRF has one for that direction) and off on the others it
     * turned on. Under featureLock, not under this object's monitor (it calls into the data plane).
     */
    private void switchNodes() {
        Set<String> wantIn, wantOut;
        synchronized (this) {
            wantIn = new TreeSet<>(input.keySet());
            wantOut = new TreeSet<>(output.keySet());
            if (!vrfInput.isEmpty()) {
                wantIn.addAll(interfaces);
            }
            if (!vrfOutput.isEmpty()) {
                wantOut.addAll(interfaces);
            }
        }
        switchNodes(wantIn, nodesIn, FirewallNode.IP4_INPUT, FirewallNode.IP6_INPUT);
        switchNodes(wantOut, nodesOut, FirewallNode.OUTPUT);
    }

    private void switchNodes(Set<String> want, Set<String> on, String... nodes) {
        for (String iface : want) {
            if (on.add(iface)) {
                for (String node : nodes) {
                    features.enable(node, iface, true);
                }
            }
        }
        for (var it = on.iterator(); it.hasNext(); ) {
            String iface = it.next();
            if (!want.contains(iface)) {
                it.remove();
                for (String node : nodes) {
                    features.enable(node, iface, false);
                }
            }
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
    public synchronized List<VrfAttachment> vrfAttachments() {
        List<VrfAttachment> out = new ArrayList<>();
        vrfInput.forEach((v, s) -> out.add(new VrfAttachment(v, Direction.INPUT, s)));
        vrfOutput.forEach((v, s) -> out.add(new VrfAttachment(v, Direction.OUTPUT, s)));
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
