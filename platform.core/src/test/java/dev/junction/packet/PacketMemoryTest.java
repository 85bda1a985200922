package dev.junction.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A pool cut from memory someone else supplies (a NIC driver's DMA-able pages), and the engine's use of it. */
class PacketMemoryTest {

    @Test
    void aPoolUsesTheSuppliedSlabForItsBuffers() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment supplied = arena.allocate(64L * PacketPool.BUFFER_SIZE + 8192, 4096);
            PacketPool pool = new PacketPool(arena, 64, (a, bytes) -> supplied);
            assertEquals(supplied.address(), pool.memory().address());
            assertEquals(64L * PacketPool.BUFFER_SIZE, pool.memory().byteSize(), "only what the buffers need");
            int b = pool.allocate();
            pool.memory().set(java.lang.foreign.ValueLayout.JAVA_BYTE, pool.data(b), (byte) 0x5A);
            assertEquals(0x5A, supplied.get(java.lang.foreign.ValueLayout.JAVA_BYTE, pool.data(b)));
        }
    }

    @Test
    void theDefaultIsPlainNativeMemoryAsBefore() {
        try (Arena arena = Arena.ofConfined()) {
            PacketPool pool = new PacketPool(arena, 16);
            assertTrue(pool.memory().isNative());
            assertEquals(0, pool.memory().address() & 4095);
            assertEquals(16L * PacketPool.BUFFER_SIZE, pool.memory().byteSize());
        }
    }

    @Test
    void memoryThatIsShortMisalignedOrOnTheHeapIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            long need = 16L * PacketPool.BUFFER_SIZE;
            assertThrows(IllegalArgumentException.class,
                    () -> new PacketPool(arena, 16, (a, bytes) -> a.allocate(bytes - 1, 4096)));
            MemorySegment big = arena.allocate(need + 8192, 4096);
            assertThrows(IllegalArgumentException.class,
                    () -> new PacketPool(arena, 16, (a, bytes) -> big.asSlice(64)));
            assertThrows(IllegalArgumentException.class,
                    () -> new PacketPool(arena, 16, (a, bytes) -> MemorySegment.ofArray(new byte[(int) need])));
            assertThrows(IllegalArgumentException.class, () -> new PacketPool(arena, 16, (a, bytes) -> null));
        }
    }

    @Test
    void theEngineCutsEachWorkersPoolFromTheConfiguredMemory() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Long> asked = new AtomicReference<>();
        PacketMemory counting = (arena, bytes) -> {
            calls.incrementAndGet();
            asked.set(bytes);
            return arena.allocate(bytes, 4096);
        };
        EngineConfig config = EngineConfig.defaults().withCpus(List.of(-1, -1)).withPacketMemory(counting);
        try (Engine engine = new Engine(config)) {
            engine.start();
            assertEquals(2, calls.get(), "one slab per worker");
            assertEquals((long) config.poolBuffers() * PacketPool.BUFFER_SIZE, asked.get());
        }
        assertEquals(PacketMemory.NATIVE, EngineConfig.defaults().packetMemory());
    }
}
