package dev.junction.test.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

class Bar0AndDmaTest {

    @Test
    void aDriverMappingOfTheFileSharesTheRegistersWithTheModel() throws Exception {
        Path path;
        try (Bar0 bar = new Bar0(); Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(bar.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            path = bar.path();
            assertEquals(Registers.BAR0_SIZE, Files.size(path));
            MemorySegment driver = channel.map(FileChannel.MapMode.READ_WRITE, 0, Registers.BAR0_SIZE, arena);
            driver.set(ValueLayout.JAVA_INT, Registers.rdt(3), 77);
            assertEquals(77, bar.read(Registers.rdt(3)));
            bar.write(Registers.LINKS, Registers.LINKS_UP);
            assertEquals(Registers.LINKS_UP, driver.get(ValueLayout.JAVA_INT, Registers.LINKS));
            assertTrue(bar.compareAndSet(Registers.rdt(3), 77, 78));
            assertFalse(bar.compareAndSet(Registers.rdt(3), 77, 79));
            assertEquals(78, driver.get(ValueLayout.JAVA_INT, Registers.rdt(3)));
        }
        assertFalse(Files.exists(path), "the BAR0 file is deleted on close");
        assertFalse(Files.exists(path.getParent()));
    }

    @Test
    void registerOffsetsFollowTheTwoQueueBanks() {
        assertEquals(0x01000, Registers.rdbal(0));
        assertEquals(0x01FD8, Registers.rdt(63));
        assertEquals(0x0D000, Registers.rdbal(64));
        assertEquals(0x0D028 + 0x40 * 63, Registers.rxdctl(127));
        assertEquals(0x01014, Registers.srrctl(0));
        assertEquals(0x06028 + 0x40, Registers.txdctl(1));
    }

    @Test
    void translationCoversRegisteredRegionsOnly() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(8192, 4096);
            MemorySegment b = arena.allocate(4096, 4096);
            DmaSpace dma = new DmaSpace();
            long ia = dma.registerIdentity(a);
            dma.register(0x1_0000_0000L, b);
            DmaSpace.Region ra = dma.find(ia + 100, 200);
            assertNotNull(ra);
            assertSame(a, ra.segment());
            assertNotNull(dma.find(0x1_0000_0000L + 4095, 1));
            assertNull(dma.find(0x1_0000_0000L + 4095, 2), "a range running past the end of a region");
            assertNull(dma.find(ia + 8192, 1));
            assertNull(dma.find(ia - 1, 1));
            assertNull(dma.find(0, 64));
            assertThrows(IllegalArgumentException.class, () -> dma.register(ia + 4096, b), "overlap");
            assertThrows(IllegalArgumentException.class, () -> dma.register(0x2_0000_0010L, b), "not page-congruent");
            assertThrows(IllegalArgumentException.class,
                    () -> dma.register(0x3_0000_0000L, MemorySegment.ofArray(new byte[64])), "heap memory");
            dma.unregister(ia);
            assertNull(dma.find(ia, 1));
        }
    }
}
