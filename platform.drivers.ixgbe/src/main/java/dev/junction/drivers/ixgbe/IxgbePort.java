package dev.junction.drivers.ixgbe;

import dev.junction.drivers.ixgbe.pci.PciDevice;
import dev.junction.drivers.ixgbe.pci.PhysicalDma;
import dev.junction.drivers.ixgbe.pci.Resource0;
import dev.junction.drivers.ixgbe.pci.Vfio;
import dev.junction.drivers.ixgbe.regs.Bar;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * An 82599 on the PCI bus opened the way the machine allows: through VFIO when the function is bound
 * to vfio-pci, else through sysfs {@code resource0} with physical addresses from pagemap (root, the
 * kernel driver unbound, pools in huge pages). Owns what it opened; closing resets the device first.
 */
public final class IxgbePort implements AutoCloseable {
    private final IxgbeDevice device;
    private final AutoCloseable access;
    private final String path;

    private IxgbePort(IxgbeDevice device, AutoCloseable access, String path) {
        this.device = device;
        this.access = access;
        this.path = path;
    }

    public static IxgbePort open(String name, String pciAddress, IxgbeDevice.Settings settings) {
        return open(name, PciDevice.read(PciDevice.SYSFS, pciAddress), Path.of("/dev/vfio"), settings);
    }

    static IxgbePort open(String name, PciDevice pci, Path devVfio, IxgbeDevice.Settings settings) {
        if (pci.driver().filter("vfio-pci"::equals).isPresent()) {
            Vfio vfio = Vfio.open(pci, devVfio);
            try {
                return new IxgbePort(new IxgbeDevice(name, new Bar(vfio.bar0()), vfio, settings), vfio,
                        vfio.noIommu() ? "vfio (no IOMMU)" : "vfio");
            } catch (RuntimeException e) {
                vfio.close();
                throw e;
            }
        }
        pci.requireUsable(false);
        pci.enableBusMaster();
        Arena arena = Arena.ofShared();
        try {
            Bar bar = new Bar(Resource0.map(pci.resource0(), arena));
            return new IxgbePort(new IxgbeDevice(name, bar, new PhysicalDma(), settings), arena::close, "resource0+pagemap");
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Whether a port on {@code pci} reaches memory by physical address (resource0, or VFIO in no-IOMMU
     * mode), so that the workers' pools must be in huge pages.
     */
    public static boolean needsPhysicalMemory(PciDevice pci, Path devVfio) {
        if (pci.driver().filter("vfio-pci"::equals).isEmpty()) {
            return true;
        }
        return pci.iommuGroup().map(g -> !java.nio.file.Files.exists(devVfio.resolve(g))).orElse(true);
    }

    public IxgbeDevice device() {
        return device;
    }

    /** {@code vfio}, {@code vfio (no IOMMU)} or {@code resource0+pagemap}. */
    public String path() {
        return path;
    }

    @Override
    public void close() {
        try {
            device.close();
        } finally {
            try {
                access.close();
            } catch (Exception e) {
                // the mapping goes with the process at worst
            }
        }
    }
}
