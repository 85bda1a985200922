package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.CounterValue;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * What the stateful benches (LbBench, FirewallBench) share besides their traffic and routing: the
 * command line, the control thread that expires entries, the wait until every flow is in the table
 * (the timed window is {@link TimedWindow}).
 */
final class StatefulBench {
    private StatefulBench() {
    }

    /** {@code DATA_DIR CASE [--cpu N] [--seconds S] [--warmup S] [--flows N] [--table-slots N]}. */
    record Args(Path data, String which, int cpu, double seconds, double warmup, int flows, int slots) {
        static Args parse(String[] args, String usage, int defaultSlots) {
            if (args.length < 2) {
                throw new IllegalArgumentException("usage: " + usage);
            }
            int cpu = EngineConfig.defaults().cpus().getFirst();
            double seconds = 5;
            double warmup = 3;
            int flows = 1 << 20;
            int slots = defaultSlots;
            for (int i = 2; i < args.length; i++) {
                switch (args[i]) {
                    case "--cpu" -> cpu = Integer.parseInt(args[++i]);
                    case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                    case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                    case "--flows" -> flows = Integer.parseInt(args[++i]);
                    case "--table-slots" -> slots = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: " + usage);
                }
            }
            return new Args(Path.of(args[0]), args[1], cpu, seconds, warmup, flows, slots);
        }

        Path table() {
            return data.resolve("iprbench-tier1-ipv4.txt.xz");
        }
    }

    /** A daemon thread running {@code sweep} every {@code millis} until interrupted (the bundle's expiry). */
    static Thread sweeper(String name, long millis, Runnable sweep) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                sweep.run();
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Waits (at most a minute) until {@code count} reaches {@code target}: every flow made before the timing. */
    static void awaitCount(IntSupplier count, int target) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (count.getAsInt() < target && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** The sum over the workers of one node's counter. */
    static long counter(Engine engine, String node, String name) {
        long n = 0;
        for (CounterValue v : engine.counters()) {
            if (v.node().equals(node) && v.counter().equals(name)) {
                n += v.value();
            }
        }
        return n;
    }
}
