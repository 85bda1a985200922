package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.drivers.ixgbe.pci.HugePages;
import dev.junction.drivers.ixgbe.pci.PciDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which access path a PCI function gets, over a fake sysfs and /dev/vfio. */
class IxgbePortTest {
    @TempDir
    Path dir;

    private PciDevice device(String bdf, String driver, String group) throws Exception {
        Path sys = dir.resolve("sys");
        Path d = Files.createDirectories(sys.resolve(bdf));
        Files.writeString(d.resolve("vendor"), "0x8086\n");
        Files.writeString(d.resolve("device"), "0x10fb\n");
        Files.write(d.resolve("resource0"), new byte[0]);
        Files.write(d.resolve("config"), new byte[64]);
        if (driver != null) {
            Files.createSymbolicLink(d.resolve("driver"), Path.of("../../../bus/pci/drivers/" + driver));
        }
        if (group != null) {
            Files.createSymbolicLink(d.resolve("iommu_group"), Path.of("../../../kernel/iommu_groups/" + group));
        }
        return PciDevice.read(sys, bdf);
    }

    @Test
    void physicalAddressesAreNeededWithoutAnIommuGroupNode() throws Exception {
        Path vfio = Files.createDirectories(dir.resolve("dev-vfio"));
        Files.writeString(vfio.resolve("13"), "");
        Files.writeString(vfio.resolve("noiommu-14"), "");
        assertFalse(IxgbePort.needsPhysicalMemory(device("0000:01:00.0", "vfio-pci", "13"), vfio), "VFIO with an IOMMU");
        assertTrue(IxgbePort.needsPhysicalMemory(device("0000:01:00.1", "vfio-pci", "14"), vfio), "VFIO no-IOMMU");
        assertTrue(IxgbePort.needsPhysicalMemory(device("0000:02:00.0", null, null), vfio), "resource0");
    }

    @Test
    void theResource0PathFailsInOneLineWhereItCannotRun() throws Exception {
        PciDevice unbound = device("0000:02:00.0", null, null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> IxgbePort.open("x0", unbound, dir.resolve("no-vfio"), IxgbeDevice.Settings.defaults()));
        if (HugePages.free() == 0) {
            assertTrue(e.getMessage().startsWith("no 1 free 2 MiB huge pages (0 free)"), e.getMessage());
        } else {
            // With huge pages the rings are allocated, and a plain file never finishes its reset.
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(0x04, Files.readAllBytes(unbound.config())[4] & 0x04, "bus mastering was set on the way");
        PciDevice bound = device("0000:03:00.0", "ixgbe", "12");
        e = assertThrows(IllegalStateException.class,
                () -> IxgbePort.open("x1", bound, dir.resolve("no-vfio"), IxgbeDevice.Settings.defaults()));
        assertEquals("0000:03:00.0 is still bound to the kernel driver ixgbe: echo 0000:03:00.0 > "
                + bound.dir().resolve("driver/unbind"), e.getMessage());
    }
}
