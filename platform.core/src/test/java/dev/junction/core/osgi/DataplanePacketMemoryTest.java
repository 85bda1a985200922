package dev.junction.core.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.packet.PacketMemory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A driver's PacketMemory service reaches the engine: bound, the workers' pools are cut from it (and
 * a later configuration change keeps it); unbound, plain memory again; one that cannot allocate
 * leaves the workers running on plain memory.
 */
class DataplanePacketMemoryTest {

    @Test
    void aBoundPacketMemoryGivesTheWorkersTheirPoolsAndUnbindingTakesItBack() {
        DataplaneComponent c = new DataplaneComponent();
        Engine engine = c.engine();
        try {
            engine.reconfigure(EngineConfig.defaults().withCpus(List.of(-1)));
            engine.start();
            AtomicInteger slabs = new AtomicInteger();
            PacketMemory counting = (arena, bytes) -> {
                slabs.incrementAndGet();
                return arena.allocate(bytes, 4096);
            };
            c.bindPacketMemory(counting);
            assertSame(counting, engine.config().packetMemory());
            assertEquals(1, slabs.get(), "the worker restarted with a pool from it");
            c.modified(Map.of("cpus", "none"));
            assertSame(counting, engine.config().packetMemory(), "a configuration change keeps it");
            c.unbindPacketMemory(counting);
            assertSame(PacketMemory.NATIVE, engine.config().packetMemory());

            PacketMemory none = (arena, bytes) -> {
                throw new IllegalStateException("no 2 free 2 MiB huge pages");
            };
            c.bindPacketMemory(none);
            assertEquals(1, engine.workers().size(), "the worker runs on plain memory");
            assertTrue(engine.workers().getFirst().tid() > 0, "and it started");
        } finally {
            engine.close();
        }
    }
}
