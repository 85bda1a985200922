package dev.junction.drivers.ixgbe.pci;

import dev.junction.drivers.ixgbe.dma.DmaMemory;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import dev.junction.drivers.ixgbe.regs.Regs;
import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PCI function through VFIO (Linux Documentation/driver-api/vfio.rst, include/uapi/linux/vfio.h):
 * a container ({@code /dev/vfio/vfio}) with the type 1 IOMMU (or the no-IOMMU mode, where the device
 * is given physical addresses as with pagemap), the device's group ({@code /dev/vfio/N} or
 * {@code /dev/vfio/noiommu-N}) set to it, the device's fd from the group, BAR0 as region 0 mapped
 * from that fd, bus mastering on in the config region, and DMA memory mapped with IOVA = virtual
 * address. Each step fails with one line when the machine cannot do it.
 */
public final class Vfio implements DmaMemory, AutoCloseable {
    // ioctl numbers: _IO(';', 100 + n)
    private static final long GET_API_VERSION = 0x3B64;
    private static final long CHECK_EXTENSION = 0x3B65;
    private static final long SET_IOMMU = 0x3B66;
    private static final long GROUP_GET_STATUS = 0x3B67;
    private static final long GROUP_SET_CONTAINER = 0x3B68;
    private static final long GROUP_GET_DEVICE_FD = 0x3B6A;
    private static final long DEVICE_GET_REGION_INFO = 0x3B6C;
    private static final long IOMMU_MAP_DMA = 0x3B71;
    private static final long IOMMU_UNMAP_DMA = 0x3B72;
    private static final int API_VERSION = 0;
    private static final int TYPE1_IOMMU = 1;
    private static final int NOIOMMU_IOMMU = 8;
    private static final int GROUP_VIABLE = 1;
    private static final int PCI_CONFIG_REGION = 7;
    private static final int DMA_READ_WRITE = 0x3;
    private static final int PCI_COMMAND = 4;
    private static final short COMMAND_BUS_MASTER = 1 << 2;

