package dev.junction.drivers.ixgbe.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.drivers.ixgbe.dma.DmaRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Physical addresses from /proc/self/pagemap on real memory, and huge pages: allocated (pages
 * reserved for the test and the reservation put back) or refused with one line.
 */
class DevicePathsTest {
    private static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void pagemapGivesPhysicalAddressesAsRootAndRefusesWithoutIt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(3 * 4096, 4096);
            for (long p = 0; p < m.byteSize(); p += 4096) {
                m.set(ValueLayout.JAVA_BYTE, p, (byte) 1); // present
            }
            if (!root()) {
                System.out.println("DevicePathsTest: not root, pagemap shows no frames; checking the refusal only");
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Pagemap.physical(m.address()));
                assertTrue(e.getMessage().contains("needs root"), e.getMessage());
                return;
            }
            long a = Pagemap.physical(m.address());
            assertNotEquals(0, a);
            assertEquals(0, a & 4095, "a page-aligned address maps to a frame start");
            assertEquals(a + 100, Pagemap.physical(m.address() + 100), "the offset within the page is kept");
            long b = Pagemap.physical(m.address() + 4096);
            assertEquals(0, b & 4095);
        }
    }

    @Test
    void hugePagesAreAllocatedWhenReservedAndRefusedInOneLineWhenNot() throws Exception {
        if (HugePages.free() == 0) {
            try (Arena arena = Arena.ofConfined()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> HugePages.allocate(arena, 4096));
                assertTrue(e.getMessage().startsWith("no 1 free 2 MiB huge pages (0 free): reserve them with echo N > /proc/sys/vm/nr_hugepages"),
                        e.getMessage());
                assertTrue(!e.getMessage().contains("\n"));
            }
        }
        if (!root()) {
            System.out.println("DevicePathsTest: not root, huge pages not reserved; the refusal was checked");
            return;
        }
        String before = Files.readString(NR_HUGEPAGES).trim();
        try {
            Files.writeString(NR_HUGEPAGES, Long.toString(Long.parseLong(before) + 3));
            if (HugePages.free() < 3) {
                System.out.println("DevicePathsTest: the kernel reserved fewer than 3 huge pages; allocation not checked");
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = HugePages.allocate(arena, 3 * HugePages.PAGE - 100);
                assertEquals(3 * HugePages.PAGE, m.byteSize());
                assertEquals(0, m.address() & (HugePages.PAGE - 1));
                long[] physical = Pagemap.hugePages(m);
                assertEquals(3, physical.length);
                for (long p : physical) {
                    assertEquals(0, p & (HugePages.PAGE - 1), "a huge page is 2 MiB aligned in physical memory too");
                }
                DmaRegion r = new PhysicalDma().map(m);
                assertEquals(physical[1] + 12345, r.iova(HugePages.PAGE + 12345));
                assertTrue(r.contiguous(100) >= HugePages.PAGE - 100);
                // Ordinary memory is not in huge pages: refused when mapped for the device.
                MemorySegment small = arena.allocate(HugePages.PAGE, HugePages.PAGE);
                small.fill((byte) 1);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Pagemap.hugePages(small));
                assertTrue(e.getMessage().contains("not in huge pages"), e.getMessage());
            }
        } finally {
            Files.writeString(NR_HUGEPAGES, before);
        }
        assertEquals(before, Files.readString(NR_HUGEPAGES).trim(), "the reservation is put back");
    }
}
