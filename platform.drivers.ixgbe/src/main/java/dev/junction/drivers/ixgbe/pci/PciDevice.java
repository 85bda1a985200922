package dev.junction.drivers.ixgbe.pci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A PCI function as sysfs shows it under {@code /sys/bus/pci/devices/BDF}: vendor and device ids,
 * the kernel driver bound to it (the {@code driver} symlink) and its IOMMU group. {@link #root} is a
 * parameter so that tests read a fake tree.
 */
public record PciDevice(Path root, String address, int vendor, int device, Optional<String> driver, Optional<String> iommuGroup) {

    public static final Path SYSFS = Path.of("/sys/bus/pci/devices");
    public static final int INTEL = 0x8086;
    /**
     * The 82599's PCI device ids (physical functions; the virtual function 0x10ED is a different
     * device), as the PCI ID database lists them: KX4, KX4 mezzanine, KR, combined backplane, CX4,
     * SFP+, backplane and SFP+ with FCoE, SFP+ EM, SF2, SF QP, QSFP SF QP, XAUI LOM, T3 LOM, LS,
     * 82599EN SFP+.
     */
    public static final Set<Integer> IDS_82599 = Set.of(0x10F7, 0x1514, 0x1517, 0x10F8, 0x10F9, 0x10FB, 0x152A,
            0x1529, 0x1507, 0x154D, 0x154A, 0x1558, 0x10FC, 0x151C, 0x154F, 0x1557);
    private static final Pattern BDF = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\\.[0-7]");

    /** The canonical form {@code 0000:01:00.0}, with the domain added when it is missing. */
    public static String canonical(String address) {
        String a = address.trim().toLowerCase(java.util.Locale.ROOT);
        if (a.length() == 7) {
            a = "0000:" + a;
        }
        if (!BDF.matcher(a).matches()) {
            throw new IllegalArgumentException("a PCI address is DDDD:BB:DD.F (e.g. 0000:01:00.0), not '" + address + "'");
        }
        return a;
    }

    /** Reads one device from sysfs; one line saying why when it is not there. */
    public static PciDevice read(Path root, String address) {
        String a = canonical(address);
        Path dir = root.resolve(a);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no PCI device " + a + " in " + root + " (see lspci -D)");
        }
        int vendor = hex(dir.resolve("vendor"));
        int device = hex(dir.resolve("device"));
        return new PciDevice(root, a, vendor, device, link(dir.resolve("driver")), link(dir.resolve("iommu_group")));
    }

    /** Every Intel 82599 function under {@code root}. */
    public static List<PciDevice> find82599(Path root) {
        List<PciDevice> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (var entries = Files.list(root)) {
            for (Path p : entries.sorted().toList()) {
                String name = p.getFileName().toString();
                if (!BDF.matcher(name).matches()) {
                    continue;
                }
                try {
                    PciDevice d = read(root, name);
                    if (d.is82599()) {
                        out.add(d);
                    }
                } catch (RuntimeException e) {
                    // an entry without vendor/device files is not a function we can use
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage());
        }
        return out;
    }

    public boolean is82599() {
        return vendor == INTEL && IDS_82599.contains(device);
    }

    public Path dir() {
        return root.resolve(address);
    }

    public Path resource0() {
        return dir().resolve("resource0");
    }

    public Path config() {
        return dir().resolve("config");
    }

    /**
     * Sets bus mastering (bit 2 of the PCI command register, config space offset 4) through sysfs
     * {@code config}: without it the device's DMA never reaches memory, and unbinding the kernel
     * driver may have cleared it. The other command bits are kept. VFIO does the same through its
     * config region.
     */
    public void enableBusMaster() {
        Path config = config();
        try (var ch = java.nio.channels.FileChannel.open(config, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (ch.read(b, 4) != 2) {
                throw new IllegalStateException(config + " is too short to hold the PCI command register");
            }
            short command = (short) (b.getShort(0) | 1 << 2);
            b.clear();
            b.putShort(0, command);
            ch.write(b, 4);
        } catch (IOException e) {
            throw new IllegalStateException("cannot enable bus mastering through " + config + ": " + e.getMessage());
        }
    }

    /** Whether this is a device the driver may take, with one line saying why not. */
    public void requireUsable(boolean viaVfio) {
        if (!is82599()) {
            throw new IllegalStateException(String.format("%s is %04x:%04x, not an Intel 82599 (8086:10fb and its variants)",
                    address, vendor, device));
        }
        String d = driver.orElse(null);
        if (viaVfio) {
            if (!"vfio-pci".equals(d)) {
                throw new IllegalStateException(address + " is bound to " + (d == null ? "no driver" : "the kernel driver " + d)
                        + ", not vfio-pci: echo " + address + " > /sys/bus/pci/drivers/" + (d == null ? "" : d + "/unbind; echo ")
                        + "vfio-pci > " + dir().resolve("driver_override") + "; echo " + address + " > /sys/bus/pci/drivers_probe");
            }
        } else if (d != null && !d.equals("uio_pci_generic")) {
            throw new IllegalStateException(address + " is still bound to the kernel driver " + d + ": echo " + address
                    + " > " + dir().resolve("driver/unbind"));
        }
    }

    /** Human form for the shell: address, ids, driver and group. */
    public String describe() {
        return String.format("%s %04x:%04x driver=%s iommu_group=%s", address, vendor, device,
                driver.orElse("none"), iommuGroup.orElse("none"));
    }

    private static int hex(Path file) {
        try {
            String s = Files.readString(file).trim();
            return Integer.parseInt(s.startsWith("0x") ? s.substring(2) : s, 16);
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static Optional<String> link(Path p) {
        try {
            return Files.isSymbolicLink(p) ? Optional.of(Files.readSymbolicLink(p).getFileName().toString()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
