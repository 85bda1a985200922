package dev.junction.core.osgi;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.dataplane.Dataplane;
import dev.junction.device.NetDevice;
import dev.junction.graph.ArcDefinition;
import dev.junction.graph.EtherTypeClaim;
import dev.junction.graph.InterfaceMode;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketMemory;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The data plane in OSGi: runs the {@link Engine}, registers it as the {@link Dataplane} service, and
 * follows the services and configurations that shape it. {@link PacketNode} and {@link NetDevice}
 * services join and leave the graph as their bundles come and go (an unbind returns only once no
 * worker runs the node), and so do {@link ArcDefinition}, {@link EtherTypeClaim} and
 * {@link InterfaceMode} services; a driver's {@link PacketMemory} service gives the workers' pools
 * their memory; configuration PID {@code junction.dataplane} sets the workers; factory PIDs
 * {@code junction.memdev} and {@code junction.interface} create memory devices and set interfaces.
 */
@Component(immediate = true, service = {}, configurationPid = "junction.dataplane",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class DataplaneComponent {
    private static final System.Logger LOG = System.getLogger("dev.junction.core");

    private final Engine engine = new Engine(EngineConfig.defaults());
    /** Longest a swap window may hold receiving; a bundle that never starts again must not stall the data plane. */
    private static final long SWAP_WINDOW_MAX_NS = 5_000_000_000L;
    private static final long UPDATE_GRACE_NS = 1_000_000_000L;
    private final java.util.Set<Long> updating = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** What each bundle has in the graph now: nodes, arcs, claims and modes. */
    private final java.util.Map<Long, Integer> nodesByBundle = new java.util.concurrent.ConcurrentHashMap<>();
    /** Bundles being updated, with how many nodes they had: receiving resumes when they are all back. */
    private final java.util.Map<Long, Integer> awaiting = new java.util.concurrent.ConcurrentHashMap<>();


    private ServiceRegistration<Dataplane> registration;
    private ServiceRegistration<ManagedServiceFactory> memdevs;
    private ServiceRegistration<ManagedServiceFactory> interfaces;
    private MemoryDeviceFactory memoryDeviceFactory;

    @Activate
    void activate(BundleContext context, Map<String, Object> props) {
        engine.reconfigure(configOf(props).withPacketMemory(packetMemory));
        engine.start();
        // Interface settings first, so that a device configured at boot meets its settings (a
        // cross-connect, say) before its first frame.
        interfaces = context.registerService(ManagedServiceFactory.class, new InterfaceSettingsFactory(engine),
                pid("junction.interface"));
        memoryDeviceFactory = new MemoryDeviceFactory(engine);
        memdevs = context.registerService(ManagedServiceFactory.class, memoryDeviceFactory,
                pid("junction.memdev"));
        registration = context.registerService(Dataplane.class, engine, null);
        context.addBundleListener(swapWindow);
    }

    /**
     * The swap window: when a bundle that contributes nodes stops, receiving is held until it starts
     * again (a bundle update: stop, update, start) or briefly passes without an update, so that an
     * updated feature loses no packet between its old nodes leaving and its new ones arriving.
     */
    private final SynchronousBundleListener swapWindow = event -> {
        Bundle b = event.getBundle();
        long id = b.getBundleId();
        switch (event.getType()) {
            case BundleEvent.STOPPING -> {
                Integer nodes = nodesByBundle.get(id);
                if (nodes != null && nodes > 0 && awaiting.putIfAbsent(id, nodes) == null) {
                    engine.holdRx(id, SWAP_WINDOW_MAX_NS);
                }
            }
            case BundleEvent.STOPPED -> {
                // A plain stop, or the first half of an update? An update's UPDATED event follows
                // once the framework has read the new jar, which takes a while on a busy machine:
                // wait for it up to UPDATE_GRACE_NS, then take this for a plain stop.
                Thread.ofVirtual().start(() -> {
                    long deadline = System.nanoTime() + UPDATE_GRACE_NS;
                    while (!updating.contains(id) && awaiting.containsKey(id) && System.nanoTime() < deadline) {
                        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                    }
                    if (!updating.contains(id)) {
                        awaiting.remove(id);
                        engine.releaseRx(id);
                    }
                });
            }
            case BundleEvent.UPDATED -> updating.add(id);
            case BundleEvent.UNINSTALLED -> {
                updating.remove(id);
                awaiting.remove(id);
                engine.releaseRx(id);
            }
            default -> {
            }
        }
    };




    @Modified
    void modified(Map<String, Object> props) {
        engine.reconfigure(configOf(props).withPacketMemory(packetMemory));
    }

    /** Where the workers' pools come from: a driver's {@link PacketMemory} service, else plain memory. */
    private volatile PacketMemory packetMemory = PacketMemory.NATIVE;

    /**
     * A driver that DMAs into pool buffers and needs special memory for it (huge pages with physical
     * addresses) registers a {@link PacketMemory}: the workers restart with pools cut from it (each
     * stopping worker releases its queues first). Of several, the one bound last is used.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindPacketMemory(PacketMemory memory) {
        packetMemory = memory;
        engine.reconfigure(engine.config().withPacketMemory(memory));
    }

    void unbindPacketMemory(PacketMemory memory) {
        if (packetMemory == memory) {
            packetMemory = PacketMemory.NATIVE;
            engine.reconfigure(engine.config().withPacketMemory(PacketMemory.NATIVE));
        }
    }

    Engine engine() {
        return engine;
    }

    @Deactivate
    void deactivate(BundleContext context) {
        context.removeBundleListener(swapWindow);
        registration.unregister();
        interfaces.unregister();
        memdevs.unregister();
        memoryDeviceFactory.closeAll();
        engine.close();
    }

    private static Hashtable<String, Object> pid(String pid) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", pid);
        return p;
    }

    /** Turns ConfigAdmin properties into an engine configuration; a bad value falls back to the default, logged. */
    static EngineConfig configOf(Map<String, Object> props) {
        EngineConfig c = EngineConfig.defaults();
        try {
            Object cpus = props.get("cpus");
            if (cpus != null && !"auto".equals(cpus)) {
                c = c.withCpus(EngineConfig.parseCpus(cpus.toString()));
            }
            Object idle = props.get("idle");
            if (idle != null) {
                c = c.withIdle(IdleStrategy.Mode.parse(idle.toString()));
            }
            Object buffers = props.get("buffers");
            int pool = buffers == null ? c.poolBuffers() : Integer.parseInt(buffers.toString());
            boolean drop = "drop".equals(props.get("quarantine"));
            return new EngineConfig(c.cpus(), c.idle(), pool, drop);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "junction.dataplane configuration ignored: " + e.getMessage());
            return EngineConfig.defaults();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addNode(PacketNode node, ServiceReference<PacketNode> ref) {
        engine.addNode(node, ownerOf(ref));
        contributed(List.of(PacketNode.class, node), ref);
    }

    void removeNode(PacketNode node, ServiceReference<PacketNode> ref) {
        withdrawing(List.of(PacketNode.class, node));
        engine.removeNode(node);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addArc(ArcDefinition arc, ServiceReference<ArcDefinition> ref) {
        engine.addArc(arc, ownerOf(ref));
        contributed(List.of(ArcDefinition.class, arc), ref);
    }

    void removeArc(ArcDefinition arc) {
        withdrawing(List.of(ArcDefinition.class, arc));
        engine.removeArc(arc);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addEtherTypeClaim(EtherTypeClaim claim, ServiceReference<EtherTypeClaim> ref) {
        engine.addEtherTypeClaim(claim, ownerOf(ref));
        contributed(List.of(EtherTypeClaim.class, claim), ref);
    }

    void removeEtherTypeClaim(EtherTypeClaim claim) {
        withdrawing(List.of(EtherTypeClaim.class, claim));
        engine.removeEtherTypeClaim(claim);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addInterfaceListener(dev.junction.dataplane.InterfaceListener l) {
        engine.addInterfaceListener(l);
    }

    void removeInterfaceListener(dev.junction.dataplane.InterfaceListener l) {
        engine.removeInterfaceListener(l);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addInterfaceMode(InterfaceMode mode, ServiceReference<InterfaceMode> ref) {
        engine.addInterfaceMode(mode, ownerOf(ref));
        contributed(List.of(InterfaceMode.class, mode), ref);
    }

    void removeInterfaceMode(InterfaceMode mode) {
        withdrawing(List.of(InterfaceMode.class, mode));
        engine.removeInterfaceMode(mode);
    }

    /**
     * Counts a bundle's contribution, keyed by its service type and object (one object may be
     * registered as several); the last one back after an update closes its swap window.
     */
    private void contributed(List<Object> service, ServiceReference<?> ref) {
        Bundle b = ref.getBundle();
        if (b != null) {
            long id = b.getBundleId();
            bundleOfContribution.put(service, b);
            int n = nodesByBundle.merge(id, 1, Integer::sum);
            Integer expected = awaiting.get(id);
            if (expected != null && n >= expected) {
                // The updated bundle's contributions are all back: the swap window closes.
                awaiting.remove(id);
                updating.remove(id);
                engine.releaseRx(id);
            }
        }
    }

    private void withdrawing(List<Object> service) {
        // Not ref.getBundle(): it is null once the service is unregistered, which is when DS unbinds.
        Bundle b = bundleOfContribution.remove(service);
        if (b != null) {
            long id = b.getBundleId();
            int before = nodesByBundle.getOrDefault(id, 0);
            // Its bundle is stopping (for an update, maybe) and the framework's component runtime
            // took its services away before our STOPPING listener ran: open the swap window now,
            // before the first one leaves.
            if (b.getState() == Bundle.STOPPING && before > 0 && awaiting.putIfAbsent(id, before) == null) {
                engine.holdRx(id, SWAP_WINDOW_MAX_NS);
            }
            nodesByBundle.merge(id, -1, Integer::sum);
        }
    }

    /** The bundle that registered each contribution: counts must go down when its services are already gone. */
    private final java.util.Map<List<Object>, Bundle> bundleOfContribution = new java.util.concurrent.ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDevice(NetDevice device) {
        try {
            engine.addDevice(device);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "device not added: " + e.getMessage());
        }
    }

    void removeDevice(NetDevice device) {
        engine.removeDevice(device);
    }

    private static String ownerOf(ServiceReference<?> ref) {
        Bundle b = ref.getBundle();
        return b == null ? "?" : b.getSymbolicName() + " " + b.getVersion();
    }

}
