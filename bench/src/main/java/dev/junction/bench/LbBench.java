package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.lb.LoadBalancer.BackendSpec;
import dev.junction.lb.LoadBalancer.ServiceSpec;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.control.Snapshot;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.maglev.Maglev;
import dev.junction.lb.nodes.LbNode;
import dev.junction.lb.nodes.LbReverseNode;
import dev.junction.packet.Ipv4;
import dev.junction.routing.internal.VrfControl;
import java.util.List;
import java.util.Locale;

/**
 * The load balancer on one worker, in memory, 64-byte UDP frames, the full Internet IPv4 table loaded:
 * generator -> ethernet-input -> ip4-input -> lb-nat4-reverse (ip4-unicast feature) -> ip4-lookup
 * -> lb-ip4 (NAT) -> ip4-lookup -> ip4-rewrite -> output -> sink. Cases, each in a JVM of its own:
 * <ul>
 * <li>{@code routed}: the reference, RoutedPipelineBench's IPv4 case (no VIP);</li>
 * <li>{@code tracked}: {@code --flows N} client 5-tuples (default 2^20) sent in turn to one VIP of 16
 * backends; every flow is made before the timing starts (checked: the flow count is N and no new flow
 * is counted while timing), so each packet is one flow-table hit and one rewrite;</li>
 * <li>{@code new}: every packet a 5-tuple never sent before (source address and port counted up), so
 * each is a Maglev pick and an insert of one entry; the UDP idle timeout is set to 20 ms and a
 * control thread sweeps a twentieth of the table every 50 ms (all of it once a second, as the bundle),
 * which with the inserts keeps the table from filling (checked: no {@code flow table full} drop);</li>
 * <li>{@code new-dsr}: {@code new} with the service in L2 DSR mode (backends on the sink's network):
 * one entry a flow as under NAT, but no rewrite and no replies through us; beside {@code new} it shows
 * what NAT's rewrite costs (until a NAT flow became one entry, what its second entry cost);</li>
 * <li>{@code replies}: the backends' replies of {@code --flows N} NAT flows made in the table before the
 * engine starts (flow i on backend i % 16), each one reverse lookup and a rewrite of its source to the VIP
 * in lb-nat4-reverse, then routed to the client;</li>
 * <li>{@code maglev}: the table build time for 1000 backends at M = 65537 and 655373.</li>
 * </ul>
 * The flow table is made here with {@code --table-slots} (default 2^23: a NAT flow takes two entries,
 * so 2^20 flows fill a quarter of it; at half, 3 of 2^20 inserts found their 32-slot windows full). Usage: {@code LbBench DATA_DIR CASE [--cpu N] [--seconds S]
 * [--warmup S] [--flows N] [--table-slots N]}.
 */
public final class LbBench {
    private static final int VIP = Ipv4.parse("198.18.0.100");
    private static final int VIP_PORT = 53;
    private static final int BACKENDS = 16;
    /** Backends 10.2.0.10 up, on the sink's network. */
    private static final int FIRST_BACKEND = Ipv4.parse("10.2.0.10");

    public static void main(String[] args) throws Exception {
        StatefulBench.Args a = StatefulBench.Args.parse(args, "LbBench DATA_DIR routed|tracked|new|new-dsr|replies|maglev [--cpu N]"
                + " [--seconds S] [--warmup S] [--flows N] [--table-slots N]", 1 << 23);
        double ghz = PipelineBench.cpuGhz();
        switch (a.which()) {
            case "routed" -> RoutedPipelineBench.run("ipv4", a.table(), List.of(a.cpu()), a.warmup(), a.seconds(), ghz);
            case "tracked", "new", "new-dsr", "replies" -> run(a.which(), a, ghz);
            case "maglev" -> maglev();
            default -> throw new IllegalArgumentException("case " + a.which() + ": use routed, tracked, new, new-dsr, replies or maglev");
        }
    }

