package dev.junction.l2.bridge;

import dev.junction.dataplane.InterfaceListener;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.graph.ArcDefinition;
import dev.junction.graph.InterfaceMode;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.BridgeStatus;
import dev.junction.l2.Bridges;
import dev.junction.l2.MacEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The bridge domains: adds the {@code bridge-input} arc (ended by {@link L2BridgeNode}) and
 * {@link L2FloodNode}, claims each port's layer 2 with an {@link InterfaceMode} on that arc, and keeps
 * the {@link MacLearner} and the nodes on the same {@link BridgeConfig}. It hears of interface changes
 * as an {@link InterfaceListener}: a port that goes down (administratively or its link) has its
 * entries flushed. It registers and unregisters what it adds through the two callbacks it is given:
 * OSGi services in the bundle, the engine's methods in tests. Control path.
 */
public final class BridgeControl implements Bridges, InterfaceListener, AutoCloseable {
    /** The arc a bridge port's frames enter; features may hook onto it (VLANs, ACLs). */
    public static final String ARC = "bridge-input";
    private static final int MAX_DOMAINS = 65_535;

    private final Consumer<Object> register;
    private final Consumer<Object> unregister;
    private final MacLearner learner = new MacLearner();
    private final L2BridgeNode bridgeNode = new L2BridgeNode(learner);
    private final L2FloodNode floodNode = new L2FloodNode();
    private final ArcDefinition arc = ArcDefinition.of(ARC, L2BridgeNode.NAME, ArcDefinition.Direction.INPUT);
    private final Map<String, InterfaceMode> modes = new LinkedHashMap<>();
    private final Map<String, long[]> handedCounters = new HashMap<>();
    private BridgeConfig config = BridgeConfig.EMPTY;
    private int nextId = 1;
    private Map<String, Integer> ifIndexes = Map.of();
    private Set<Integer> down = Set.of();
    private boolean left;

    public BridgeControl(Consumer<Object> register, Consumer<Object> unregister) {
        this.register = register;
        this.unregister = unregister;
        register.accept(bridgeNode);
        register.accept(floodNode);
        register.accept(arc);
        register.accept(this);
    }

    // ---- Bridges ----

    @Override
    public synchronized void domain(BridgeSettings s) {
        Map<Integer, BridgeSettings> domains = new HashMap<>(config.domains);
        int id = config.idOf(s.name());
        if (id == 0) {
            if (nextId > MAX_DOMAINS) {
                throw new IllegalArgumentException("at most " + MAX_DOMAINS + " bridge domains while Junction runs");
            }
            id = nextId++;
        }
        domains.put(id, s);
        publish(new BridgeConfig(domains, config.ports, config.statics, config.vlans));
    }

    @Override
    public synchronized boolean removeDomain(String name) {
        int id = config.idOf(name);
        if (id == 0) {
            return false;
        }
        Map<Integer, BridgeSettings> domains = new HashMap<>(config.domains);
        domains.remove(id);
        Map<String, BridgeConfig.Port> ports = new LinkedHashMap<>(config.ports);
        ports.values().removeIf(p -> p.domain() == id);
        Map<String, BridgeConfig.Vlan> vlans = new LinkedHashMap<>(config.vlans);
        vlans.values().removeIf(v -> v.domain() == id);
        Map<Long, BridgeConfig.StaticMac> statics = new HashMap<>(config.statics);
        statics.values().removeIf(m -> m.domain() == id);
        Set<String> ifaces = new HashSet<>(modes.keySet());
        BridgeConfig next = new BridgeConfig(domains, ports, statics, vlans);
        for (String iface : ifaces) {
            claim(iface, next); // out of layer 2 first when the domain was all it had
        }
        publish(next);
        return true;
    }

    @Override
    public synchronized void port(String iface, String bridge, int splitHorizonGroup) {
        if (iface == null || iface.isBlank()) {
            throw new IllegalArgumentException("a bridge port needs an interface name");
        }
        int id = config.idOf(bridge);
        if (id == 0) {
            throw new IllegalArgumentException("no bridge domain " + bridge + " (make it first: l2:bridge " + bridge + ")");
        }
        if (splitHorizonGroup < 0 || splitHorizonGroup > 255) {
            throw new IllegalArgumentException("split-horizon group must be from 0 (none) to 255, not " + splitHorizonGroup);
        }
        Map<String, BridgeConfig.Port> ports = new LinkedHashMap<>(config.ports);
        ports.put(iface, new BridgeConfig.Port(id, splitHorizonGroup));
        publish(new BridgeConfig(config.domains, ports, config.statics, config.vlans));
        // The mode last: its frames reach the bridge only once the table and the nodes know the port.
        claim(iface, config);
    }

