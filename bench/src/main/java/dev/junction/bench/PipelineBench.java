package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.dataplane.NodeRuntime;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.graph.Arcs;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketVector;
import dev.junction.l2.xconnect.XconnectControl;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One worker, in memory: generator -> device-input -> ethernet-input -> l2-input [features] ->
 * l2-xconnect -> output -> interface-tx -> sink, 64-byte frames. Reports Mpps, ns and cycles per
 * packet and bytes the worker allocated per packet, for the plain path and with 8 pass-through
 * features on an arc. Usage: {@code PipelineBench [--cpu N] [--seconds S] [--warmup S] [--frame-size B]}.
 */
public final class PipelineBench {

    /** A feature that passes every packet on: the cost of one more node on an arc. */
    static final class PassThrough implements PacketNode {
        private final String name;
        private final List<String> after;

        PassThrough(int i) {
            name = "bench-pt-" + i;
            after = i == 0 ? List.of() : List.of("bench-pt-" + (i - 1));
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String arc() {
            return Arcs.L2_INPUT;
        }

        @Override
        public List<String> runsAfter() {
            return after;
        }

        @Override
        public void process(PacketVector v, NodeContext ctx) {
            // verdicts start as NEXT_FEATURE
        }
    }

    record Result(String name, double mpps, double nsPerPacket, double cyclesPerPacket, double bytesPerPacket,
            double packetsPerCall) {
    }

    public static void main(String[] args) throws Exception {
        int cpu = -2;
        double seconds = 5;
        double warmup = 3;
        int frameSize = 64;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--cpu" -> cpu = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--frame-size" -> frameSize = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: PipelineBench [--cpu N] [--seconds S] [--warmup S] [--frame-size B]");
            }
        }
        if (cpu == -2) {
            cpu = EngineConfig.defaults().cpus().getFirst();
        }
        double ghz = cpuGhz();
        System.out.printf(Locale.ROOT, "junction pipeline benchmark: 1 worker on CPU %d, %d-byte frames, %.1f GHz nominal%n",
                cpu, frameSize, ghz);
        for (int features : new int[] {0, 8}) {
            Result r = run(cpu, features, frameSize, warmup, seconds, ghz);
            System.out.printf(Locale.ROOT,
                    "junction %-14s mpps=%.2f ns_per_packet=%.1f cycles_per_packet=%.1f bytes_per_packet=%.4f packets_per_call=%.1f%n",
                    r.name, r.mpps, r.nsPerPacket, r.cyclesPerPacket, r.bytesPerPacket, r.packetsPerCall);
        }
    }

    static Result run(int cpu, int features, int frameSize, double warmup, double seconds, double ghz) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EngineConfig config = new EngineConfig(List.of(cpu), IdleStrategy.Mode.SPIN, EngineConfig.DEFAULT_POOL_BUFFERS, false);
        try (MemoryDevice gen = new MemoryDevice("mem0", 0x020000000001L, TrafficProfile.defaults().withFrameSize(frameSize), false);
                MemoryDevice sink = new MemoryDevice("mem1", 0x020000000002L, null, false);
                Engine engine = new Engine(config)) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            new XconnectControl(s -> engine.register(s, "bench"), engine::unregister).connect("mem0", "mem1");
            for (int i = 0; i < features; i++) {
                engine.addNode(new PassThrough(i), "bench");
            }
            engine.start();
            Thread worker = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("junction-worker-0")).findFirst().orElseThrow();
            Thread.sleep((long) (warmup * 1000));
            engine.clearRuntime();
            long a0 = mx.getThreadAllocatedBytes(worker.threadId());
            long p0 = sink.delivered();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long p1 = sink.delivered();
            long t1 = System.nanoTime();
            long a1 = mx.getThreadAllocatedBytes(worker.threadId());
            long packets = p1 - p0;
            double pps = packets * 1e9 / (t1 - t0);
            double ns = 1e9 / pps;
            double perCall = 0;
            for (NodeRuntime n : engine.runtime()) {
                if (n.name().equals("ethernet-input")) {
                    perCall = n.packetsPerCall();
                }
            }
            return new Result(features == 0 ? "plain" : features + "-features", pps / 1e6, ns, ns * ghz,
                    (double) (a1 - a0) / packets, perCall);
        }
    }

    static double cpuGhz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) {
                    return Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) / 1000.0;
                }
            }
        } catch (Exception e) {
            // unknown clock: cycles read 0
        }
        return 0;
    }
}
