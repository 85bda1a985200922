package dev.junction.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.graph.Arcs;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker allocates nothing per packet in steady state, measured over millions of packets. */
class ZeroAllocationTest {

    @Test
    void workerAllocatesNothingPerPacketInSteadyState() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Resources close in reverse: the engine stops before the devices it polls are freed.
        try (MemoryDevice gen = new MemoryDevice("mem0", 1, TrafficProfile.defaults(), false);
                MemoryDevice sink = new MemoryDevice("mem1", 2, null, false);
                Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)))) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            TestXconnect.connect(engine, "mem0", "mem1");
            // Features on two arcs, so that the measured path includes arc dispatch.
            engine.addNode(new PassThroughNode("pt-1", Arcs.L2_INPUT), "test");
            engine.addNode(new PassThroughNode("pt-2", Arcs.OUTPUT), "test");
            engine.start();
            Thread worker = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("junction-worker-0")).findFirst().orElseThrow();
            // Warm up: let the JIT compile the loop.
            EngineTest.await(() -> sink.delivered() > 3_000_000, Duration.ofSeconds(60), "warm-up");
            long a0 = mx.getThreadAllocatedBytes(worker.threadId());
            long p0 = sink.delivered();
            EngineTest.await(() -> sink.delivered() > p0 + 10_000_000, Duration.ofSeconds(120), "10M packets");
            long a1 = mx.getThreadAllocatedBytes(worker.threadId());
            long p1 = sink.delivered();
            long bytes = a1 - a0;
            System.out.printf("worker allocated %d bytes over %d packets (%.6f bytes/packet)%n", bytes, p1 - p0,
                    (double) bytes / (p1 - p0));
            assertTrue(a0 > 0 || a1 >= 0, "allocation measurement available");
            assertEquals(0, bytes, "bytes allocated by the worker in steady state");
        }
    }
}
