package dev.junction.drivers.linux;

import dev.junction.device.NetDevice;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Factory PID {@code junction.linux}: one Linux-attached device per configuration, registered as a
 * {@link NetDevice} service so that the core adds it to the graph. Properties: {@code name},
 * {@code type} ({@code afpacket}, {@code afxdp} or {@code tap}), {@code iface} (afpacket, afxdp: the
 * Linux interface, default the name), {@code mode} (afxdp: {@code native}, {@code generic} or
 * {@code auto}, the default). Deleting the configuration removes the device once no worker uses it.
 */
@Component(configurationPid = "junction.linux", configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class LinuxDevices {
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.linux");
    private AutoCloseable device;
    private ServiceRegistration<NetDevice> registration;

    @Activate
    void activate(BundleContext context, Map<String, Object> props) {
        String name = String.valueOf(props.get("name"));
        String type = String.valueOf(props.getOrDefault("type", "afpacket"));
        try {
            NetDevice d = switch (type) {
                case "afpacket" -> new AfPacketDevice(name, String.valueOf(props.getOrDefault("iface", name)));
                case "afxdp" -> new AfXdpDevice(name, String.valueOf(props.getOrDefault("iface", name)),
                        AfXdpDevice.Mode.parse(String.valueOf(props.getOrDefault("mode", "auto"))),
                        Integer.parseInt(String.valueOf(props.getOrDefault("queues", "1"))));
                case "tap" -> new TapDevice(name);
                default -> throw new IllegalArgumentException("type must be afpacket, afxdp or tap, not '" + type + "'");
            };
            device = (AutoCloseable) d;
            registration = context.registerService(NetDevice.class, d, new Hashtable<>(Map.of("name", name)));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "linux device " + name + " not created: " + e.getMessage());
        }
    }

    @Deactivate
    void deactivate() throws Exception {
        if (registration != null) {
            registration.unregister(); // returns once no worker polls or sends on it
        }
        if (device != null) {
            device.close();
        }
    }
}