    @Override
    public synchronized boolean removePort(String iface) {
        if (!config.ports.containsKey(iface)) {
            return false;
        }
        Map<String, BridgeConfig.Port> ports = new LinkedHashMap<>(config.ports);
        ports.remove(iface);
        BridgeConfig next = new BridgeConfig(config.domains, ports, config.statics, config.vlans);
        claim(iface, next);
        publish(next);
        return true;
    }

    @Override
    public synchronized void vlan(String iface, int vlan, boolean serviceTag, String bridge, int splitHorizonGroup) {
        if (iface == null || iface.isBlank()) {
            throw new IllegalArgumentException("a VLAN port needs an interface name");
        }
        if (vlan < 1 || vlan > 4094) {
            throw new IllegalArgumentException("a VLAN id is from 1 to 4094, not " + vlan);
        }
        int id = config.idOf(bridge);
        if (id == 0) {
            throw new IllegalArgumentException("no bridge domain " + bridge + " (make it first: l2:bridge " + bridge + ")");
        }
        if (splitHorizonGroup < 0 || splitHorizonGroup > 255) {
            throw new IllegalArgumentException("split-horizon group must be from 0 (none) to 255, not " + splitHorizonGroup);
        }
        int kind = serviceTag ? PortId.DOT1AD : PortId.DOT1Q;
        BridgeConfig.Vlan v = new BridgeConfig.Vlan(iface, kind, vlan, id, splitHorizonGroup);
        Map<String, BridgeConfig.Vlan> vlans = new LinkedHashMap<>(config.vlans);
        vlans.put(v.name(), v);
        publish(new BridgeConfig(config.domains, config.ports, config.statics, vlans));
        claim(iface, config);
    }

    @Override
    public synchronized boolean removeVlan(String iface, int vlan, boolean serviceTag) {
        String name = PortId.name(iface, serviceTag ? PortId.DOT1AD : PortId.DOT1Q, vlan);
        if (!config.vlans.containsKey(name)) {
            return false;
        }
        Map<String, BridgeConfig.Vlan> vlans = new LinkedHashMap<>(config.vlans);
        vlans.remove(name);
        Map<Long, BridgeConfig.StaticMac> statics = new HashMap<>(config.statics);
        statics.values().removeIf(m -> m.iface().equals(name));
        BridgeConfig next = new BridgeConfig(config.domains, config.ports, statics, vlans);
        claim(iface, next);
        publish(next);
        return true;
    }

    /**
     * Claims {@code iface}'s layer 2 on the bridge arc as {@code c} has it (untagged port, VLANs), or
     * gives the claim up when it is in no domain there; a changed description replaces the claim.
     */
    private void claim(String iface, BridgeConfig c) {
        InterfaceMode previous = modes.get(iface);
        if (!c.bridges(iface)) {
            if (previous != null) {
                unregister.accept(modes.remove(iface));
            }
            return;
        }
        StringBuilder d = new StringBuilder("l2 bridge");
        BridgeConfig.Port p = c.ports.get(iface);
        if (p != null) {
            d.append(' ').append(c.domains.get(p.domain()).name());
            if (p.splitHorizon() != 0) {
                d.append(" split-horizon ").append(p.splitHorizon());
            }
        }
        for (BridgeConfig.Vlan v : c.vlans.values()) {
            if (v.iface().equals(iface)) {
                d.append(v.kind() == PortId.DOT1AD ? " s-vlan " : " vlan ").append(v.vid()).append(':')
                        .append(c.domains.get(v.domain()).name());
            }
        }
        if (previous != null && previous.description().contentEquals(d)) {
            return;
        }
        InterfaceMode mode = InterfaceMode.of(iface, ARC, d.toString());
        modes.put(iface, mode);
        register.accept(mode);
        if (previous != null) {
            unregister.accept(previous);
        }
    }

