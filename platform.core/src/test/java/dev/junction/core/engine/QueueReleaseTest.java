package dev.junction.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A stopping worker tells each queue (one class may be both: the two methods have their own names) it polled or sent on, on its own thread and while its pool's
 * memory is still there, so that a NIC driver can stop DMA into the pool before it is freed.
 */
class QueueReleaseTest {

    /** A device whose queues remember the pool they saw and every release. */
    static final class Recording implements NetDevice, RxQueue, TxQueue {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile PacketPool polledWith;

        @Override
        public int receive(PacketPool pool, PacketVector into, int max) {
            polledWith = pool;
            return 0;
        }

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            return 0;
        }

        @Override
        public void releaseRx(PacketPool pool) {
            record("rx", pool);
        }

        @Override
        public void releaseTx(PacketPool pool) {
            record("tx", pool);
        }

        private void record(String queue, PacketPool pool) {
            // The pool is still usable here: its arena closes only after the release.
            pool.memory().get(ValueLayout.JAVA_BYTE, 0);
            events.add(queue + " of the polled pool"
                    + (pool == polledWith ? "" : " (another pool!)") + " on " + Thread.currentThread().getName());
        }

        public String name() {
            return "rec0";
        }

        public String driver() {
            return "test";
        }

        public long mac() {
            return 0x02_00_00_00_00_01L;
        }

        public int mtu() {
            return 1500;
        }

        public boolean linkUp() {
            return true;
        }

        public int rxQueueCount() {
            return 1;
        }

        public RxQueue rxQueue(int q) {
            return this;
        }

        public TxQueue txQueue(int worker) {
            return this;
        }

        public DeviceCounters counters() {
            return DeviceCounters.ZERO;
        }
    }

    @Test
    void aWorkerReleasesItsQueuesBeforeItsPoolGoes() throws Exception {
        Recording d = new Recording();
        EngineConfig config = EngineConfig.defaults().withCpus(List.of(-1));
        try (Engine engine = new Engine(config)) {
            engine.addDevice(d);
            engine.start();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (d.polledWith == null) {
                assertTrue(System.nanoTime() < deadline, "never polled");
                Thread.onSpinWait();
            }
            PacketPool first = d.polledWith;
            // A new pool size restarts the workers: the old one releases, the new one polls.
            engine.reconfigure(new EngineConfig(config.cpus(), config.idle(), 2048, false));
            assertEquals(List.of("rx of the polled pool on junction-worker-0", "tx of the polled pool on junction-worker-0"),
                    d.events, "the receive queue and the transmit queue, once each");
            while (d.polledWith == first) {
                assertTrue(System.nanoTime() < deadline, "never polled by the new worker");
                Thread.onSpinWait();
            }
            assertEquals(2048, d.polledWith.capacity());
        }
        assertEquals(4, d.events.size(), "and again when the engine closes: " + d.events);
        assertEquals("tx of the polled pool on junction-worker-0", d.events.get(3));
    }
}
