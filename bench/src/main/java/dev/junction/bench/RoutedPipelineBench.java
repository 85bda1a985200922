package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.graph.PacketNode;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.Ipv6;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.fib.Ipv6Prefix;
import dev.junction.routing.internal.Ip4Tables;
import dev.junction.routing.internal.Ip6Tables;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Whole-pipeline routed forwarding with the full Internet table, one worker, in memory:
 * generator -> ethernet-input -> ip4-input -> ip4-lookup (DIR-24-8, 901,899 routes) -> ip4-rewrite
 * (TTL, checksum, MACs from the neighbour table) -> output -> sink, 64-byte frames, each to a random
 * address inside a random route of the table; then the same for IPv6 (160,147 routes). The table
 * is loaded as a user's {@code ip:load} would (RoutingControl.loadTable). Reports load time and FIB
 * memory, Mpps, ns and cycles per packet, and bytes the worker allocated per packet.
 * Usage: {@code RoutedPipelineBench DATA_DIR [--cpu LIST] [--seconds S] [--warmup S]}: one worker per
 * CPU of the list ({@code 1}, {@code 0,1}, {@code 0-3}), each with a receive queue of its own over
 * its own share of the destinations, all sending to the one sink.
 */
public final class RoutedPipelineBench {
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long ROUTER_MAC = 0x02_00_00_00_00_01L;
    private static final long HOST_MAC = 0x02_00_00_00_00_02L;
    private static final long NEXT_HOP_MAC = 0x02_00_00_00_00_03L;

    /**
     * Generates 64-byte UDP frames to the router, destinations taken in turn from a shuffled array:
     * one template copy and the destination (and for IPv4 the header checksum) written per frame.
     */
    static final class TableTraffic implements NetDevice, RxQueue, TxQueue {
        private final boolean v6;
        private final int[] v4;
        private final long[] v6High;
        private final long[] v6Low;
        private final MemorySegment template = MemorySegment.ofArray(new byte[64]);

        TableTraffic(int[] v4) {
            this.v6 = false;
            this.v4 = v4;
            this.v6High = null;
            this.v6Low = null;
            Ethernet.destination(template, 0, ROUTER_MAC);
            Ethernet.source(template, 0, HOST_MAC);
            Ethernet.etherType(template, 0, Ethernet.TYPE_IPV4);
            Ipv4.writeHeader(template, 14, 50, 64, Ipv4.PROTO_UDP, 0x0A01_0002, 0);
            queues(1);
        }

        TableTraffic(long[] high, long[] low) {
            this.v6 = true;
            this.v4 = null;
            this.v6High = high;
            this.v6Low = low;
            Ethernet.destination(template, 0, ROUTER_MAC);
            Ethernet.source(template, 0, HOST_MAC);
            Ethernet.etherType(template, 0, Ethernet.TYPE_IPV6);
            Ipv6.writeHeader(template, 14, 10, Ipv6.NEXT_UDP, 64, 0xFD01_0000_0000_0000L, 2, 0, 0);
            queues(1);
        }

        /**
         * Queue {@code q} of {@code queues}: frames from its own share of the destinations (a
         * contiguous slice, so that two workers never write the same counters or cursor).
         */
        final class Queue implements RxQueue {
            final QueueCounters counters = new QueueCounters();
            private final int from, to;
            private int next;
            // The device's fields copied into the queue: read through the outer instance instead, the
            // IPv6 generator cost 0.5-1 Mpps of the pipeline's figure (A/B of 2026-12-07 in docs/PERFORMANCE.md).
            private final boolean v6 = TableTraffic.this.v6;
            private final int[] v4 = TableTraffic.this.v4;
            private final long[] v6High = TableTraffic.this.v6High, v6Low = TableTraffic.this.v6Low;
            private final MemorySegment template = TableTraffic.this.template;

            Queue(int q, int queues) {
                int count = v6 ? v6High.length : v4.length;
                from = (int) ((long) count * q / queues);
                to = (int) ((long) count * (q + 1) / queues);
                next = from;
            }

            @Override
            public int receive(PacketPool pool, PacketVector into, int max) {
                MemorySegment mem = pool.memory();
                int n = 0;
                for (; n < max && !into.isFull(); n++) {
                    int b = pool.allocate();
                    if (b < 0) {
                        break;
                    }
                    long f = pool.data(b);
                    MemorySegment.copy(template, 0, mem, f, 64);
                    if (v6) {
                        mem.set(NET_LONG, f + 14 + 24, v6High[next]);
                        mem.set(NET_LONG, f + 14 + 32, v6Low[next]);
                    } else {
                        mem.set(NET_INT, f + 14 + 16, v4[next]);
                        Ipv4.updateChecksum(mem, f + 14);
                    }
                    if (++next == to) {
                        next = from;
                    }
                    pool.length(b, 64);
                    into.add(b);
                }
                counters.packets += n;
                return n;
            }
        }

