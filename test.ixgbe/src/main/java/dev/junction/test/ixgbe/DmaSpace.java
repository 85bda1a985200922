package dev.junction.test.ixgbe;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * What the device can reach by DMA: memory regions the test registers, each at an IOVA (the
 * address a driver puts in a register or descriptor, as an IOMMU or physical address would be).
 * Every address the device uses is translated here; one outside every region is a fault, never a
 * wild access.
 */
public final class DmaSpace {
    /** One registered region: IOVAs {@code iova .. iova + segment.byteSize() - 1}. */
    public record Region(long iova, MemorySegment segment) {
        boolean contains(long address, long length) {
            return length >= 0 && address >= iova && address - iova <= segment.byteSize() - length;
        }
    }

    // Copy-on-write: registration is rare and on the test's thread, translation constant on the
    // device thread, which must never see a half-updated list.
    private volatile Region[] regions = new Region[0];

    /** Registers {@code segment} at IOVA {@code iova}; regions must not overlap. */
    public synchronized void register(long iova, MemorySegment segment) {
        if (iova < 0 || segment.byteSize() == 0 || !segment.isNative()) {
            throw new IllegalArgumentException("region at " + iova + " of " + segment.byteSize()
                    + " bytes: DMA memory is native and not empty");
        }
        // As an IOMMU maps whole pages: a descriptor aligned in IOVA is aligned in memory too,
        // so the device can store its DD bit with one aligned volatile write.
        if (((iova - segment.address()) & 4095) != 0) {
            throw new IllegalArgumentException(String.format(
                    "IOVA 0x%x and address 0x%x differ within a 4 KiB page", iova, segment.address()));
        }
        for (Region r : regions) {
            if (iova < r.iova + r.segment.byteSize() && r.iova < iova + segment.byteSize()) {
                throw new IllegalArgumentException(String.format(
                        "region 0x%x+%d overlaps 0x%x+%d", iova, segment.byteSize(), r.iova, r.segment.byteSize()));
            }
        }
        List<Region> copy = new ArrayList<>(List.of(regions));
        copy.add(new Region(iova, segment));
        regions = copy.toArray(new Region[0]);
    }

    /** Registers {@code segment} at its own address: IOVA = virtual address, the simplest map. */
    public long registerIdentity(MemorySegment segment) {
        register(segment.address(), segment);
        return segment.address();
    }

    public synchronized void unregister(long iova) {
        List<Region> copy = new ArrayList<>(List.of(regions));
        if (!copy.removeIf(r -> r.iova == iova)) {
            throw new IllegalArgumentException("no region at 0x" + Long.toHexString(iova));
        }
        regions = copy.toArray(new Region[0]);
    }

    /** The region holding all of {@code [address, address + length)}, or null: a DMA fault. */
    public Region find(long address, long length) {
        for (Region r : regions) {
            if (r.contains(address, length)) {
                return r;
            }
        }
        return null;
    }
}
