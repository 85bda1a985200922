package dev.junction.overlay.osgi;

import dev.junction.config.StoredConfiguration;
import dev.junction.dataplane.Dataplane;
import dev.junction.device.NetDevice;
import dev.junction.graph.PacketNode;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.Tunnels;
import dev.junction.overlay.tunnel.TunnelControl;
import dev.junction.routing.LocalService;
import dev.junction.routing.RouteListener;
import dev.junction.routing.Routing;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * feature.overlay in OSGi: the tunnel control, whose nodes, tunnel interfaces and local-service
 * claims become services of this bundle (so they leave with it), the {@link Tunnels} service, and
 * the factory PIDs of the {@code vxlan} and {@code nvgre} statements. VRF names are routing's.
 */
@Component(immediate = true, service = {})
public final class OverlayComponent {
    private final Map<Object, ServiceRegistration<?>> registrations = new ConcurrentHashMap<>();
    private final List<ServiceRegistration<?>> services = new ArrayList<>();
    private TunnelControl control;

    @Reference
    private Dataplane dataplane;
    @Reference
    private Routing routing;
    @Reference
    private ConfigurationAdmin cm;

    @Activate
    void activate(BundleContext context) {
        control = new TunnelControl(s -> registrations.put(s, register(context, s)), s -> {
            ServiceRegistration<?> r = registrations.remove(s);
            if (r != null) {
                r.unregister(); // a node's returns once no worker runs it
            }
        }, dataplane, this::vrfId, TunnelControl.Underlay.of(routing));
        TunnelConfigurator vxlan = new TunnelConfigurator(TunnelSettings.VXLAN, TunnelStatements.Vxlan.SPEC, control);
        TunnelConfigurator nvgre = new TunnelConfigurator(TunnelSettings.NVGRE, TunnelStatements.Nvgre.SPEC, control);
        // The stored tunnels before the nodes join: after an update, the swap window closes (when the
        // nodes are back) on a graph whose tunnel interfaces are there already. ConfigAdmin's own
        // delivery comes later and changes nothing.
        applyStored(vxlan, TunnelStatements.VXLAN_PID);
        applyStored(nvgre, TunnelStatements.NVGRE_PID);
        control.start();
        // Tunnels follow the underlay's routes: each change re-resolves their next hops.
        services.add(context.registerService(RouteListener.class, control::routesChanged, null));
        services.add(context.registerService(Tunnels.class, control, null));
        services.add(context.registerService(ManagedServiceFactory.class, vxlan, pid(TunnelStatements.VXLAN_PID)));
        services.add(context.registerService(ManagedServiceFactory.class, nvgre, pid(TunnelStatements.NVGRE_PID)));
    }

    private void applyStored(ManagedServiceFactory factory, String factoryPid) {
        StoredConfiguration.applyAll(cm, factory, factoryPid, "tunnels", null);
    }

    @Deactivate
    void deactivate() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).unregister();
        }
        services.clear();
        control.close();
    }

    private int vrfId(String name) {
        for (Routing.VrfEntry v : routing.vrfs()) {
            if (v.name().equals(name)) {
                return v.id();
            }
        }
        throw new IllegalArgumentException("no VRF " + name + " (make it with ip:vrf, or leave vrf= out for the default)");
    }

    private static ServiceRegistration<?> register(BundleContext context, Object s) {
        return switch (s) {
            case PacketNode n -> context.registerService(PacketNode.class, n, null);
            case NetDevice d -> context.registerService(NetDevice.class, d, new Hashtable<>(Map.of("name", d.name())));
            case LocalService l -> context.registerService(LocalService.class, l, null);
            default -> throw new IllegalArgumentException(String.valueOf(s));
        };
    }

    private static Hashtable<String, Object> pid(String pid) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("service.pid", pid);
        return p;
    }
}
