package dev.junction.core.engine;

import dev.junction.core.nodes.ArcEndDropNode;
import dev.junction.core.nodes.EthernetInputNode;
import dev.junction.core.nodes.InterfaceTxNode;
import dev.junction.dataplane.ArcStatus;
import dev.junction.dataplane.CaptureDirection;
import dev.junction.dataplane.CaptureStatus;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceListener;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.dataplane.NodeRuntime;
import dev.junction.dataplane.NodeStatus;
import dev.junction.dataplane.TraceEntry;
import dev.junction.dataplane.WorkerStatus;
import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.dataplane.CounterValue;
import dev.junction.dataplane.EtherTypeStatus;
import dev.junction.graph.ArcDefinition;
import dev.junction.graph.Arcs;
import dev.junction.graph.EtherTypeClaim;
import dev.junction.graph.InterfaceMode;
import dev.junction.graph.PacketNode;
import dev.junction.packet.MacAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The data plane: the registered nodes and devices, the workers, and the published graph snapshot.
 * Every change (a node or device added or removed, an interface setting, a capture) compiles a new
 * snapshot, publishes it with one volatile write and, before returning, waits until every worker has
 * moved on to it. So when {@link #removeNode} returns no worker runs the removed node any more, and its
 * bundle may stop. Usable without OSGi (tests, benchmarks); the OSGi component wraps it.
 */
public final class Engine implements Dataplane, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.junction.core");
    /** How long a change waits for every worker to leave the old snapshot before it reports a stuck worker. */
    private static final long QUIESCENCE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    static final Map<String, String> ARC_ENDS = new LinkedHashMap<>();

    static {
        ARC_ENDS.put(Arcs.DEVICE_INPUT, EthernetInputNode.NAME);
        ARC_ENDS.put(Arcs.L2_INPUT, "l2-drop");
        ARC_ENDS.put(Arcs.IP4_UNICAST, "ip4-drop");
        ARC_ENDS.put(Arcs.IP6_UNICAST, "ip6-drop");
        ARC_ENDS.put(Arcs.MPLS_INPUT, "mpls-drop");
        ARC_ENDS.put(Arcs.ARP_INPUT, "arp-drop");
        ARC_ENDS.put(Arcs.OUTPUT, InterfaceTxNode.NAME);
    }

    /** The core's default ethertype dispatch; a bundle's claim takes an ethertype over. */
    private static final Map<Integer, String> CORE_ETHERTYPES = Map.of(0x0800, Arcs.IP4_UNICAST,
            0x86dd, Arcs.IP6_UNICAST, 0x8847, Arcs.MPLS_INPUT, 0x0806, Arcs.ARP_INPUT);

    /** What bundles registered: arcs, ethertype claims and interface modes, in registration order. */
    private record ArcEntry(Object key, String name, String end, boolean tx, String owner) {
    }

    private record ClaimEntry(Object key, int etherType, String arc, String owner) {
    }

    private record ModeEntry(Object key, String iface, String arc, String description, String owner) {
    }

    private final List<ArcEntry> arcEntries = new ArrayList<>();
    private final List<ClaimEntry> claims = new ArrayList<>();
    private final List<ModeEntry> modes = new ArrayList<>();
    /** Interfaces each per-interface feature is enabled on, by node name: outlives the node. */
    private final Map<String, LinkedHashSet<String>> enabledOn = new HashMap<>();
    /** ethernet-input's verdict index of each arc: append-only, so that verdicts never change meaning. */
    private final Map<String, Integer> ethernetVerdicts = new LinkedHashMap<>();
    private final EthernetInputNode ethernetInput = new EthernetInputNode();
    private NodeRegistration ethernetRegistration;

    private final Object lock = new Object();
    private final List<NodeRegistration> registrations = new ArrayList<>();
    private final Map<String, Integer> ifIndexByName = new HashMap<>();
    private final List<NetDevice> devices = new ArrayList<>();
    private final Map<String, Boolean> adminUp = new HashMap<>();
    private final Map<String, PcapCapture> captures = new LinkedHashMap<>();
    /** Reasons of every counter key ever used, so that drops of removed nodes still add up. */
    private final Map<String, String[]> reasonsByKey = new HashMap<>();
    private final Map<String, String> nodeOfKey = new HashMap<>();
    private final Map<String, long[]> baselines = new HashMap<>();
    private final AtomicInteger traceRemaining = new AtomicInteger();
    private final AtomicInteger traceSeq = new AtomicInteger();
    private int traceBase; // traceSeq when the current trace started; under lock
    private final AtomicLong lastFaultLog = new AtomicLong();
    private final ExecutorService control = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("junction-control").daemon().factory());
    private final double cpuGhz = readCpuGhz();
    private volatile GraphSnapshot current;
    /** The arcs of the graph the workers run (the last one published). */
    private java.util.Set<String> arcsRunning = java.util.Set.of();
    private volatile boolean dropQuarantined;
    private EngineConfig config;
    private Worker[] workers = new Worker[0];
    private long epoch;
    private boolean started;

    /** Interface listeners, and what the interfaces looked like when they were last told. */
    private final List<InterfaceListener> interfaceListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private String interfacesTold = "";

    /** Who holds each packet opaque word (null: free); kept for the engine's life, across bundle updates. */
    private final String[] opaqueOwners = new String[dev.junction.packet.PacketPool.OPAQUE_WORDS];

    public Engine(EngineConfig config) {
        this.config = config;
        this.dropQuarantined = config.dropQuarantined();
        ethernetRegistration = new NodeRegistration(ethernetInput, "core", List.of());
        registrations.add(ethernetRegistration);
        for (PacketNode n : List.of(new InterfaceTxNode(),
                new ArcEndDropNode("l2-drop", "no layer-2 function on this interface"),
                new ArcEndDropNode("ip4-drop", "no IPv4 forwarding feature installed"),
                new ArcEndDropNode("ip6-drop", "no IPv6 forwarding feature installed"),
                new ArcEndDropNode("mpls-drop", "no MPLS feature installed"),
                new ArcEndDropNode("arp-drop", "no ARP handler installed"))) {
            registrations.add(new NodeRegistration(n, "core"));
        }
        synchronized (lock) {
            rebuild();
        }
    }

    /** Starts the workers. */
    public void start() {
        synchronized (lock) {
            if (started) {
                return;
            }
            started = true;
            startWorkers();
        }
        // A device's MTU or MAC may change under it (ip link set ... mtu): follow, once a second.
        Thread.ofVirtual().name("junction-interface-watch").start(() -> {
            while (isStarted()) {
                LockSupport.parkNanos(1_000_000_000L);
                refreshInterfaces();
            }
        });
    }

    private boolean isStarted() {
        synchronized (lock) {
            return started;
        }
    }

    /**
     * Publishes a new graph snapshot when a device's MTU or MAC differs from what the current one
     * shows, so that nodes see the change; returns whether it did.
     */
    public boolean refreshInterfaces() {
        synchronized (lock) {
            InterfaceTable ifs = current.interfaces;
            for (int i = 0; i < ifs.devices.length; i++) {
                NetDevice d = ifs.devices[i];
                if (d != null && (d.mtu() != ifs.mtu(i) || d.mac() != ifs.mac(i))) {
                    rebuild();
                    return true;
                }
            }
            // Link state is no part of the graph, but listeners hear of it (a bridge flushes a port's MACs).
            String links = linksOf(ifs);
            if (!links.equals(linksTold)) {
                linksTold = links;
                for (InterfaceListener l : interfaceListeners) {
                    tell(l);
                }
            }
            return false;
        }
    }

    /** Each device's link state, as last told to the interface listeners. */
    private String linksTold = "";

    private static String linksOf(InterfaceTable ifs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ifs.devices.length; i++) {
            NetDevice d = ifs.devices[i];
            sb.append(d == null ? '-' : d.linkUp() ? 'u' : 'd');
        }
        return sb.toString();
    }

    /** Applies a new configuration; workers are restarted when their CPUs, idle mode or pool size change. */
    public void reconfigure(EngineConfig next) {
        synchronized (lock) {
            boolean restart = !next.cpus().equals(config.cpus()) || next.idle() != config.idle()
                    || next.poolBuffers() != config.poolBuffers() || next.packetMemory() != config.packetMemory();
            config = next;
            dropQuarantined = next.dropQuarantined();
            if (restart && started) {
                stopWorkers();
                startWorkers();
            } else {
                rebuild();
            }
        }
    }

    public EngineConfig config() {
        synchronized (lock) {
            return config;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            stopWorkers();
            started = false;
            for (PcapCapture c : captures.values()) {
                c.stop();
            }
            captures.clear();
        }
        control.shutdownNow();
    }

    /** How many workers the configuration runs (the per-worker state every node is sized for). */
    private int workerCount() {
        return Math.max(1, config.cpus().size());
    }

    /** Tells a node how many workers will run it; a node that throws here is quarantined. */
    private static void sizeForWorkers(NodeRegistration r, int count) {
        try {
            r.node.workers(count);
        } catch (RuntimeException e) {
            r.quarantined = true;
            r.fault = "workers(" + count + ") threw " + e;
            LOG.log(Level.ERROR, "node " + r.name + " (" + r.owner + ") threw in workers(" + count + ") and is quarantined", e);
        }
    }

    private void startWorkers() {
        List<Integer> cpus = config.cpus();
        for (NodeRegistration r : registrations) {
            sizeForWorkers(r, Math.max(1, cpus.size()));
        }
        workers = new Worker[cpus.size()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, i, cpus.get(i), config.idle(), config.poolBuffers(), config.packetMemory());
        }
        rebuild();
        for (Worker w : workers) {
            w.thread.start();
        }
        awaitQuiescence(epoch);
        for (Worker w : workers) {
            if (w.pinError != null) {
                LOG.log(Level.WARNING, "worker " + w.index + " is not pinned: " + w.pinError);
            }
        }
    }

    private void stopWorkers() {
        for (Worker w : workers) {
            w.running = false;
            LockSupport.unpark(w.thread);
        }
        for (Worker w : workers) {
            try {
                if (w.thread.isAlive() || w.thread.getState() != Thread.State.NEW) {
                    w.thread.join(TimeUnit.NANOSECONDS.toMillis(QUIESCENCE_TIMEOUT_NS));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        retiredWorkers.addAll(Arrays.asList(workers)); // their counters still count
        workers = new Worker[0];
        rebuild();
    }

    // ---- changes ----

    /** Adds a node (or arc feature) to the running graph. {@code owner} names who added it (a bundle). */
    public void addNode(PacketNode node, String owner) {
        synchronized (lock) {
            NodeRegistration r = new NodeRegistration(node, owner);
            sizeForWorkers(r, workerCount());
            registrations.add(r);
            rebuild();
        }
        NodeRegistration r = find(node);
        if (r != null && r.problem != null) {
            LOG.log(Level.WARNING, "node " + r.name + " from " + owner + " not added: " + r.problem);
        }
    }

    /** Removes a node; returns once no worker can run it any more. */
    public void removeNode(PacketNode node) {
        synchronized (lock) {
            if (registrations.removeIf(r -> r.node == node)) {
                rebuild();
            }
        }
    }

    /** Adds a device; it gets the interface index its name had before, or a new one. */
    public void addDevice(NetDevice device) {
        synchronized (lock) {
            String name = device.name();
            for (NetDevice d : devices) {
                if (d != null && d.name().equals(name)) {
                    throw new IllegalArgumentException("an interface named " + name + " exists already");
                }
            }
            int index = ifIndexByName.computeIfAbsent(name, n -> ifIndexByName.size());
            while (devices.size() <= index) {
                devices.add(null);
            }
            devices.set(index, device);
            rebuild();
        }
    }

    /** Removes a device; returns once no worker polls or transmits on it any more. */
    public void removeDevice(NetDevice device) {
        synchronized (lock) {
            int i = devices.indexOf(device);
            if (i >= 0) {
                devices.set(i, null);
                PcapCapture c = captures.remove(device.name());
                rebuild();
                if (c != null) {
                    c.stop();
                }
            }
        }
    }

    /** Sets an interface's administrative state by name; the interface need not exist yet. */
    public void configureInterface(String name, boolean up) {
        synchronized (lock) {
            adminUp.put(name, up);
            rebuild();
        }
    }

    @Override
    public void setInterfaceUp(String name, boolean up) {
        synchronized (lock) {
            requireInterface(name);
            adminUp.put(name, up);
            rebuild();
        }
    }

    // ---- what bundles register besides nodes ----

    /**
     * Adds what a bundle would register as a service, by its type (a node, an arc, an ethertype claim,
     * an interface mode or an interface listener): for code that runs the engine without OSGi (tests,
     * benchmarks).
     */
    public void register(Object service, String owner) {
        switch (service) {
            case InterfaceListener l -> addInterfaceListener(l);
            case PacketNode n -> addNode(n, owner);
            case ArcDefinition a -> addArc(a, owner);
            case EtherTypeClaim c -> addEtherTypeClaim(c, owner);
            case InterfaceMode m -> addInterfaceMode(m, owner);
            default -> throw new IllegalArgumentException("not a graph contribution: " + service);
        }
    }

    /** Removes what {@link #register} added. */
    public void unregister(Object service) {
        switch (service) {
            case InterfaceListener l -> removeInterfaceListener(l);
            case PacketNode n -> removeNode(n);
            case ArcDefinition a -> removeArc(a);
            case EtherTypeClaim c -> removeEtherTypeClaim(c);
            case InterfaceMode m -> removeInterfaceMode(m);
            default -> throw new IllegalArgumentException("not a graph contribution: " + service);
        }
    }

    /**
     * Adds a bundle's arc; a name an earlier bundle's arc has is refused (logged). A bundle may also
     * end one of the core's drop-ended arcs (l2-input, ip4-unicast, ...): while its end node is in
     * the graph, it ends the arc instead of the core's drop.
     */
    public void addArc(ArcDefinition def, String owner) {
        String name = def.name();
        String end = def.end();
        if (name == null || name.isBlank() || name.contains(":") || end == null || end.isBlank()) {
            LOG.log(Level.WARNING, "arc from " + owner + " not added: it needs a name (no ':') and an end node");
            return;
        }
        synchronized (lock) {
            if (name.equals(Arcs.DEVICE_INPUT) || name.equals(Arcs.OUTPUT) || arcEntries.stream().anyMatch(a -> a.name.equals(name))) {
                LOG.log(Level.WARNING, "arc " + name + " from " + owner + " not added: an arc of that name exists");
                return;
            }
            arcEntries.add(new ArcEntry(def, name, end, def.direction() == ArcDefinition.Direction.OUTPUT, owner));
            rebuild();
        }
    }

    /** Removes a bundle's arc; returns once no worker runs it. Its features are then rejected. */
    public void removeArc(ArcDefinition def) {
        synchronized (lock) {
            if (arcEntries.removeIf(a -> a.key == def)) {
                rebuild();
            }
        }
    }

    /** Adds a bundle's ethertype claim (see {@link EtherTypeClaim}); an invalid one is refused, logged. */
    public void addEtherTypeClaim(EtherTypeClaim claim, String owner) {
        int type = claim.etherType();
        if (type < 0x0600 || type > 0xffff || claim.arc() == null) {
            LOG.log(Level.WARNING, String.format("ethertype claim 0x%x from %s not added: 0x0600..0xffff and an arc", type, owner));
            return;
        }
        synchronized (lock) {
            claims.add(new ClaimEntry(claim, type, claim.arc(), owner));
            rebuild();
        }
    }

    public void removeEtherTypeClaim(EtherTypeClaim claim) {
        synchronized (lock) {
            if (claims.removeIf(c -> c.key == claim)) {
                rebuild();
            }
        }
    }

    /** Adds a bundle's claim on an interface's layer 2 (see {@link InterfaceMode}). */
    public void addInterfaceMode(InterfaceMode mode, String owner) {
        if (mode.interfaceName() == null || mode.arc() == null) {
            LOG.log(Level.WARNING, "interface mode from " + owner + " not added: it needs an interface and an arc");
            return;
        }
        synchronized (lock) {
            String d = mode.description();
            modes.add(new ModeEntry(mode, mode.interfaceName(), mode.arc(), d == null ? mode.arc() : d, owner));
            rebuild();
        }
    }

    public void removeInterfaceMode(InterfaceMode mode) {
        synchronized (lock) {
            if (modes.removeIf(m -> m.key == mode)) {
                rebuild();
            }
        }
    }

    @Override
    public void enableFeature(String node, String iface, boolean enabled) {
        if (node == null || node.isBlank() || iface == null || iface.isBlank()) {
            throw new IllegalArgumentException("a feature and an interface must be named");
        }
        synchronized (lock) {
            LinkedHashSet<String> on = enabledOn.computeIfAbsent(node, n -> new LinkedHashSet<>());
            if (enabled ? on.add(iface) : on.remove(iface)) {
                rebuild();
            }
        }
    }

    @Override
    public List<String> featureInterfaces(String node) {
        synchronized (lock) {
            return List.copyOf(enabledOn.getOrDefault(node, new LinkedHashSet<>()));
        }
    }

    /** Adds an interface listener: told at once, then after each change (see InterfaceListener). */
    public void addInterfaceListener(InterfaceListener l) {
        synchronized (lock) {
            interfaceListeners.add(l);
            tell(l);
        }
    }

    public void removeInterfaceListener(InterfaceListener l) {
        interfaceListeners.remove(l);
    }

    /** Tells a listener on the control thread (in order, never overlapping), what the interfaces are then. */
    private void tell(InterfaceListener l) {
        control.execute(() -> {
            if (!interfaceListeners.contains(l)) {
                return;
            }
            try {
                l.interfacesChanged(interfaces());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "interface listener " + l.getClass().getName() + " threw", e);
            }
        });
    }

    /** What a listener is told about, without the counters: index, name, state, MTU, MAC, mode. */
    private static String shapeOf(InterfaceTable ifs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ifs.size(); i++) {
            NetDevice d = ifs.devices[i];
            if (d != null) {
                sb.append(i).append(' ').append(d.name()).append(' ').append(ifs.isUp(i)).append(' ')
                        .append(ifs.mtu(i)).append(' ').append(ifs.mac(i)).append(' ').append(ifs.mode(i)).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void refreshNext(String node) {
        synchronized (lock) {
            for (int i = 0; i < registrations.size(); i++) {
                NodeRegistration r = registrations.get(i);
                if (!r.name.equals(node) || r == ethernetRegistration) {
                    continue;
                }
                List<String> next = List.copyOf(r.node.next());
                if (next.size() < r.next.size() || !next.subList(0, r.next.size()).equals(r.next)) {
                    throw new IllegalArgumentException("node " + node + ": next nodes may only be appended to, was "
                            + r.next + ", now " + next);
                }
                NodeRegistration n = new NodeRegistration(r.node, r.owner, next);
                n.quarantined = r.quarantined;
                n.fault = r.fault;
                registrations.set(i, n);
                rebuild();
                return;
            }
        }
        throw new IllegalArgumentException("no node " + node + " (graph:nodes lists them)");
    }

    @Override
    public int claimOpaqueWord(String owner) {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("an opaque word needs an owner name");
        }
        synchronized (lock) {
            int free = -1;
            for (int w = 0; w < opaqueOwners.length; w++) {
                if (owner.equals(opaqueOwners[w])) {
                    return w;
                }
                if (opaqueOwners[w] == null && free < 0) {
                    free = w;
                }
            }
            if (free < 0) {
                throw new IllegalStateException("all " + opaqueOwners.length + " opaque words are taken: "
                        + Arrays.toString(opaqueOwners));
            }
            opaqueOwners[free] = owner;
            return free;
        }
    }

    @Override
    public boolean releaseOpaqueWord(String owner) {
        synchronized (lock) {
            for (int w = 0; w < opaqueOwners.length; w++) {
                if (owner.equals(opaqueOwners[w])) {
                    opaqueOwners[w] = null;
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public List<String> opaqueWords() {
        synchronized (lock) {
            return java.util.Collections.unmodifiableList(Arrays.asList(opaqueOwners.clone()));
        }
    }

    @Override
    public List<EtherTypeStatus> etherTypes() {
        synchronized (lock) {
            Map<String, GraphCompiler.ArcSpec> arcs = arcSpecs();
            List<EtherTypeStatus> out = new ArrayList<>();
            Map<Integer, Boolean> taken = new HashMap<>();
            for (ClaimEntry c : claims) {
                String state = !arcs.containsKey(c.arc) ? EtherTypeStatus.NO_ARC
                        : taken.putIfAbsent(c.etherType, true) != null ? EtherTypeStatus.CONFLICT : EtherTypeStatus.ACTIVE;
                out.add(new EtherTypeStatus(c.etherType, c.arc, c.owner, state));
            }
            for (Map.Entry<Integer, String> e : new java.util.TreeMap<>(CORE_ETHERTYPES).entrySet()) {
                boolean over = taken.containsKey(e.getKey());
                out.add(new EtherTypeStatus(e.getKey(), e.getValue(), "core", over ? EtherTypeStatus.CONFLICT : EtherTypeStatus.ACTIVE));
            }
            out.sort(Comparator.comparingInt(EtherTypeStatus::etherType));
            return out;
        }
    }

    /** The arcs of the graph: the core's, then bundles' in registration order. */
    private Map<String, GraphCompiler.ArcSpec> arcSpecs() {
        Map<String, GraphCompiler.ArcSpec> m = new LinkedHashMap<>();
        ARC_ENDS.forEach((arc, end) -> m.put(arc, new GraphCompiler.ArcSpec(end, arc.equals(Arcs.OUTPUT))));
        for (ArcEntry a : arcEntries) {
            if (!ARC_ENDS.containsKey(a.name)) {
                m.putIfAbsent(a.name, new GraphCompiler.ArcSpec(a.end, a.tx));
            } else if (registrations.stream().anyMatch(r -> r.name.equals(a.end))) {
                m.put(a.name, new GraphCompiler.ArcSpec(a.end, a.name.equals(Arcs.OUTPUT))); // a bundle ends a core arc
            }
        }
        return m;
    }


    private int requireInterface(String name) {
        Integer i = ifIndexByName.get(name);
        if (i == null || devices.get(i) == null) {
            throw new IllegalArgumentException("no interface named '" + name + "' (see interface:list)");
        }
        return i;
    }

    GraphSnapshot current() {
        return current;
    }

    boolean dropQuarantined() {
        return dropQuarantined;
    }

    /** Holds per reason (a bundle being updated, ...); while any is held, workers do not poll. */
    private final java.util.concurrent.ConcurrentHashMap<Object, Long> holds = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean rxHeld;

    /**
     * Stops receiving until {@link #releaseRx} with the same key (or {@code maxNanos} pass): frames
     * wait in the devices' own rings and queues meanwhile. Used around a feature bundle's update, so
     * that no packet meets the graph in the moment between the old nodes leaving and the new ones
     * arriving. Packets already received finish on the graph as it is.
     */
    public void holdRx(Object key, long maxNanos) {
        holds.put(key, System.nanoTime() + maxNanos);
        rxHeld = true;
        // Its own thread: the control executor must stay free for fault handling meanwhile.
        Thread.ofVirtual().name("junction-rx-hold").start(this::expireHolds);
    }

    public void releaseRx(Object key) {
        holds.remove(key);
        rxHeld = !holds.isEmpty();
    }

    private void expireHolds() {
        while (!holds.isEmpty()) {
            long now = System.nanoTime();
            holds.values().removeIf(deadline -> deadline <= now);
            rxHeld = !holds.isEmpty();
            LockSupport.parkNanos(5_000_000);
        }
        rxHeld = false;
    }

    boolean rxHeld() {
        return rxHeld;
    }

    boolean traceArmed() {
        return traceRemaining.get() > 0;
    }

    /** A trace id for the next received packet, or 0 when the trace has taken all it was asked for. */
    int takeTraceId() {
        while (true) {
            int r = traceRemaining.get();
            if (r <= 0) {
                return 0;
            }
            if (traceRemaining.compareAndSet(r, r - 1)) {
                return traceSeq.incrementAndGet();
            }
        }
    }

    /** Called by a worker when a node threw: the node is already quarantined; log and recompile off the worker. */
    void nodeFault(NodeRegistration r, Throwable t) {
        r.fault = t.toString();
        control.execute(() -> {
            LOG.log(Level.ERROR, "node " + r.name + " (" + r.owner + ") threw and is quarantined; "
                    + (dropQuarantined ? "its packets are dropped" : "its arc bypasses it")
                    + ". Release it with feature:release " + r.name, t);
            synchronized (lock) {
                rebuild();
            }
        });
    }

    /** Called by a worker when a driver threw; logged at most once a second. */
    void workerFault(Worker w, Throwable t) {
        long now = System.nanoTime();
        long last = lastFaultLog.get();
        if (now - last > 1_000_000_000L && lastFaultLog.compareAndSet(last, now)) {
            control.execute(() -> LOG.log(Level.ERROR, "worker " + w.index + ": device fault", t));
        }
    }

    // ---- snapshot building ----

    private void rebuild() {
        Map<String, GraphCompiler.ArcSpec> arcs = arcSpecs();
        // ethernet-input's next nodes: every arc (but device-input) it has ever had, by stable index.
        for (String arc : arcs.keySet()) {
            if (!arc.equals(Arcs.DEVICE_INPUT)) {
                ethernetVerdicts.putIfAbsent(arc, ethernetVerdicts.size());
            }
        }
        if (ethernetRegistration.next.size() != ethernetVerdicts.size()) {
            List<String> next = new ArrayList<>();
            for (String arc : ethernetVerdicts.keySet()) {
                next.add(Arcs.start(arc));
            }
            NodeRegistration r = new NodeRegistration(ethernetInput, "core", next);
            registrations.set(registrations.indexOf(ethernetRegistration), r);
            ethernetRegistration = r;
        }
        InterfaceTable ifs = interfaceTable();
        Map<String, java.util.Set<Integer>> enabled = new HashMap<>();
        enabledOn.forEach((node, names) -> {
            java.util.Set<Integer> idx = new HashSet<>();
            for (String n : names) {
                int i = ifs.indexOf(n);
                if (i >= 0) {
                    idx.add(i);
                }
            }
            enabled.put(node, idx);
        });
        GraphCompiler.Compiled compiled = GraphCompiler.compile(registrations, arcs, enabled, ifs.size(), !dropQuarantined);
        PcapCapture[] caps = new PcapCapture[ifs.size()];
        for (PcapCapture c : captures.values()) {
            int i = ifs.indexOf(c.iface);
            if (i >= 0) {
                caps[i] = c;
            }
        }
        WorkerGraph[] graphs = new WorkerGraph[workers.length];
        for (Worker w : workers) {
            graphs[w.index] = workerGraph(w, compiled, ifs);
        }
        GraphSnapshot s = new GraphSnapshot(++epoch, compiled, ifs, graphs, caps);
        java.util.Set<String> used = new HashSet<>();
        EthernetInputNode.Dispatch d = dispatch(arcs, ifs, used);
        // The tables must never name an arc the graph a worker runs lacks. When every arc they use
        // is in the running graph too, they go first: a device new in this snapshot (a bridge port,
        // a cross-connect made before its device came) then meets its mode with its first frame.
        // Otherwise only once every worker runs the new graph (an arc that comes with it).
        boolean early = arcsRunning.containsAll(used);
        if (early) {
            ethernetInput.dispatch(d);
        }
        current = s;
        awaitQuiescence(s.epoch);
        if (!early) {
            ethernetInput.dispatch(d);
        }
        arcsRunning = java.util.Set.copyOf(arcs.keySet());
        String shape = shapeOf(ifs);
        if (!shape.equals(interfacesTold)) {
            interfacesTold = shape;
            linksTold = linksOf(ifs);
            for (InterfaceListener l : interfaceListeners) {
                tell(l);
            }
        }
    }

    /** ethernet-input's tables: interface modes by interface index, then ethertype claims. */
    private EthernetInputNode.Dispatch dispatch(Map<String, GraphCompiler.ArcSpec> arcs, InterfaceTable ifs,
            java.util.Set<String> used) {
        short[] byType = new short[65536];
        Arrays.fill(byType, (short) -1);
        CORE_ETHERTYPES.forEach((type, arc) -> {
            if (arcs.containsKey(arc)) {
                used.add(arc);
                byType[type] = (short) (int) ethernetVerdicts.get(arc);
            }
        });
        boolean[] claimed = new boolean[65536];
        for (ClaimEntry c : claims) {
            if (arcs.containsKey(c.arc) && !claimed[c.etherType]) {
                claimed[c.etherType] = true;
                used.add(c.arc);
                byType[c.etherType] = (short) (int) ethernetVerdicts.get(c.arc);
            }
        }
        int[] byIf = new int[ifs.size()];
        Arrays.fill(byIf, -1);
        for (int i = 0; i < byIf.length; i++) {
            String name = ifs.name(i);
            for (ModeEntry m : name == null ? List.<ModeEntry>of() : modes) {
                if (m.iface.equals(name) && arcs.containsKey(m.arc)) {
                    used.add(m.arc);
                    byIf[i] = ethernetVerdicts.get(m.arc);
                    break;
                }
            }
        }
        return new EthernetInputNode.Dispatch(byType, byIf);
    }

    private InterfaceTable interfaceTable() {
        NetDevice[] devs = devices.toArray(NetDevice[]::new);
        boolean[] up = new boolean[devs.length];
        String[] mode = new String[devs.length];
        Map<String, GraphCompiler.ArcSpec> arcs = arcSpecs();
        for (int i = 0; i < devs.length; i++) {
            mode[i] = "l3";
            if (devs[i] == null) {
                continue;
            }
            up[i] = adminUp.getOrDefault(devs[i].name(), true);
            for (ModeEntry m : modes) {
                if (m.iface.equals(devs[i].name()) && arcs.containsKey(m.arc)) {
                    mode[i] = m.description;
                    break;
                }
            }
        }
        return new InterfaceTable(devs, up, mode);
    }

    private WorkerGraph workerGraph(Worker w, GraphCompiler.Compiled compiled, InterfaceTable ifs) {
        CompiledNode[] nodes = compiled.nodes();
        NodeCounters[] counters = new NodeCounters[nodes.length];
        for (CompiledNode n : nodes) {
            String key = n.counterKey();
            reasonsByKey.putIfAbsent(key, n.reasons);
            nodeOfKey.putIfAbsent(key, n.name);
            counters[n.slot] = w.counters.computeIfAbsent(key, k -> new NodeCounters(n.reasons.length, n.reg.counters.size()));
        }
        List<RxQueue> rx = new ArrayList<>();
        List<Integer> rxIf = new ArrayList<>();
        List<String> rxLabels = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < ifs.devices.length; i++) {
            NetDevice d = ifs.devices[i];
            if (d == null) {
                continue;
            }
            for (int q = 0; q < d.rxQueueCount(); q++, k++) {
                if (k % workers.length == w.index) {
                    rx.add(d.rxQueue(q));
                    rxIf.add(i);
                    rxLabels.add("rx " + d.name() + (d.rxQueueCount() > 1 ? " queue " + q : ""));
                }
            }
        }
        TxQueue[] tx = new TxQueue[ifs.size()];
        String[] txLabels = new String[ifs.size()];
        for (int i = 0; i < tx.length; i++) {
            if (ifs.devices[i] != null) {
                tx[i] = ifs.devices[i].txQueue(w.index);
                txLabels[i] = "tx " + ifs.devices[i].name();
            }
        }
        return new WorkerGraph(nodes, counters, rx.toArray(RxQueue[]::new),
                rxIf.stream().mapToInt(Integer::intValue).toArray(), rxLabels.toArray(String[]::new), tx, txLabels);
    }

    private void awaitQuiescence(long target) {
        for (Worker w : workers) {
            if (Thread.currentThread() == w.thread) {
                throw new IllegalStateException("a worker cannot change the graph it runs");
            }
        }
        long deadline = System.nanoTime() + QUIESCENCE_TIMEOUT_NS;
        for (Worker w : workers) {
            while (w.thread.isAlive() && w.seenEpoch() < target) {
                LockSupport.unpark(w.thread);
                if (System.nanoTime() > deadline) {
                    LOG.log(Level.ERROR, "worker " + w.index + " did not leave its graph for epoch " + target
                            + " within 10 s: a node is blocking it (" + w.thread.getStackTrace()[0] + ")");
                    break;
                }
                Thread.onSpinWait();
            }
        }
    }

    // ---- views ----

    @Override
    public long epoch() {
        return current.epoch;
    }

    @Override
    public List<InterfaceStatus> interfaces() {
        GraphSnapshot s = current;
        List<InterfaceStatus> out = new ArrayList<>();
        for (int i = 0; i < s.interfaces.size(); i++) {
            NetDevice d = s.interfaces.devices[i];
            if (d == null) {
                continue;
            }
            String mode = s.interfaces.mode(i);
            DeviceCounters c;
            try {
                c = d.counters();
            } catch (RuntimeException e) {
                c = DeviceCounters.ZERO;
            }
            out.add(new InterfaceStatus(i, d.name(), d.driver(), MacAddress.format(d.mac()), d.mtu(),
                    s.interfaces.isUp(i), d.linkUp(), mode, d.rxQueueCount(), c));
        }
        return out;
    }

    @Override
    public List<NodeStatus> nodes() {
        GraphSnapshot s = current;
        List<NodeStatus> out = new ArrayList<>();
        List<NodeRegistration> regs;
        synchronized (lock) {
            regs = new ArrayList<>(registrations);
        }
        for (CompiledNode n : s.nodes) {
            out.add(status(n.reg, List.of(n.nextLabels)));
            regs.remove(n.reg);
        }
        for (NodeRegistration r : regs) {
            out.add(status(r, r.next));
        }
        return out;
    }

    private static NodeStatus status(NodeRegistration r, List<String> next) {
        String state = r.problem != null ? NodeStatus.REJECTED : r.quarantined ? NodeStatus.QUARANTINED : NodeStatus.ACTIVE;
        String problem = r.problem != null ? r.problem : r.fault;
        return new NodeStatus(r.name, r.arc, r.owner, next, state, problem);
    }

    @Override
    public List<ArcStatus> arcs() {
        return current.arcs;
    }

    /** Sums each counter key over workers: [calls, packets, nanos, drops by reason..., named counters...]. */
    private Map<String, long[]> totals() {
        Map<String, long[]> sum = new LinkedHashMap<>();
        synchronized (lock) {
            for (Worker w : allWorkersEver()) {
                for (Map.Entry<String, NodeCounters> e : w.counters.entrySet()) {
                    NodeCounters c = e.getValue();
                    long[] t = sum.computeIfAbsent(e.getKey(), key -> new long[3 + c.drops.length + c.named.length]);
                    t[0] += c.calls;
                    t[1] += c.packets;
                    t[2] += c.nanos;
                    for (int i = 0; i < c.drops.length; i++) {
                        t[3 + i] += c.drops[i];
                    }
                    for (int i = 0; i < c.named.length; i++) {
                        t[3 + c.drops.length + i] += c.named[i];
                    }
                }
            }
            for (Map.Entry<String, long[]> e : sum.entrySet()) {
                long[] base = baselines.get(e.getKey());
                if (base != null) {
                    for (int i = 0; i < base.length; i++) {
                        e.getValue()[i] -= base[i];
                    }
                }
            }
        }
        return sum;
    }

    private final List<Worker> retiredWorkers = new ArrayList<>();

    private List<Worker> allWorkersEver() {
        List<Worker> all = new ArrayList<>(retiredWorkers);
        all.addAll(Arrays.asList(workers));
        return all;
    }

    @Override
    public List<NodeRuntime> runtime() {
        GraphSnapshot s = current;
        Map<String, long[]> sum = totals();
        List<NodeRuntime> out = new ArrayList<>();
        for (CompiledNode n : s.nodes) {
            long[] t = sum.getOrDefault(n.counterKey(), new long[3 + n.reasons.length]);
            long drops = 0;
            for (int i = 3; i < 3 + n.reasons.length; i++) {
                drops += t[i];
            }
            out.add(new NodeRuntime(n.name, t[0], t[1], t[2], drops, cpuGhz));
        }
        return out;
    }

    @Override
    public List<CounterValue> counters() {
        GraphSnapshot s = current;
        Map<String, long[]> sum = totals();
        List<CounterValue> out = new ArrayList<>();
        for (CompiledNode n : s.nodes) {
            List<String> names = n.reg.counters;
            long[] t = sum.get(n.counterKey());
            for (int i = 0; i < names.size(); i++) {
                out.add(new CounterValue(n.name, names.get(i), t == null ? 0 : t[3 + n.reasons.length + i]));
            }
        }
        return out;
    }

    @Override
    public List<DropCount> drops() {
        Map<String, long[]> sum = totals();
        Map<String, Long> merged = new LinkedHashMap<>();
        List<DropCount> out = new ArrayList<>();
        synchronized (lock) {
            for (Map.Entry<String, long[]> e : sum.entrySet()) {
                String[] reasons = reasonsByKey.get(e.getKey());
                String node = nodeOfKey.get(e.getKey());
                for (int i = 0; i < reasons.length; i++) {
                    long n = e.getValue()[3 + i];
                    if (n != 0) {
                        merged.merge(node + '\u0000' + reasons[i], n, Long::sum);
                    }
                }
            }
        }
        merged.forEach((k, n) -> {
            int z = k.indexOf('\u0000');
            out.add(new DropCount(k.substring(0, z), k.substring(z + 1), n));
        });
        out.sort(Comparator.comparing(DropCount::count).reversed());
        return out;
    }

    @Override
    public void clearRuntime() {
        Map<String, long[]> sum = totals();
        synchronized (lock) {
            sum.forEach((k, v) -> baselines.merge(k, v, (a, b) -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] += b[i];
                }
                return a;
            }));
        }
    }

    @Override
    public List<WorkerStatus> workers() {
        GraphSnapshot s = current;
        List<WorkerStatus> out = new ArrayList<>();
        Worker[] ws;
        synchronized (lock) {
            ws = workers.clone();
        }
        for (Worker w : ws) {
            List<String> rx = w.index < s.workers.length ? List.of(s.workers[w.index].rxLabels) : List.of();
            String affinity = w.tid == 0 ? "?" : Affinity.format(Affinity.cpusOf(w.tid));
            out.add(new WorkerStatus(w.index, w.thread.getName(), w.tid, w.cpu, affinity, w.idleMode.label(), rx,
                    w.polls, w.busyPolls, w.packets, w.seenEpoch()));
        }
        return out;
    }

    @Override
    public void quarantine(String node) {
        NodeRegistration r = requireNode(node);
        synchronized (lock) {
            r.quarantined = true;
            r.fault = "quarantined from the shell";
            rebuild();
        }
    }

    @Override
    public void release(String node) {
        NodeRegistration r = requireNode(node);
        synchronized (lock) {
            r.quarantined = false;
            r.fault = null;
            rebuild();
        }
    }

    private NodeRegistration requireNode(String name) {
        synchronized (lock) {
            for (NodeRegistration r : registrations) {
                if (r.name.equals(name)) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException("no node named '" + name + "' (see graph:nodes)");
    }

    private NodeRegistration find(PacketNode node) {
        synchronized (lock) {
            for (NodeRegistration r : registrations) {
                if (r.node == node) {
                    return r;
                }
            }
        }
        return null;
    }

    @Override
    public void trace(int count) {
        if (count < 0 || count > 1000) {
            throw new IllegalArgumentException("trace count must be 1..1000 (0 stops tracing), not " + count);
        }
        synchronized (lock) {
            traceRemaining.set(0);
            for (Worker w : workers) {
                w.trace = new TraceBuffer(w.index);
            }
            rebuild(); // every worker has seen the new buffers before packets are marked again
            // Each trace numbers its packets from 1; ids at or below the base belong to an earlier
            // trace (still in flight when this one started) and are left out.
            traceBase = traceSeq.get();
            traceRemaining.set(count);
        }
    }

    @Override
    public List<TraceEntry> traceEntries() {
        List<TraceEntry> out = new ArrayList<>();
        synchronized (lock) {
            int base = traceBase;
            for (Worker w : workers) {
                for (TraceEntry e : w.trace.entries()) {
                    if (e.packet() > base) {
                        out.add(new TraceEntry(e.packet() - base, e.worker(), e.nanos(), e.node(), e.verdict(), e.length()));
                    }
                }
            }
        }
        out.sort(Comparator.comparingInt(TraceEntry::packet)); // stable: each packet's steps stay in order
        return out;
    }

    @Override
    public CaptureStatus startCapture(String iface, Path file, CaptureDirection direction, long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("capture limit must be >= 0 (0 = until stopped), not " + limit);
        }
        synchronized (lock) {
            requireInterface(iface);
            if (captures.containsKey(iface)) {
                throw new IllegalArgumentException("a capture runs on " + iface + " already; stop it with pcap:stop " + iface);
            }
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new IllegalArgumentException("no directory " + parent + " for the capture file");
            }
            PcapCapture c;
            try {
                c = new PcapCapture(iface, file, direction, limit, Math.max(workers.length, config.cpus().size()),
                        done -> control.execute(() -> stopCaptureQuietly(done)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            captures.put(iface, c);
            rebuild();
            return c.status();
        }
    }

    private void stopCaptureQuietly(PcapCapture c) {
        synchronized (lock) {
            if (captures.get(c.iface) == c) {
                captures.remove(c.iface);
                rebuild();
                finished.put(c.iface, c);
            }
        }
        c.stop();
    }

    private final Map<String, PcapCapture> finished = new LinkedHashMap<>();

    @Override
    public CaptureStatus stopCapture(String iface) {
        PcapCapture c;
        synchronized (lock) {
            c = captures.remove(iface);
            if (c == null) {
                PcapCapture done = finished.remove(iface);
                if (done != null) {
                    return done.status();
                }
                throw new IllegalArgumentException("no capture runs on " + iface + " (see pcap:list)");
            }
            rebuild(); // no worker offers frames to it after this
        }
        c.stop();
        return c.status();
    }

    @Override
    public List<CaptureStatus> captures() {
        List<CaptureStatus> out = new ArrayList<>();
        synchronized (lock) {
            for (PcapCapture c : captures.values()) {
                out.add(c.status());
            }
            for (PcapCapture c : finished.values()) {
                out.add(c.status());
            }
        }
        return out;
    }

    private static double readCpuGhz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) {
                    return Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) / 1000.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no clock rate known: clocks per packet reads 0
        }
        return 0;
    }
}
