package dev.junction.drivers.ixgbe;

import dev.junction.device.NetDevice;
import dev.junction.drivers.ixgbe.pci.HugePagePacketMemory;
import dev.junction.drivers.ixgbe.pci.PciDevice;
import dev.junction.packet.PacketMemory;
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
 * Factory PID {@code junction.ixgbe}: one 82599 port per configuration (properties {@code name},
 * {@code pci}, {@code queues}), brought up and registered as a {@link NetDevice} service so that the
 * core adds it to the graph. With no configuration the bundle does nothing, so it starts harmlessly
 * on machines without the card. A port that cannot be opened is logged in one line and not created.
 */
@Component(configurationPid = IxgbeDevices.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class IxgbeDevices {
    static final String PID = "junction.ixgbe";
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.ixgbe");
    private IxgbePort port;
    private ServiceRegistration<?> registration;
    private ServiceRegistration<?> memory;

    @Activate
    void activate(BundleContext context, Map<String, Object> props) {
        String name = String.valueOf(props.get("name"));
        try {
            Object pci = props.get("pci");
            if (pci == null) {
                throw new IllegalArgumentException("no pci address");
            }
            int queues = Integer.parseInt(String.valueOf(props.getOrDefault("queues", "1")));
            PciDevice device = PciDevice.read(PciDevice.SYSFS, String.valueOf(pci));
            if (IxgbePort.needsPhysicalMemory(device, Path.of("/dev/vfio"))) {
                // Before the port: the engine restarts its workers with pools in huge pages.
                memory = context.registerService(PacketMemory.class, new HugePagePacketMemory(),
                        new Hashtable<>(Map.of("name", name)));
            }
            port = IxgbePort.open(name, device, Path.of("/dev/vfio"), IxgbeDevice.Settings.defaults().withQueues(queues));
            registration = context.registerService(new String[] {NetDevice.class.getName(), IxgbeDevice.class.getName()},
                    port.device(), new Hashtable<>(Map.of("name", name, "pci", String.valueOf(pci), "access", port.path())));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "ixgbe device " + name + " not created: " + e.getMessage());
            if (port != null) {
                port.close();
                port = null;
            }
            if (memory != null) {
                memory.unregister();
                memory = null;
            }
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister(); // returns once no worker polls or sends on it
        }
        if (port != null) {
            port.close();
        }
        if (memory != null) {
            memory.unregister();
        }
    }
}
