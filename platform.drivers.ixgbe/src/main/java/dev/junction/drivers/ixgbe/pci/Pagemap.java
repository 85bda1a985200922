package dev.junction.drivers.ixgbe.pci;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Physical addresses of this process's memory from {@code /proc/self/pagemap} (Linux
 * Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per 4 KiB virtual page, bit 63 page
 * present, bits 54:0 the page frame number. Without CAP_SYS_ADMIN the kernel reports frame 0 for
 * every page, which is refused here rather than handed to a device.
 */
public final class Pagemap {
    private static final long PRESENT = 1L << 63;
    private static final long PFN_MASK = (1L << 55) - 1;
    private static final int SMALL_PAGE = 4096;

    private Pagemap() {
    }

    /** The physical address of the byte at virtual {@code address}; the page must be present. */
    public static long physical(long address) {
        return physical(Path.of("/proc/self/pagemap"), address);
    }

    static long physical(Path pagemap, long address) {
        try (FileChannel ch = FileChannel.open(pagemap, StandardOpenOption.READ)) {
            ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            long at = (address / SMALL_PAGE) * 8;
            if (ch.read(entry, at) != 8) {
                throw new IllegalStateException("short read of " + pagemap + " at " + at);
            }
            long e = entry.getLong(0);
            if ((e & PRESENT) == 0) {
                throw new IllegalStateException(String.format("page at 0x%x is not present (touch or lock it first)", address));
            }
            long pfn = e & PFN_MASK;
            if (pfn == 0) {
                throw new IllegalStateException("pagemap shows no physical addresses: reading them needs root (CAP_SYS_ADMIN)");
            }
            return pfn * SMALL_PAGE + (address % SMALL_PAGE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + pagemap + ": " + e.getMessage());
        }
    }

    /**
     * The physical address of each huge page of {@code segment} (which starts on one), checking that
     * each is one physically contiguous page, as memory from {@link HugePages} is.
     */
    public static long[] hugePages(MemorySegment segment) {
        long pages = (segment.byteSize() + HugePages.PAGE - 1) / HugePages.PAGE;
        long[] out = new long[(int) pages];
        for (int p = 0; p < pages; p++) {
            long start = segment.address() + p * HugePages.PAGE;
            long phys = physical(start);
            long last = physical(start + Math.min(HugePages.PAGE, segment.byteSize() - p * HugePages.PAGE) - 1);
            if (last - phys != Math.min(HugePages.PAGE, segment.byteSize() - p * HugePages.PAGE) - 1) {
                throw new IllegalStateException(String.format("memory at 0x%x is not in huge pages: DMA memory must come from HugePages", start));
            }
            out[p] = phys;
        }
        return out;
    }
}
