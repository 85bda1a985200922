package dev.junction.drivers.vhost;

import dev.junction.device.NetDevice;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Factory PID {@code junction.vhost}: one vhost-user device per configuration, registered as a
 * {@link NetDevice} service (the core adds it to the graph) and as a {@link VhostUserDevice} (for
 * {@code vhost:list}). Properties: {@code name}, {@code socket} (the Unix socket path), {@code mode}
 * ({@code server}, the default: Junction listens; or {@code client}). Deleting the configuration
 * removes the device once no worker uses it, closes the connection and removes the socket file.
 */
@Component(configurationPid = VhostDevices.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class VhostDevices {
    static final String PID = "junction.vhost";
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.vhost");
    private VhostUserDevice device;
    private ServiceRegistration<?> registration;

    @Activate
    void activate(BundleContext context, Map<String, Object> props) {
        String name = String.valueOf(props.get("name"));
        try {
            Object socket = props.get("socket");
            if (socket == null) {
                throw new IllegalArgumentException("no socket path");
            }
            VhostUserDevice.Mode mode = VhostUserDevice.Mode.parse(String.valueOf(props.getOrDefault("mode", "server")));
            int queues = Integer.parseInt(String.valueOf(props.getOrDefault("queues", "1")));
            device = new VhostUserDevice(name, Path.of(String.valueOf(socket)), mode, queues);
            registration = context.registerService(new String[] {NetDevice.class.getName(), VhostUserDevice.class.getName()},
                    device, new Hashtable<>(Map.of("name", name)));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "vhost device " + name + " not created: " + e.getMessage());
            if (device != null) {
                device.close();
                device = null;
            }
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister(); // returns once no worker polls or sends on it
        }
        if (device != null) {
            device.close();
        }
    }
}
