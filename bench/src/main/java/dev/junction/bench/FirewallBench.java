package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.dataplane.CounterValue;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.firewall.Direction;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.firewall.nodes.FirewallNode;
import dev.junction.packet.Ipv4;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
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
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: FirewallBench DATA_DIR routed|tracked|new [--cpu N] [--seconds S]"
                    + " [--warmup S] [--flows N] [--table-slots N]");
        }
        Path data = Path.of(args[0]);
        String which = args[1];
        int cpu = EngineConfig.defaults().cpus().getFirst();
        double seconds = 5;
        double warmup = 3;
        int flows = 1 << 20;
        int slots = 1 << 22;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--cpu" -> cpu = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--flows" -> flows = Integer.parseInt(args[++i]);
                case "--table-slots" -> slots = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        double ghz = PipelineBench.cpuGhz();
        Path table = data.resolve("iprbench-tier1-ipv4.txt.xz");
        switch (which) {
            case "routed" -> RoutedPipelineBench.run("ipv4", table, List.of(cpu), warmup, seconds, ghz);
            case "tracked", "new" -> run(which.equals("new"), table, flows, slots, cpu, warmup, seconds, ghz);
            default -> throw new IllegalArgumentException("case " + which + ": use routed, tracked or new");
        }
    }

    static void run(boolean fresh, Path table, int flows, int slots, int cpu, double warmup, double seconds, double ghz)
            throws Exception {
        ClientFlows gen = new ClientFlows("bench-fw-traffic", SERVER, 53, fresh ? 0 : flows);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EngineConfig config = new EngineConfig(List.of(cpu), IdleStrategy.Mode.SPIN, EngineConfig.DEFAULT_POOL_BUFFERS, false);
        try (MemoryDevice sink = new MemoryDevice("sink", ClientFlows.ROUTER_MAC + 1, null, false);
                Engine engine = new Engine(config)) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            new BenchRouting(engine).loadFullTable(table);

            ConnTable conns = new ConnTable(slots);
            FirewallControl fw = new FirewallControl(conns, engine::enableFeature);
            engine.addNode(FirewallNode.ip4Input(fw), "firewall");
            fw.ruleSet("inside", List.of(Rule.parse("priority=10 action=permit+track src=10.128.0.0/9")));
            fw.attach("gen", Direction.INPUT, "inside");
            Thread expirer = null;
            if (fresh) {
                fw.timeout("udp", 1);
                expirer = Thread.ofPlatform().daemon().name("fw-bench-expire").start(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        fw.expire();
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
            }

            engine.start();
            List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th.getName().startsWith("junction-worker-")).toList();
            Thread.sleep((long) (warmup * 1000));
            if (!fresh) {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (conns.size() < flows && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
            engine.clearRuntime();
            int entries0 = conns.size();
            long opened0 = counter(engine, "connections opened");
            long a0 = RoutedPipelineBench.allocated(mx, threads);
            long p0 = sink.counters().txPackets();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long p1 = sink.counters().txPackets();
            long t1 = System.nanoTime();
            long a1 = RoutedPipelineBench.allocated(mx, threads);
            long opened1 = counter(engine, "connections opened");
            int entries1 = conns.size();
            if (expirer != null) {
                expirer.interrupt();
            }
            long packets = p1 - p0;
            double pps = packets * 1e9 / (t1 - t0);
            double ns = 1e9 / pps;
            long drops = BenchReport.drops(engine);
            System.out.printf(Locale.ROOT,
                    "junction fw-%s mpps=%.2f ns_per_packet=%.1f cycles_per_packet=%.1f bytes_per_packet=%.4f"
                            + " forwarded=%d dropped=%d opened_timed=%d entries_at_start=%d entries_at_end=%d table_slots=%d"
                            + " refused=%s%n",
                    fresh ? "new-connections" : "tracked", pps / 1e6, ns, ns * ghz, (double) (a1 - a0) / packets, packets,
                    drops, opened1 - opened0, entries0, entries1, slots, fw.tableCounters());
            BenchReport.details(engine, "fw-");
        }
    }

    private static long counter(Engine engine, String name) {
        long n = 0;
        for (CounterValue v : engine.counters()) {
            if (v.node().equals(FirewallNode.IP4_INPUT) && v.counter().equals(name)) {
                n += v.value();
            }
        }
        return n;
    }
}
