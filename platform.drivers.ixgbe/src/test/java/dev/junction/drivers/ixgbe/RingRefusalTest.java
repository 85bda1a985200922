package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.drivers.ixgbe.dma.DmaRegion;
import dev.junction.drivers.ixgbe.dma.Slabs;
import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Regs;
import dev.junction.drivers.ixgbe.rx.RxRing;
import dev.junction.drivers.ixgbe.tx.TxRing;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A worker's pool the device cannot reach (plain memory where physical addresses need huge pages):
 * the rings refuse it once, say why, and neither throw nor retry on every poll.
 */
class RingRefusalTest {
    @Test
    void aPoolTheDeviceCannotReachIsRefusedOnceWithItsReason() {
        AtomicInteger tries = new AtomicInteger();
        Slabs refusing = new Slabs() {
            @Override
            public DmaRegion acquire(MemorySegment slab) {
                tries.incrementAndGet();
                throw new IllegalStateException("memory at 0x1000 is not in huge pages");
            }

            @Override
            public void release(MemorySegment slab) {
            }
        };
        try (Arena arena = Arena.ofConfined()) {
            Bar bar = new Bar(arena.allocate(Regs.BAR0_SIZE, 4096), offset -> 0);
            RxRing rx = new RxRing(bar, 0, arena.allocate(64 * 16, 4096), 64, false, refusing);
            TxRing tx = new TxRing(bar, 0, arena.allocate(64 * 16, 4096), 64, refusing);
            PacketPool pool = new PacketPool(arena, 1024);
            PacketVector v = new PacketVector();
            for (int i = 0; i < 100; i++) {
                assertEquals(0, rx.receive(pool, v, 32));
            }
            v.add(pool.allocate());
            assertEquals(0, tx.transmit(pool, v), "nothing taken: the caller drops and counts");
            assertEquals(0, tx.transmit(pool, v));
            assertEquals(2, tries.get(), "one try per ring, not one per poll");
            assertTrue(rx.describe().endsWith("refused: memory at 0x1000 is not in huge pages"), rx.describe());
            assertEquals("memory at 0x1000 is not in huge pages", tx.refusal);
            assertEquals(2, tx.counters.errors);
            assertEquals(0, bar.read(Regs.rdt(0)), "the device was given nothing");
            assertEquals(1023, pool.available(), "no buffer went into the refused ring");
        }
    }
}
