package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.dataplane.CounterValue;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.NodeRuntime;
import java.util.Locale;

/** The lines the pipeline benchmarks print after their figures: drops, counters, each node's time. */
final class BenchReport {
    private BenchReport() {
    }

    /** Every packet the engine dropped, all reasons. */
    static long drops(Engine engine) {
        long n = 0;
        for (DropCount d : engine.drops()) {
            n += d.count();
        }
        return n;
    }

    /** The drops by reason when there were any, the counters of nodes named {@code prefix*}, then ns per packet by node. */
    static void details(Engine engine, String prefix) {
        if (drops(engine) > 0) {
            System.out.println("  drops: " + engine.drops());
        }
        StringBuilder c = new StringBuilder("  counters:");
        for (CounterValue v : engine.counters()) {
            if (v.node().startsWith(prefix) && v.value() > 0) {
                c.append(' ').append(v.node()).append(" '").append(v.counter()).append("' ").append(v.value());
            }
        }
        System.out.println(c);
        StringBuilder nodes = new StringBuilder("  ns per packet by node:");
        for (NodeRuntime r : engine.runtime()) {
            if (r.packets() > 0) {
                nodes.append(String.format(Locale.ROOT, " %s %.1f", r.name(), (double) r.nanos() / r.packets()));
            }
        }
        System.out.println(nodes);
    }
}
