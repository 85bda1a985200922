package dev.junction.drivers.linux;

import dev.junction.device.DeviceCounters;
import dev.junction.device.QueueCounters;
import dev.junction.device.TxQueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A device's transmit queues, one per worker, made when the core first asks for a worker's queue
 * (control path), so that no two threads ever share one. Sums their counters with the receive side's.
 */
final class PerWorkerTx<T extends TxQueue> {
    private final List<T> queues = new CopyOnWriteArrayList<>();
    private final List<QueueCounters> counters = new CopyOnWriteArrayList<>();
    private final Supplier<T> factory;
    private final java.util.function.Function<T, QueueCounters> countersOf;

    PerWorkerTx(Supplier<T> factory, java.util.function.Function<T, QueueCounters> countersOf) {
        this.factory = factory;
        this.countersOf = countersOf;
    }

    synchronized T get(int worker) {
        while (queues.size() <= worker) {
            T q = factory.get();
            queues.add(q);
            counters.add(countersOf.apply(q));
        }
        return queues.get(worker);
    }

    List<T> all() {
        return queues;
    }

    DeviceCounters counters(QueueCounters rx) {
        long p = 0, b = 0, e = 0;
        for (QueueCounters c : counters) {
            p += c.packets;
            b += c.bytes;
            e += c.errors;
        }
        return new DeviceCounters(rx.packets, rx.bytes, rx.errors, p, b, e);
    }
}
