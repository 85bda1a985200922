package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.firewall.Direction;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.firewall.nodes.FirewallNode;
import dev.junction.packet.Ipv4;
import java.util.List;
import java.util.Locale;

/**
 * The stateful firewall on one worker, in memory, 64-byte UDP frames, the full Internet IPv4 table
 * loaded: generator -> ethernet-input -> ip4-input -> fw-ip4-input (the generator's interface has a
 * rule set: {@code permit+track src=10.128.0.0/9}) -> ip4-lookup -> ip4-rewrite -> output -> sink.
 * Cases, each in a JVM of its own:
 * <ul>
 * <li>{@code routed}: the reference, RoutedPipelineBench's IPv4 case (no firewall);</li>
 * <li>{@code tracked}: {@code --flows N} client 5-tuples (default 2^20) in turn, every one in the
 * connection table before the timing starts (checked: the table holds N entries and no connection
 * is opened while timing). The flows are one-way, as the generator is: each packet is an unreplied
 * UDP connection's originator again, so it is looked up and judged by the rules (as Linux's
 * conntrack calls it {@code ct state new} until a reply is seen);</li>
 * <li>{@code new}: every packet a 5-tuple never sent before, so each opens a connection; the UDP
 * timeout is 1 s and the control thread sweeps expired entries once a second, as the bundle does
 * (checked: no connection refused for a full table).</li>
 * </ul>
 * Usage: {@code FirewallBench DATA_DIR CASE [--cpu N] [--seconds S] [--warmup S] [--flows N] [--table-slots N]}.
 */
public final class FirewallBench {
    /** A destination the full table routes (to the sink's next hop, as every route of the bench). */
    private static final int SERVER = Ipv4.parse("8.8.8.8");

    public static void main(String[] args) throws Exception {
        StatefulBench.Args a = StatefulBench.Args.parse(args, "FirewallBench DATA_DIR routed|tracked|new [--cpu N]"
                + " [--seconds S] [--warmup S] [--flows N] [--table-slots N]", 1 << 22);
        double ghz = PipelineBench.cpuGhz();
        switch (a.which()) {
            case "routed" -> RoutedPipelineBench.run("ipv4", a.table(), List.of(a.cpu()), a.warmup(), a.seconds(), ghz);
            case "tracked", "new" -> run(a.which().equals("new"), a, ghz);
            default -> throw new IllegalArgumentException("case " + a.which() + ": use routed, tracked or new");
        }
    }

    static void run(boolean fresh, StatefulBench.Args a, double ghz) throws Exception {
        int flows = a.flows(), slots = a.slots();
        ClientFlows gen = new ClientFlows("bench-fw-traffic", SERVER, 53, fresh ? 0 : flows);
        EngineConfig config = new EngineConfig(List.of(a.cpu()), IdleStrategy.Mode.SPIN, EngineConfig.DEFAULT_POOL_BUFFERS, false);
        try (MemoryDevice sink = new MemoryDevice("sink", ClientFlows.ROUTER_MAC + 1, null, false);
                Engine engine = new Engine(config)) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            new BenchRouting(engine).loadFullTable(a.table());

            ConnTable conns = new ConnTable(slots);
            FirewallControl fw = new FirewallControl(conns, engine::enableFeature);
            engine.addNode(FirewallNode.ip4Input(fw), "firewall");
            fw.ruleSet("inside", List.of(Rule.parse("priority=10 action=permit+track src=10.128.0.0/9")));
            fw.attach("gen", Direction.INPUT, "inside");
            Thread expirer = null;
            if (fresh) {
                fw.timeout("udp", 1);
                expirer = StatefulBench.sweeper("fw-bench-expire", 1000, fw::expire);
            }

            engine.start();
            Thread.sleep((long) (a.warmup() * 1000));
            if (!fresh) {
                StatefulBench.awaitCount(conns::size, flows);
            }
            engine.clearRuntime();
            int entries0 = conns.size();
            long opened0 = StatefulBench.counter(engine, FirewallNode.IP4_INPUT, "connections opened");
            TimedWindow w = TimedWindow.time(sink, a.seconds());
            long opened1 = StatefulBench.counter(engine, FirewallNode.IP4_INPUT, "connections opened");
            int entries1 = conns.size();
            if (expirer != null) {
                expirer.interrupt();
            }
            System.out.printf(Locale.ROOT,
                    "junction fw-%s mpps=%.2f ns_per_packet=%.1f cycles_per_packet=%.1f bytes_per_packet=%.4f"
                            + " forwarded=%d dropped=%d opened_timed=%d entries_at_start=%d entries_at_end=%d table_slots=%d"
                            + " refused=%s%n",
                    fresh ? "new-connections" : "tracked", w.mpps(), w.nsPerPacket(), w.nsPerPacket() * ghz,
                    w.bytesPerPacket(), w.packets(), BenchReport.drops(engine), opened1 - opened0, entries0, entries1, slots,
                    fw.tableCounters());
            BenchReport.details(engine, "fw-");
        }
    }
}
