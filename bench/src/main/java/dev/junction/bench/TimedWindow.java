package dev.junction.bench;

import dev.junction.device.memory.MemoryDevice;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * One timed window of a started bench engine: packets out of its sink, the window's length, and the
 * bytes its workers allocated meanwhile (LbBench, FirewallBench, MplsBench).
 */
record TimedWindow(long packets, long nanos, long allocated) {
    /** Times {@code seconds} of the engine's traffic into {@code sink}. */
    static TimedWindow time(MemoryDevice sink, double seconds) throws InterruptedException {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th.getName().startsWith("junction-worker-")).toList();
        long a0 = RoutedPipelineBench.allocated(mx, workers);
        long p0 = sink.counters().txPackets();
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long p1 = sink.counters().txPackets();
        long t1 = System.nanoTime();
        long a1 = RoutedPipelineBench.allocated(mx, workers);
        return new TimedWindow(p1 - p0, t1 - t0, a1 - a0);
    }

    double mpps() {
        return packets * 1e3 / nanos;
    }

    double nsPerPacket() {
        return (double) nanos / packets;
    }

    double bytesPerPacket() {
        return (double) allocated / packets;
    }
}