    /** struct vfio_region_info: argsz, flags, index, cap_offset, size, offset. */
    private static final StructLayout REGION_INFO = MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("argsz"),
            ValueLayout.JAVA_INT.withName("flags"), ValueLayout.JAVA_INT.withName("index"), ValueLayout.JAVA_INT.withName("cap_offset"),
            ValueLayout.JAVA_LONG.withName("size"), ValueLayout.JAVA_LONG.withName("offset"));
    /** struct vfio_iommu_type1_dma_map: argsz, flags, vaddr, iova, size. */
    private static final StructLayout DMA_MAP = MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("argsz"),
            ValueLayout.JAVA_INT.withName("flags"), ValueLayout.JAVA_LONG.withName("vaddr"), ValueLayout.JAVA_LONG.withName("iova"),
            ValueLayout.JAVA_LONG.withName("size"));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment st = arena.allocate(Libc.CALL_STATE);
    private final boolean noIommu;
    private int container = -1;
    private int group = -1;
    private int device = -1;
    private MemorySegment bar0;

    private Vfio(boolean noIommu) {
        this.noIommu = noIommu;
    }

    /** The VFIO device of {@code pci} (bound to vfio-pci), with BAR0 mapped and bus mastering on. */
    public static Vfio open(PciDevice pci, Path devVfio) {
        if (!Files.exists(devVfio.resolve("vfio"))) {
            throw new IllegalStateException("no " + devVfio.resolve("vfio") + ": this kernel has no VFIO (modprobe vfio-pci), "
                    + "or use the resource0 path with the device unbound");
        }
        pci.requireUsable(true);
        String groupName = pci.iommuGroup().orElseThrow(() -> new IllegalStateException(pci.address()
                + " has no IOMMU group: boot with intel_iommu=on (or amd_iommu=on), or load vfio with enable_unsafe_noiommu_mode=1"));
        Path groupPath = devVfio.resolve(groupName);
        boolean noIommu = false;
        if (!Files.exists(groupPath)) {
            groupPath = devVfio.resolve("noiommu-" + groupName);
            noIommu = true;
        }
        Vfio v = new Vfio(noIommu);
        try {
            v.start(pci, groupPath);
            return v;
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
    }

    private void start(PciDevice pci, Path groupPath) {
        container = openPath(Path.of(groupPath.getParent().toString(), "vfio"));
        if (Libc.ioctl(st, container, GET_API_VERSION, MemorySegment.NULL) != API_VERSION) {
            throw new IllegalStateException("VFIO API version is not " + API_VERSION);
        }
        int type = noIommu ? NOIOMMU_IOMMU : TYPE1_IOMMU;
        if (Libc.ioctl(st, container, CHECK_EXTENSION, MemorySegment.ofAddress(type)) != 1) {
            throw new IllegalStateException("VFIO has no " + (noIommu ? "no-IOMMU mode (enable_unsafe_noiommu_mode=1)" : "type 1 IOMMU"));
        }
        group = openPath(groupPath);
        MemorySegment status = arena.allocate(8);
        status.set(ValueLayout.JAVA_INT, 0, 8);
        check(Libc.ioctl(st, group, GROUP_GET_STATUS, status), "VFIO_GROUP_GET_STATUS");
        if ((status.get(ValueLayout.JAVA_INT, 4) & GROUP_VIABLE) == 0) {
            throw new IllegalStateException("IOMMU group " + groupPath.getFileName()
                    + " is not viable: bind every device in it to vfio-pci (ls " + pci.dir().resolve("iommu_group/devices") + ")");
        }
        MemorySegment fd = arena.allocate(ValueLayout.JAVA_INT);
        fd.set(ValueLayout.JAVA_INT, 0, container);
        check(Libc.ioctl(st, group, GROUP_SET_CONTAINER, fd), "VFIO_GROUP_SET_CONTAINER");
        check(Libc.ioctl(st, container, SET_IOMMU, MemorySegment.ofAddress(type)), "VFIO_SET_IOMMU");
        device = Libc.ioctl(st, group, GROUP_GET_DEVICE_FD, arena.allocateFrom(pci.address()));
        check(device, "VFIO_GROUP_GET_DEVICE_FD " + pci.address());
        MemorySegment bar = region(0);
        long size = bar.get(ValueLayout.JAVA_LONG, 16);
        if (size < Regs.BAR0_SIZE) {
            throw new IllegalStateException("BAR0 of " + pci.address() + " is " + size + " bytes, not an 82599's");
        }
        bar0 = Sys.mmap(arena, Regs.BAR0_SIZE, Sys.MAP_SHARED, device, bar.get(ValueLayout.JAVA_LONG, 24), "mmap of BAR0");
        enableBusMaster();
    }

    private MemorySegment region(int index) {
        MemorySegment info = arena.allocate(REGION_INFO);
        info.set(ValueLayout.JAVA_INT, 0, (int) REGION_INFO.byteSize());
        info.set(ValueLayout.JAVA_INT, 8, index);
        check(Libc.ioctl(st, device, DEVICE_GET_REGION_INFO, info), "VFIO_DEVICE_GET_REGION_INFO " + index);
        return info;
    }

    /** PCI command register bit 2: the device may master the bus (DMA). Read-modify-write through the config region. */
    private void enableBusMaster() {
        long offset = region(PCI_CONFIG_REGION).get(ValueLayout.JAVA_LONG, 24) + PCI_COMMAND;
        try (var ch = java.nio.channels.FileChannel.open(Path.of("/proc/self/fd/" + device),
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, offset);
            short value = (short) (b.getShort(0) | COMMAND_BUS_MASTER);
            b.clear();
            b.putShort(0, value);
            ch.write(b, offset);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot enable bus mastering through VFIO: " + e.getMessage());
        }
    }

    public MemorySegment bar0() {
        return bar0;
    }

    public boolean noIommu() {
        return noIommu;
    }

    /** Huge pages when there are any, else plain memory (the IOMMU pins it): either way one IOVA run. */
    @Override
    public MemorySegment allocate(Arena a, long bytes) {
        if (noIommu) {
            return HugePages.allocate(a, bytes);
        }
        return HugePages.free() > 0 ? HugePages.allocate(a, bytes) : a.allocate(bytes, 4096);
    }

    /** VFIO_IOMMU_MAP_DMA with IOVA = virtual address; without an IOMMU, physical addresses from pagemap. */
    @Override
    public DmaRegion map(MemorySegment segment) {
        if (noIommu) {
            return DmaRegion.paged(segment, HugePages.PAGE_SHIFT, Pagemap.hugePages(segment));
        }
        long start = segment.address() & ~4095L;
        long size = (segment.address() + segment.byteSize() - start + 4095) & ~4095L;
        MemorySegment map = arena.allocate(DMA_MAP);
        map.set(ValueLayout.JAVA_INT, 0, (int) DMA_MAP.byteSize());
        map.set(ValueLayout.JAVA_INT, 4, DMA_READ_WRITE);
        map.set(ValueLayout.JAVA_LONG, 8, start);
        map.set(ValueLayout.JAVA_LONG, 16, start);
        map.set(ValueLayout.JAVA_LONG, 24, size);
        check(Libc.ioctl(st, container, IOMMU_MAP_DMA, map), "VFIO_IOMMU_MAP_DMA of " + size + " bytes");
        return DmaRegion.contiguous(segment, segment.address());
    }

    /** VFIO_IOMMU_UNMAP_DMA of what {@link #map} mapped (struct vfio_iommu_type1_dma_unmap: argsz, flags, iova, size). */
    @Override
    public void unmap(DmaRegion region) {
        if (noIommu) {
            return;
        }
        MemorySegment segment = region.segment();
        long start = segment.address() & ~4095L;
        long size = (segment.address() + segment.byteSize() - start + 4095) & ~4095L;
        MemorySegment unmap = arena.allocate(24);
        unmap.set(ValueLayout.JAVA_INT, 0, 24);
        unmap.set(ValueLayout.JAVA_INT, 4, 0);
        unmap.set(ValueLayout.JAVA_LONG, 8, start);
        unmap.set(ValueLayout.JAVA_LONG, 16, size);
        check(Libc.ioctl(st, container, IOMMU_UNMAP_DMA, unmap), "VFIO_IOMMU_UNMAP_DMA of " + size + " bytes");
    }

    private int openPath(Path p) {
        int fd = Libc.open(st, arena.allocateFrom(p.toString()), Libc.O_RDWR);
        if (fd < 0) {
            throw Errno.failure("open " + p, st);
        }
        return fd;
    }

    private void check(int rc, String what) {
        if (rc < 0) {
            throw Errno.failure(what, st);
        }
    }

    @Override
    public void close() {
        Libc.close(st, device);
        Libc.close(st, group);
        Libc.close(st, container);
        device = group = container = -1;
        arena.close();
    }
}
