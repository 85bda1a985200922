package dev.junction.l2.osgi;

import dev.junction.graph.ArcDefinition;
import dev.junction.graph.InterfaceMode;
import dev.junction.graph.PacketNode;
import dev.junction.l2.CrossConnects;
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

/**
 * feature.l2 in OSGi: the cross-connect control, whose node, arc end and interface modes become
 * services of this bundle (so they leave with it), the {@link CrossConnects} service, and factory PID
 * {@code junction.xconnect} (the {@code cross-connect} statement: {@code name} and {@code peer}).
 */
@Component(immediate = true, service = {})
public final class L2Component {
    private final Map<Object, ServiceRegistration<?>> registrations = new ConcurrentHashMap<>();
    private XconnectControl control;
    private ServiceRegistration<CrossConnects> service;
    private ServiceRegistration<ManagedServiceFactory> statements;

    @Activate
    void activate(BundleContext context) {
        control = new XconnectControl(s -> registrations.put(s, context.registerService(typeOf(s), s, null)),
                s -> {
                    ServiceRegistration<?> r = registrations.remove(s);
                    if (r != null) {
                        r.unregister();
                    }
                });
        service = context.registerService(CrossConnects.class, control, null);
        Hashtable<String, Object> pid = new Hashtable<>();
        pid.put("service.pid", XconnectStatement.PID);
        statements = context.registerService(ManagedServiceFactory.class, new Configured(control), pid);
    }

    @Deactivate
    void deactivate() {
        statements.unregister();
        service.unregister();
        control.close();
    }

    private static String typeOf(Object s) {
        return switch (s) {
            case PacketNode n -> PacketNode.class.getName();
            case ArcDefinition a -> ArcDefinition.class.getName();
            case InterfaceMode m -> InterfaceMode.class.getName();
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