    @Override
    public synchronized void staticMac(String bridge, long mac, String iface) {
        int id = config.idOf(bridge);
        if (id == 0) {
            throw new IllegalArgumentException("no bridge domain " + bridge);
        }
        if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
            throw new IllegalArgumentException("a static MAC must be a unicast address, not "
                    + dev.junction.packet.MacAddress.format(mac));
        }
        BridgeConfig.Port p = config.ports.get(iface);
        BridgeConfig.Vlan v = config.vlans.get(iface);
        if ((p == null || p.domain() != id) && (v == null || v.domain() != id)) {
            throw new IllegalArgumentException(iface + " is not a port of bridge " + bridge + " (l2:port " + iface + " " + bridge + ")");
        }
        Map<Long, BridgeConfig.StaticMac> statics = new HashMap<>(config.statics);
        statics.put(MacTable.key(id, mac), new BridgeConfig.StaticMac(id, mac, iface));
        publish(new BridgeConfig(config.domains, config.ports, statics, config.vlans));
    }

    @Override
    public synchronized boolean removeStaticMac(String bridge, long mac) {
        int id = config.idOf(bridge);
        Map<Long, BridgeConfig.StaticMac> statics = new HashMap<>(config.statics);
        if (id == 0 || statics.remove(MacTable.key(id, mac)) == null) {
            return false;
        }
        publish(new BridgeConfig(config.domains, config.ports, statics, config.vlans));
        return true;
    }

    @Override
    public int flush(String bridge, String iface) {
        int id;
        Integer ifIndex;
        synchronized (this) {
            id = bridge == null ? 0 : config.idOf(bridge);
            if (bridge != null && id == 0) {
                throw new IllegalArgumentException("no bridge domain " + bridge);
            }
            ifIndex = iface == null ? Integer.valueOf(-1) : ifIndexes.get(iface);
        }
        return ifIndex == null ? 0 : learner.flush(id, ifIndex);
    }

    @Override
    public synchronized List<BridgeStatus> domains() {
        List<BridgeStatus> out = new ArrayList<>();
        List<Integer> ids = new ArrayList<>(config.domains.keySet());
        ids.sort(Integer::compare);
        for (int id : ids) {
            BridgeSettings s = config.domains.get(id);
            Map<String, Integer> ports = new LinkedHashMap<>();
            config.ports.forEach((name, p) -> {
                if (p.domain() == id) {
                    ports.put(name, p.splitHorizon());
                }
            });
            config.vlans.forEach((name, v) -> {
                if (v.domain() == id) {
                    ports.put(name, v.splitHorizon());
                }
            });
            out.add(new BridgeStatus(s, ports, learner.macs(id), counters(id, s.name())));
        }
        return out;
    }

    /** The domain's counters by {@link Bridges#COUNTERS} name: workers' and learner's, plus a previous instance's. */
    private Map<String, Long> counters(int id, String name) {
        long[] c = new long[COUNTERS.size()];
        for (int w = 0; w < bridgeNode.states.size(); w++) {
            long[] dc = bridgeNode.states.get(w).counters.domain;
            if ((id + 1) * WorkerCounters.DOMAIN <= dc.length) {
                c[0] += dc[id * WorkerCounters.DOMAIN + WorkerCounters.FORWARDED];
                c[1] += dc[id * WorkerCounters.DOMAIN + WorkerCounters.FLOODED];
                c[2] += dc[id * WorkerCounters.DOMAIN + WorkerCounters.UNKNOWN_UNICAST];
                c[7] += dc[id * WorkerCounters.DOMAIN + WorkerCounters.LIMIT_DROPS];
                c[8] += dc[id * WorkerCounters.DOMAIN + WorkerCounters.FILTERED];
            }
        }
        long[] lc = learner.counters(id);
        c[3] += lc[MacLearner.LEARNED];
        c[4] += lc[MacLearner.MOVED];
        c[5] += lc[MacLearner.AGED];
        c[6] += lc[MacLearner.FLUSHED];
        long[] base = handedCounters.get(name);
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < c.length; i++) {
            m.put(COUNTERS.get(i), c[i] + (base != null && i < base.length ? base[i] : 0));
        }
        return m;
    }

    /** Per port: MACs now, learned, moved (to it), aged, flooded out, limit drops. */
    public synchronized Map<String, long[]> portCounters() {
        Map<String, long[]> out = new LinkedHashMap<>();
        Map<Integer, Integer> macsByPort = new HashMap<>();
        for (MacLearner.Entry e : learner.entries()) {
            macsByPort.merge(PortId.ifIndex(e.ifIndex()), 1, Integer::sum);
        }
        Set<String> names = new java.util.LinkedHashSet<>(config.ports.keySet());
        config.vlans.values().forEach(v -> names.add(v.iface()));
        for (String name : names) {
            Integer i = ifIndexes.get(name);
            long[] c = new long[6];
            if (i != null) {
                c[0] = macsByPort.getOrDefault(i, 0);
                long[] lc = learner.portCounters(i);
                c[1] = lc[0];
                c[2] = lc[1];
                c[3] = lc[2];
                for (int w = 0; w < floodNode.states.size(); w++) {
                    long[] pc = floodNode.states.get(w).counters.port;
                    if ((i + 1) * WorkerCounters.PORT <= pc.length) {
                        c[4] += pc[i * WorkerCounters.PORT + WorkerCounters.FLOODED_OUT];
                    }
                }
                for (int w = 0; w < bridgeNode.states.size(); w++) {
                    long[] pc = bridgeNode.states.get(w).counters.port;
                    if ((i + 1) * WorkerCounters.PORT <= pc.length) {
                        c[5] += pc[i * WorkerCounters.PORT + WorkerCounters.PORT_LIMIT_DROPS];
                    }
                }
            }
            out.put(name, c);
        }
        return out;
    }

    @Override
    public List<MacEntry> macs() {
        Map<Integer, String> domainNames = new HashMap<>();
        Map<Integer, String> ifNames = learner.portNames();
        synchronized (this) {
            config.domains.forEach((id, s) -> domainNames.put(id, s.name()));
        }
        List<MacEntry> out = new ArrayList<>();
        for (MacLearner.Entry e : learner.entries()) {
            String bridge = domainNames.get(e.domain());
            if (bridge != null) {
                out.add(new MacEntry(bridge, e.mac(), ifNames.getOrDefault(e.ifIndex(), "#" + e.ifIndex()), e.isStatic(),
                        e.ageNanos() / 1_000_000));
            }
        }
        out.sort(java.util.Comparator.comparing(MacEntry::bridge).thenComparingLong(MacEntry::mac));
        return out;
    }

    // ---- hand-over across an update of the bundle ----

    /** What a new instance needs to go on where this one stops: learned MACs and counters, by name. */
    public record Handover(List<LearnedMac> macs, Map<String, long[]> counters) {
    }

    public Handover handover() {
        List<LearnedMac> macs = new ArrayList<>();
        for (MacEntry e : macs()) {
            if (!e.isStatic()) {
                macs.add(new LearnedMac(e.bridge(), e.mac(), e.iface(), e.ageMillis()));
            }
        }
        Map<String, long[]> counters = new LinkedHashMap<>();
        for (BridgeStatus s : domains()) {
            long[] c = new long[COUNTERS.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = s.counter(COUNTERS.get(i));
            }
            counters.put(s.settings().name(), c);
        }
        return new Handover(macs, counters);
    }

    /** Takes a previous instance's MACs (applied as their domains and ports are configured) and counters. */
    public synchronized void adopt(Handover h) {
        handedCounters.putAll(h.counters());
        learner.adopt(h.macs());
    }

    // ---- InterfaceListener ----

    @Override
    public synchronized void interfacesChanged(List<InterfaceStatus> interfaces) {
        Map<String, Integer> indexes = new HashMap<>();
        Set<Integer> nowDown = new HashSet<>();
        for (InterfaceStatus s : interfaces) {
            indexes.put(s.name(), s.index());
            if (!s.adminUp() || !s.linkUp()) {
                nowDown.add(s.index());
            }
        }
        if (indexes.equals(ifIndexes) && nowDown.equals(down)) {
            return;
        }
        ifIndexes = Map.copyOf(indexes);
        down = Set.copyOf(nowDown);
        learner.configure(config, ifIndexes, down);
    }

    private void publish(BridgeConfig next) {
        long total = next.totalLimit();
        if (total > 64L * BridgeSettings.MAX_MAC_LIMIT) {
            throw new IllegalArgumentException("the domains' MAC limits add up to " + total + ", more than "
                    + 64L * BridgeSettings.MAX_MAC_LIMIT + " for one table");
        }
        config = next;
        learner.configure(next, ifIndexes, down);
        bridgeNode.config(next);
        floodNode.config(next);
    }

    /**
     * Takes the ports, nodes and arc out of the graph; the table and counters stay readable, so that a
     * hand-over taken after this misses no frame the nodes counted. Once only.
     */
    public synchronized void leaveGraph() {
        if (left) {
            return;
        }
        left = true;
        for (InterfaceMode m : modes.values()) {
            unregister.accept(m);
        }
        modes.clear();
        unregister.accept(this);
        unregister.accept(arc);
        unregister.accept(floodNode);
        unregister.accept(bridgeNode);
    }

    /** Takes everything out of the graph (if still in it) and stops the learner. */
    @Override
    public synchronized void close() {
        leaveGraph();
        learner.close();
    }
}
