package dev.junction.l2.osgi;

import dev.junction.graph.ArcDefinition;
import dev.junction.graph.InterfaceMode;
import dev.junction.graph.PacketNode;
import dev.junction.dataplane.InterfaceListener;
import dev.junction.l2.Bridges;
import dev.junction.l2.CrossConnects;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.l2.xconnect.XconnectControl;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * feature.l2 in OSGi: the cross-connect and bridge controls, whose nodes, arcs, interface modes and
 * interface listener become services of this bundle (so they leave with it), the
 * {@link CrossConnects} and {@link Bridges} services, and the factory PIDs of their statements
 * ({@code junction.xconnect}, {@code junction.bridge}, {@code junction.bridge.port},
 * {@code junction.bridge.mac}). The MAC table is handed over across an update ({@link BridgeHandover}).
 */
@Component(immediate = true, service = {})
public final class L2Component {
    private final Map<Object, ServiceRegistration<?>> registrations = new ConcurrentHashMap<>();
    private XconnectControl control;
    private ServiceRegistration<CrossConnects> service;
    private ServiceRegistration<ManagedServiceFactory> statements;
    private BridgeControl bridges;
    private dev.junction.l2.bvi.BviControl bvis;
    private ServiceRegistration<Bridges> bridgeService;
    private final java.util.List<ServiceRegistration<ManagedServiceFactory>> bridgeStatements = new java.util.ArrayList<>();
    private BundleContext context;

    /** For the interface indexes at once: handed-over MACs are applied before the first frame, not after. */
    @Reference
    private dev.junction.dataplane.Dataplane dataplane;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        java.util.function.Consumer<Object> register = s -> registrations.put(s, context.registerService(typeOf(s), s, null));
        java.util.function.Consumer<Object> unregister = s -> {
            ServiceRegistration<?> r = registrations.remove(s);
            if (r != null) {
                r.unregister();
            }
        };
        control = new XconnectControl(register, unregister);
        service = context.registerService(CrossConnects.class, control, null);
        statements = context.registerService(ManagedServiceFactory.class, new Configured(control), pid(XconnectStatement.PID));
        bridges = new BridgeControl(register, unregister);
        bridges.interfacesChanged(dataplane.interfaces());
        // The previous instance's MACs first: they are applied as the stored ports come back.
        BridgeHandover.restore(context, bridges);
        bridgeService = context.registerService(Bridges.class, bridges, null);
        BridgeConfigurator configurator = new BridgeConfigurator(bridges);
        // A BVI's two interfaces are NetDevice services, as a driver's are.
        bvis = new dev.junction.l2.bvi.BviControl(bridges, d -> registrations.put(d, context.registerService(
                dev.junction.device.NetDevice.class, d, new Hashtable<>(Map.of("name", d.name())))), unregister::accept);
        configurator.bvis(bvis);
        // Its MTU follows its domain's ports as interfaces come, go and change.
        register.accept(bvis);
        bridgeStatements.add(context.registerService(ManagedServiceFactory.class, configurator.domainFactory(),
                pid(BridgeStatement.PID)));
        bridgeStatements.add(context.registerService(ManagedServiceFactory.class, configurator.portFactory(),
                pid(BridgePortStatement.PID)));
        bridgeStatements.add(context.registerService(ManagedServiceFactory.class, configurator.vlanFactory(),
                pid(BridgeVlanStatement.PID)));
        bridgeStatements.add(context.registerService(ManagedServiceFactory.class, configurator.bviFactory(),
                pid(BviStatement.PID)));
        bridgeStatements.add(context.registerService(ManagedServiceFactory.class, configurator.macFactory(),
                pid(BridgeMacStatement.PID)));
    }

    private static Hashtable<String, Object> pid(String pid) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", pid);
        return p;
    }

    @Deactivate
    void deactivate() {
        bridgeStatements.forEach(ServiceRegistration::unregister);
        bridgeStatements.clear();
        statements.unregister();
        service.unregister();
        bridgeService.unregister();
        ServiceRegistration<?> bviListener = registrations.remove(bvis);
        if (bviListener != null) {
            bviListener.unregister();
        }
        bvis.close();
        // Out of the graph first: the counters and MACs saved are then the last ones.
        bridges.leaveGraph();
        BridgeHandover.save(context, bridges);
        bridges.close();
        control.close();
    }

    private static String typeOf(Object s) {
        return switch (s) {
            case PacketNode n -> PacketNode.class.getName();
            case ArcDefinition a -> ArcDefinition.class.getName();
            case InterfaceMode m -> InterfaceMode.class.getName();
            case InterfaceListener l -> InterfaceListener.class.getName();
            default -> throw new IllegalArgumentException(String.valueOf(s));
        };
    }

    /** The persisted cross-connects: one factory configuration each. */
    private static final class Configured implements ManagedServiceFactory {
        private final XconnectControl control;
        private final Map<String, String> fromByPid = new HashMap<>();

        Configured(XconnectControl control) {
            this.control = control;
        }

        @Override
        public String getName() {
            return "Junction layer-2 cross-connects";
        }

        @Override
        public synchronized void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
            Object from = p.get("name");
            Object to = p.get("peer");
            if (from == null || to == null) {
                throw new ConfigurationException(from == null ? "name" : "peer", "a cross-connect needs name and peer");
            }
            String previous = fromByPid.put(pid, from.toString());
            if (previous != null && !previous.equals(from.toString())) {
                control.disconnect(previous);
            }
            control.connect(from.toString(), to.toString());
        }

        @Override
        public synchronized void deleted(String pid) {
            String from = fromByPid.remove(pid);
            if (from != null) {
                control.disconnect(from);
            }
        }
    }
}