        private Queue[] queues;

        /** Frames on {@code n} receive queues, one per worker. */
        void queues(int n) {
            Queue[] q = new Queue[n];
            for (int i = 0; i < n; i++) {
                q[i] = new Queue(i, n);
            }
            queues = q;
        }

        /** Frames generated, every queue. */
        long generated() {
            long sum = 0;
            for (Queue q : queues) {
                sum += q.counters.packets;
            }
            return sum;
        }

        @Override
        public int receive(PacketPool pool, PacketVector into, int max) {
            return queues[0].receive(pool, into, max);
        }

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            for (int i = 0; i < packets.count(); i++) {
                pool.free(packets.buffer(i));
            }
            return packets.count();
        }

        @Override
        public String name() {
            return "gen";
        }

        @Override
        public String driver() {
            return "bench-table-traffic";
        }

        @Override
        public long mac() {
            return ROUTER_MAC;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public int rxQueueCount() {
            return queues.length;
        }

        @Override
        public RxQueue rxQueue(int q) {
            return queues[q];
        }

        @Override
        public TxQueue txQueue(int worker) {
            return this;
        }

        @Override
        public DeviceCounters counters() {
            long g = generated();
            return new DeviceCounters(g, g * 64, 0, 0, 0, 0);
        }
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        List<Integer> cpus = null;
        double seconds = 5;
        double warmup = 3;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--cpu" -> cpus = EngineConfig.parseCpus(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: RoutedPipelineBench DATA_DIR [--cpu LIST] [--seconds S] [--warmup S]");
            }
        }
        if (cpus == null) {
            cpus = List.of(EngineConfig.defaults().cpus().getFirst());
        }
        double ghz = PipelineBench.cpuGhz();
        System.out.printf(Locale.ROOT, "junction routed pipeline benchmark: %d worker%s on CPU %s, 64-byte frames, %.1f GHz nominal%n",
                cpus.size(), cpus.size() == 1 ? "" : "s", cpus, ghz);
        for (String family : new String[] {"ipv4", "ipv6"}) {
            run(family, data.resolve("iprbench-tier1-" + family + ".txt.xz"), cpus, warmup, seconds, ghz);
        }
    }

    static long allocated(com.sun.management.ThreadMXBean mx, List<Thread> threads) {
        long sum = 0;
        for (Thread t : threads) {
            sum += mx.getThreadAllocatedBytes(t.threadId());
        }
        return sum;
    }

    static List<String> read(Path xzFile) throws Exception {
        Process xz = new ProcessBuilder("xz", "-dc", xzFile.toString()).start();
        List<String> out = new ArrayList<>(1 << 20);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(xz.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String l; (l = r.readLine()) != null; ) {
                out.add(l);
            }
        }
        if (xz.waitFor() != 0) {
            throw new IllegalStateException("xz -dc " + xzFile + " failed");
        }
        return out;
    }

    static void run(String family, Path table, List<Integer> cpus, double warmup, double seconds, double ghz) throws Exception {
        boolean v6 = family.equals("ipv6");
        List<String> prefixes = read(table);
        // One destination per route, a random address inside it, in random order.
        SplittableRandom rnd = new SplittableRandom(42);
        int n = prefixes.size();
        int[] dst4 = v6 ? null : new int[n];
        long[] dstHigh = v6 ? new long[n] : null;
        long[] dstLow = v6 ? new long[n] : null;
        for (int i = 0; i < n; i++) {
            String p = prefixes.get(i);
            int len = Integer.parseInt(p.substring(p.indexOf('/') + 1));
            if (v6) {
                Ipv6Prefix q = Ipv6Prefix.parse(p);
                long hostHigh = rnd.nextLong() & ~Ipv6Prefix.highMask(len);
                long hostLow = rnd.nextLong() & ~Ipv6Prefix.lowMask(len);
                dstHigh[i] = q.high() | hostHigh;
                dstLow[i] = q.low() | hostLow;
            } else {
                int mask = len == 0 ? 0 : -1 << (32 - len);
                dst4[i] = Ipv4.parse(p.substring(0, p.indexOf('/'))) | (rnd.nextInt() & ~mask);
            }
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            if (v6) {
                long t = dstHigh[i]; dstHigh[i] = dstHigh[j]; dstHigh[j] = t;
                t = dstLow[i]; dstLow[i] = dstLow[j]; dstLow[j] = t;
            } else {
                int t = dst4[i]; dst4[i] = dst4[j]; dst4[j] = t;
            }
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EngineConfig config = new EngineConfig(cpus, IdleStrategy.Mode.SPIN, EngineConfig.DEFAULT_POOL_BUFFERS, false);
        TableTraffic gen = v6 ? new TableTraffic(dstHigh, dstLow) : new TableTraffic(dst4);
        gen.queues(cpus.size());
        try (MemoryDevice sink = new MemoryDevice("sink", ROUTER_MAC + 1, null, false);
                Engine engine = new Engine(config)) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            dev.junction.routing.internal.Vrfs vrfs = new dev.junction.routing.internal.Vrfs();
            Ip4Tables t4 = vrfs.ip4(0);
            Ip6Tables t6 = vrfs.ip6(0);
            for (PacketNode node : RoutingNodes.create(vrfs)) {
                engine.addNode(node, "bench");
            }
            RoutingControl control = new RoutingControl(t4, t6, engine);
            control.addAddress("gen", "10.1.0.1/24");
            control.addAddress("sink", "10.2.0.1/24");
            control.addAddress("gen", "fd01::1/64");
            control.addAddress("sink", "fd02::1/64");
            int sinkIf = engine.interfaces().stream().filter(s -> s.name().equals("sink")).mapToInt(InterfaceStatus::index).findFirst().orElseThrow();
            t4.neighbours.learn(sinkIf, Ipv4.parse("10.2.0.2"), NEXT_HOP_MAC, System.nanoTime());
            t6.neighbours.learn(sinkIf, 0xFD02_0000_0000_0000L, 2, NEXT_HOP_MAC, System.nanoTime());
            List<String[]> routes = new ArrayList<>(n);
            for (String p : prefixes) {
                routes.add(new String[] {p, v6 ? "fd02::2" : "10.2.0.2"});
            }
            System.gc();
            long heap0 = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            RoutingControl.LoadResult load = control.loadTable("table", routes, s -> { });
            routes = null;
            prefixes = null;
            System.gc();
            long heap1 = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            System.out.printf(Locale.ROOT, "junction %s table load: %d routes in %.2f s (ip:load path), FIB %.0f MiB, heap delta %.0f MiB%n",
                    family, load.routes(), load.nanos() / 1e9, load.fibBytes() / 1048576.0, (heap1 - heap0) / 1048576.0);
            engine.start();
            int workers = cpus.size();
            List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("junction-worker-")).toList();
            if (threads.size() != workers) {
                throw new IllegalStateException(threads.size() + " worker threads, " + workers + " expected");
            }
            Thread.sleep((long) (warmup * 1000));
            engine.clearRuntime();
            long a0 = allocated(mx, threads);
            long p0 = sink.counters().txPackets();
            long g0 = gen.generated();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long p1 = sink.counters().txPackets();
            long g1 = gen.generated();
            long t1 = System.nanoTime();
            long a1 = allocated(mx, threads);
            long packets = p1 - p0;
            double pps = packets * 1e9 / (t1 - t0);
            double ns = workers * 1e9 / pps; // a worker's time per packet: the cost on one core
            long drops = 0;
            for (DropCount d : engine.drops()) {
                drops += d.count();
            }
            System.out.printf(Locale.ROOT,
                    "junction %s-routed mpps=%.2f workers=%d mpps_per_worker=%.2f ns_per_packet=%.1f cycles_per_packet=%.1f"
                            + " bytes_per_packet=%.4f forwarded=%d generated=%d dropped=%d%n",
                    family, pps / 1e6, workers, pps / 1e6 / workers, ns, ns * ghz, (double) (a1 - a0) / packets, packets, g1 - g0, drops);
            if (drops > 0) {
                System.out.println("  drops: " + engine.drops());
            }
            StringBuilder nodes = new StringBuilder("  ns per packet by node:");
            for (dev.junction.dataplane.NodeRuntime r : engine.runtime()) {
                if (r.packets() > 0) {
                    nodes.append(String.format(Locale.ROOT, " %s %.1f", r.name(), (double) r.nanos() / r.packets()));
                }
            }
            System.out.println(nodes);
        }
    }
}