    static void maglev() {
        String[] names = new String[1000];
        int[] weights = new int[1000];
        for (int i = 0; i < names.length; i++) {
            names[i] = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            weights[i] = 1;
        }
        for (int m : new int[] {65537, 655373}) {
            for (int i = 0; i < 20; i++) {
                Maglev.build(names, weights, m); // warm up the compiler
            }
            long best = Long.MAX_VALUE;
            long sum = 0;
            int runs = 50;
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                int[] t = Maglev.build(names, weights, m);
                long d = System.nanoTime() - t0;
                if (t[0] == Maglev.NONE) {
                    throw new IllegalStateException("table not filled");
                }
                best = Math.min(best, d);
                sum += d;
            }
            System.out.printf(Locale.ROOT, "junction maglev-build m=%d backends=1000 best_ms=%.2f mean_ms=%.2f runs=%d%n",
                    m, best / 1e6, sum / 1e6 / runs, runs);
        }
    }

    /**
     * Makes {@code flows} NAT flows straight in the table, as lb-ip4 would for ClientFlows' clients
     * (flow i on backend i % 16), and fills {@code backendOf} with each one's backend address.
     */
    static void makeFlows(LbControl lb, FlowTable table, int flows, int[] backendOf) {
        Snapshot snap = lb.snapshot();
        Snapshot.Service service = null;
        for (Snapshot.Vip vip : snap.vips) {
            if (vip != null) {
                service = vip.services[0];
            }
        }
        Snapshot.Backend[] byIndex = new Snapshot.Backend[BACKENDS];
        for (Snapshot.Backend be : snap.backends) {
            if (be != null) {
                byIndex[(int) be.lo - FIRST_BACKEND] = be;
            }
        }
        long[] scratch = new long[1];
        long now = System.nanoTime();
        for (int i = 0; i < flows; i++) {
            Snapshot.Backend be = byIndex[i % BACKENDS];
            long client = (ClientFlows.FIRST_CLIENT + (i >>> 10)) & 0xffffffffL;
            int cport = 1024 + (i & 1023);
            long f0 = FlowTable.misc(4, 0, Ipv4.PROTO_UDP, cport, VIP_PORT);
            int slot = table.insert(f0, 0, client, 0, VIP & 0xffffffffL, be.hi, be.lo,
                    FlowTable.value(service.number, be.id, VIP_PORT), true, now, scratch);
            if (slot < 0) {
                throw new IllegalStateException("flow " + i + " not made: " + slot);
            }
            backendOf[i] = (int) be.lo;
        }
    }

    static void run(String which, StatefulBench.Args a, double ghz) throws Exception {
        boolean dsr = which.equals("new-dsr"), fresh = which.equals("new") || dsr, replies = which.equals("replies");
        int flows = a.flows(), slots = a.slots();
        int[] replyBackend = replies ? new int[flows] : null;
        FrameSource gen = replies ? new BackendReplies(replyBackend, VIP_PORT)
                : new ClientFlows("bench-flow-traffic", VIP, VIP_PORT, fresh ? 0 : flows);
        EngineConfig config = new EngineConfig(List.of(a.cpu()), IdleStrategy.Mode.SPIN, EngineConfig.DEFAULT_POOL_BUFFERS, false);
        try (MemoryDevice sink = new MemoryDevice("sink", ClientFlows.ROUTER_MAC + 1, null, false);
                Engine engine = new Engine(config)) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            BenchRouting bench = new BenchRouting(engine);
            VrfControl routing = bench.control;
            for (int b = 0; b < BACKENDS; b++) {
                bench.vrfs.ip4(0).neighbours.learn(bench.sinkIf, FIRST_BACKEND + b, 0x02_00_00_00_10_00L + b, System.nanoTime());
            }
            bench.loadFullTable(a.table());
            if (replies) { // the clients' addresses, where the replies go once rewritten to come from the VIP
                routing.addRoute(Ipv4.format(ClientFlows.FIRST_CLIENT) + "/9", Ipv4.format(BenchRouting.NEXT_HOP), null);
            }

            FlowTable flowTable = new FlowTable(slots);
            LbControl lb = new LbControl(flowTable, vrf -> 0, new LbControl.Steering() {
                @Override
                public void steer(int index, String vrf, String prefix, int family) {
                    routing.steer(vrf, prefix, LbNode.IP4, index);
                }

                @Override
                public void unsteer(int index) {
                    // the bench never removes its VIP
                }
            }, (vrf, address) -> "sink"); // every backend is on the sink's network (DSR's on-link check)
            engine.addNode(LbNode.ip4(lb), "lb");
            engine.addNode(LbReverseNode.ip4(lb), "lb");
            lb.addService(new ServiceSpec("dns", null, Ipv4.format(VIP), "udp", VIP_PORT, dsr ? "dsr" : "nat", 0, 0));
            for (int b = 0; b < BACKENDS; b++) {
                lb.addBackend(new BackendSpec("dns", Ipv4.format(FIRST_BACKEND + b), 0, 1, false));
            }
            if (replies) {
                makeFlows(lb, flowTable, flows, replyBackend);
            }
            Thread expirer = null;
            if (fresh) {
                flowTable.timeouts(900_000_000_000L, 10_000_000_000L, 20_000_000L);
                // A twentieth of the table every 50 ms: the whole of it once a second, as the bundle sweeps.
                expirer = StatefulBench.sweeper("lb-bench-expire", 50, () -> flowTable.expireSome(System.nanoTime(), slots / 20));
            }

            engine.start();
            Thread.sleep((long) (a.warmup() * 1000));
            if (!fresh && !replies) {
                StatefulBench.awaitCount(() -> flowTable.serviceCount(0), flows);
            }
            engine.clearRuntime();
            int flows0 = flowTable.serviceCount(0);
            long new0 = StatefulBench.counter(engine, LbNode.IP4, "new flows");
            TimedWindow w = TimedWindow.time(sink, a.seconds());
            long new1 = StatefulBench.counter(engine, LbNode.IP4, "new flows");
            int flows1 = flowTable.serviceCount(0);
            if (expirer != null) {
                expirer.interrupt();
            }
            System.out.printf(Locale.ROOT,
                    "junction lb-%s mpps=%.2f ns_per_packet=%.1f cycles_per_packet=%.1f bytes_per_packet=%.4f"
                            + " forwarded=%d dropped=%d new_flows_timed=%d flows_at_start=%d flows_at_end=%d table_slots=%d%n",
                    dsr ? "dsr-new-flows" : fresh ? "nat-new-flows" : "nat-" + which, w.mpps(), w.nsPerPacket(), w.nsPerPacket() * ghz, w.bytesPerPacket(),
                    w.packets(), BenchReport.drops(engine), new1 - new0, flows0, flows1, slots);
            BenchReport.details(engine, "lb-");
        }
    }
}
