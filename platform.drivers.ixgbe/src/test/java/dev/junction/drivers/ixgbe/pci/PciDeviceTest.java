package dev.junction.drivers.ixgbe.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sysfs PCI discovery over a fake /sys/bus/pci/devices in a temporary directory. */
class PciDeviceTest {
    @TempDir
    Path sys;

    private void device(String bdf, String vendor, String device, String driver, String group) throws Exception {
        Path d = Files.createDirectories(sys.resolve(bdf));
        Files.writeString(d.resolve("vendor"), vendor + "\n");
        Files.writeString(d.resolve("device"), device + "\n");
        Files.writeString(d.resolve("class"), "0x020000\n");
        Files.write(d.resolve("resource0"), new byte[0]);
        if (driver != null) {
            Files.createSymbolicLink(d.resolve("driver"), Path.of("../../../bus/pci/drivers/" + driver));
        }
        if (group != null) {
            Files.createSymbolicLink(d.resolve("iommu_group"), Path.of("../../../kernel/iommu_groups/" + group));
        }
    }

    @Test
    void findsThe82599sAndTellsWhyOneCannotBeTaken() throws Exception {
        device("0000:01:00.0", "0x8086", "0x10fb", "ixgbe", "12");      // 82599 SFP+, kernel driver bound
        device("0000:01:00.1", "0x8086", "0x10fb", "vfio-pci", "13");   // bound to vfio-pci
        device("0000:02:00.0", "0x8086", "0x1533", "igb", "14");        // an i210: not ours
        device("0000:03:00.0", "0x8086", "0x1517", null, null);         // 82599 KR, unbound, no IOMMU
        device("0000:04:00.0", "0x10ec", "0x8168", "r8169", null);      // not Intel
        Files.createDirectories(sys.resolve("not-a-device"));

        List<String> found = PciDevice.find82599(sys).stream().map(PciDevice::address).toList();
        assertEquals(List.of("0000:01:00.0", "0000:01:00.1", "0000:03:00.0"), found);

        PciDevice bound = PciDevice.read(sys, "01:00.0");
        assertEquals("ixgbe", bound.driver().orElseThrow());
        assertEquals("12", bound.iommuGroup().orElseThrow());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bound.requireUsable(false));
        assertEquals("0000:01:00.0 is still bound to the kernel driver ixgbe: echo 0000:01:00.0 > "
                + sys.resolve("0000:01:00.0/driver/unbind"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> bound.requireUsable(true));
        assertTrue(e.getMessage().startsWith("0000:01:00.0 is bound to the kernel driver ixgbe, not vfio-pci"), e.getMessage());

        PciDevice.read(sys, "0000:01:00.1").requireUsable(true);
        PciDevice unbound = PciDevice.read(sys, "0000:03:00.0");
        unbound.requireUsable(false);
        assertTrue(unbound.iommuGroup().isEmpty());
        assertEquals(sys.resolve("0000:03:00.0/resource0"), unbound.resource0());

        e = assertThrows(IllegalStateException.class, () -> PciDevice.read(sys, "0000:02:00.0").requireUsable(false));
        assertEquals("0000:02:00.0 is 8086:1533, not an Intel 82599 (8086:10fb and its variants)", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> PciDevice.read(sys, "0000:09:00.0"));
        assertEquals("no PCI device 0000:09:00.0 in " + sys + " (see lspci -D)", e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> PciDevice.canonical("1:0.0"));
        assertEquals("a PCI address is DDDD:BB:DD.F (e.g. 0000:01:00.0), not '1:0.0'", bad.getMessage());
    }

    @Test
    void busMasteringIsSetInTheCommandRegisterAndTheOtherBitsKept() throws Exception {
        device("0000:03:00.0", "0x8086", "0x1517", null, null);
        byte[] config = new byte[64];
        config[4] = 0x02;          // memory space on, bus master off (as after an unbind)
        config[5] = 0x04;          // interrupt disable
        Files.write(sys.resolve("0000:03:00.0/config"), config);
        PciDevice.read(sys, "0000:03:00.0").enableBusMaster();
        byte[] after = Files.readAllBytes(sys.resolve("0000:03:00.0/config"));
        assertEquals(0x06, after[4], "bus master set, memory space kept");
        assertEquals(0x04, after[5]);
        assertEquals(64, after.length);
        Files.write(sys.resolve("0000:03:00.0/config"), new byte[3]);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PciDevice.read(sys, "0000:03:00.0").enableBusMaster());
        assertTrue(e.getMessage().endsWith("is too short to hold the PCI command register"), e.getMessage());
    }

    @Test
    void vfioFailsWithOneLineWhereTheMachineHasNone() throws Exception {
        device("0000:01:00.1", "0x8086", "0x10fb", "vfio-pci", null);
        PciDevice d = PciDevice.read(sys, "0000:01:00.1");
        // This machine: no /dev/vfio at all (no VFIO module in the kernel).
        Path real = Path.of("/dev/vfio");
        if (!Files.exists(real.resolve("vfio"))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Vfio.open(d, real));
            assertEquals("no /dev/vfio/vfio: this kernel has no VFIO (modprobe vfio-pci), or use the resource0 path with the device unbound",
                    e.getMessage());
        }
        // A VFIO node present but the device in no IOMMU group.
        Path fakeVfio = Files.createDirectories(sys.resolve("dev-vfio"));
        Files.writeString(fakeVfio.resolve("vfio"), "");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Vfio.open(d, fakeVfio));
        assertTrue(e.getMessage().startsWith("0000:01:00.1 has no IOMMU group: boot with intel_iommu=on"), e.getMessage());
        // The kernel driver still bound: refused before anything is opened.
        device("0000:01:00.0", "0x8086", "0x10fb", "ixgbe", "12");
        e = assertThrows(IllegalStateException.class, () -> Vfio.open(PciDevice.read(sys, "0000:01:00.0"), fakeVfio));
        assertTrue(e.getMessage().contains("bound to the kernel driver ixgbe, not vfio-pci"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
