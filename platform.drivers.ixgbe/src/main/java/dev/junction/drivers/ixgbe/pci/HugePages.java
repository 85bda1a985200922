package dev.junction.drivers.ixgbe.pci;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DMA memory in 2 MiB huge pages: anonymous, shared, locked and populated, so each page is present
 * and stays at one physical address (what the device needs without an IOMMU, and fewer IOTLB
 * entries with one). The pages must be reserved first ({@code /proc/sys/vm/nr_hugepages}).
 */
public final class HugePages {
    public static final long PAGE = 2L * 1024 * 1024;
    public static final int PAGE_SHIFT = 21;

    private HugePages() {
    }

    /** {@code bytes} rounded up to whole huge pages; one line naming the fix when none are free. */
    public static MemorySegment allocate(Arena arena, long bytes) {
        long size = (bytes + PAGE - 1) / PAGE * PAGE;
        try {
            return Sys.mmap(arena, size, Sys.MAP_SHARED | Sys.MAP_ANONYMOUS | Sys.MAP_HUGETLB | Sys.MAP_LOCKED | Sys.MAP_POPULATE,
                    -1, 0, "mmap of " + size / PAGE + " huge pages");
        } catch (IllegalStateException e) {
            throw new IllegalStateException("no " + size / PAGE + " free 2 MiB huge pages (" + free() + " free): reserve them with "
                    + "echo N > /proc/sys/vm/nr_hugepages (" + e.getMessage() + ")");
        }
    }

    /** HugePages_Free from /proc/meminfo (-1 when unreadable). */
    public static long free() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("HugePages_Free:")) {
                    return Long.parseLong(line.substring("HugePages_Free:".length()).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
