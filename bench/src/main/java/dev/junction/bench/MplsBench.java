package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.mpls.control.MplsControl;
import dev.junction.mpls.nodes.MplsImposeNode;
import dev.junction.mpls.nodes.MplsLookupNode;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.routing.internal.VrfControl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * MPLS forwarding on one worker, in memory, 64-byte frames, with {@code --labels N} entries (default
 * 100,000) and the full Internet IPv4 table loaded beside them:
 * <ul>
 * <li>{@code swap}: frames with one label (IPv4 under it), each a random one of the N labels, each
 * label swapped to another towards one neighbour: ethernet-input -> mpls-lookup -> output -> sink;</li>
 * <li>{@code impose}: IPv4 frames, each to a random one of N /32 prefixes that mpls-ftn entries steer
 * to mpls-impose, one label pushed: ethernet-input -> ip4-input -> ip4-lookup (the full table and the
 * N steered prefixes) -> mpls-impose -> output -> sink;</li>
 * <li>{@code routed}: the reference, RoutedPipelineBench's IPv4 case (the full table, no MPLS).</li>
 * </ul>
 * The entries are made as statements would make them ({@link MplsControl#putLabel},
 * {@link MplsControl#putFtn}), the steering through routing's own steer path. Reports the time to
 * make the N entries, then Mpps, ns and cycles per packet, bytes the worker allocated per packet and
 * the mpls nodes' counters (which prove every frame took the MPLS path).
 * Usage: {@code MplsBench DATA_DIR CASE [--cpu N] [--seconds S] [--warmup S] [--labels N]}.
 */
public final class MplsBench {
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long ROUTER_MAC = 0x02_00_00_00_00_01L;
    private static final long HOST_MAC = 0x02_00_00_00_00_02L;
    /** The first incoming label; label i + OUT_OFFSET goes out. */
    private static final int FIRST_LABEL = 1000, OUT_OFFSET = 300_000;
    /** The imposition prefixes: /32s from here up (198.18.0.0/15, RFC 2544's benchmark range). */
    private static final int FIRST_FTN = Ipv4.parse("198.18.0.0");

    /**
     * Generates 64-byte frames from one template, writing one 32-bit word of each frame's turn at
     * {@code at} (a label stack entry, or an IPv4 destination with the header checksum redone).
     */
    static final class WordTraffic extends FrameSource {
        private final int at;
        private final int[] words;
        private final boolean ipv4Checksum;
        private int next;

        WordTraffic(byte[] template, int at, int[] words, boolean ipv4Checksum) {
            super(template, "bench-word-traffic", ROUTER_MAC);
            this.at = at;
            this.words = words;
            this.ipv4Checksum = ipv4Checksum;
        }

        @Override
        void fill(MemorySegment mem, long f) {
            mem.set(NET_INT, f + at, words[next]);
            if (ipv4Checksum) {
                Ipv4.updateChecksum(mem, f + 14);
            }
            if (++next == words.length) {
                next = 0;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException(
                    "usage: MplsBench DATA_DIR swap|impose|routed [--cpu N] [--seconds S] [--warmup S] [--labels N]");
        }
        Path data = Path.of(args[0]);
        String which = args[1];
        int cpu = EngineConfig.defaults().cpus().getFirst();
        double seconds = 5;
        double warmup = 3;
        int labels = 100_000;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--cpu" -> cpu = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--labels" -> labels = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        double ghz = PipelineBench.cpuGhz();
        Path table = data.resolve("iprbench-tier1-ipv4.txt.xz");
        switch (which) {
            case "routed" -> RoutedPipelineBench.run("ipv4", table, List.of(cpu), warmup, seconds, ghz);
            case "swap", "impose" -> run(which, table, labels, cpu, warmup, seconds, ghz);
            default -> throw new IllegalArgumentException("case " + which + ": use swap, impose or routed");
        }
    }

    static void run(String which, Path table, int n, int cpu, double warmup, double seconds, double ghz) throws Exception {
        boolean swap = which.equals("swap");
        SplittableRandom rnd = new SplittableRandom(42);
        int[] words = new int[n];
        for (int i = 0; i < n; i++) {
            words[i] = swap ? (FIRST_LABEL + i) << 12 | 1 << 8 | 64 : FIRST_FTN + i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = words[i];
            words[i] = words[j];
            words[j] = t;
        }
        byte[] frame = new byte[64];
        MemorySegment t = MemorySegment.ofArray(frame);
        Ethernet.destination(t, 0, ROUTER_MAC);
        Ethernet.source(t, 0, HOST_MAC);
        int ip = swap ? 18 : 14;
        Ethernet.etherType(t, 0, swap ? 0x8847 : Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(t, ip, 64 - ip, 64, Ipv4.PROTO_UDP, 0x0A01_0002, FIRST_FTN);
        WordTraffic gen = new WordTraffic(frame, swap ? 14 : 14 + 16, words, !swap);

        EngineConfig config = new EngineConfig(List.of(cpu), IdleStrategy.Mode.SPIN, EngineConfig.DEFAULT_POOL_BUFFERS, false);
        try (MemoryDevice sink = new MemoryDevice("sink", ROUTER_MAC + 1, null, false);
                Engine engine = new Engine(config)) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            BenchRouting bench = new BenchRouting(engine);
            VrfControl routing = bench.control;
            bench.loadFullTable(table);

            MplsTables tables = new MplsTables();
            MplsControl mpls = new MplsControl(tables, new MplsControl.Resolver() {
                @Override
                public int vrfId(String vrf) {
                    if (!vrf.equals("default")) {
                        throw new IllegalArgumentException("no VRF " + vrf);
                    }
                    return 0;
                }

                @Override
                public long resolve(int gw, int[] wish) {
                    if (gw == BenchRouting.NEXT_HOP) {
                        return (long) bench.sinkIf << 48 | BenchRouting.NEXT_HOP_MAC;
                    }
                    wish[0] = -1;
                    return -1;
                }

                @Override
                public String ifName(int ifIndex) {
                    return "if" + ifIndex;
                }
            }, (vrf, prefix, index) -> {
                routing.steer(vrf, prefix, MplsImposeNode.NAME, index);
                return () -> routing.unsteer(vrf, prefix);
            });
            engine.addNode(new MplsLookupNode(tables), "mpls");
            engine.addNode(new MplsImposeNode(tables), "mpls");
            long m0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (swap) {
                    mpls.putLabel("l" + i, FIRST_LABEL + i, "swap", "10.2.0.2", Integer.toString(FIRST_LABEL + i + OUT_OFFSET),
                            null, true);
                } else {
                    mpls.putFtn("f" + i, null, Ipv4.format(FIRST_FTN + i) + "/32", "10.2.0.2",
                            Integer.toString(FIRST_LABEL + i), true, dev.junction.mpls.tables.FtnEntry.TC_COPY);
                }
            }
            long m1 = System.nanoTime();
            System.out.printf(Locale.ROOT, "junction mpls %s entries: %d made in %.2f s (the statements' path)%n",
                    swap ? "label" : "imposition", n, (m1 - m0) / 1e9);

            engine.start();
            Thread.sleep((long) (warmup * 1000));
            engine.clearRuntime();
            TimedWindow w = TimedWindow.time(sink, seconds);
            System.out.printf(Locale.ROOT,
                    "junction mpls-%s mpps=%.2f ns_per_packet=%.1f cycles_per_packet=%.1f bytes_per_packet=%.4f"
                            + " forwarded=%d dropped=%d labels=%d%n",
                    which, w.mpps(), w.nsPerPacket(), w.nsPerPacket() * ghz, w.bytesPerPacket(), w.packets(),
                    BenchReport.drops(engine), n);
            BenchReport.details(engine, "mpls-");
            mpls.close();
        }
    }
}
