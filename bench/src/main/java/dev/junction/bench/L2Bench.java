package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.graph.PacketNode;
import dev.junction.l2.BridgeSettings;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.tunnel.TunnelControl;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.routing.LocalService;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Layer-2 switching and VXLAN on one worker, in memory, 64-byte frames, the cases CSIT's
 * l2bdbasemaclrn / l2bdscale and its VXLAN tests measure:
 * <ul>
 * <li>{@code bridge-1k} / {@code bridge-100k}: two ports p1 and p2 in one bridge domain with
 * learning; p1 sends from half of the MACs to the other half, p2 the reverse, so that after the
 * warm-up every destination is learned (on the other port) and every frame is one source and one
 * destination lookup in the MAC table and out of one port;</li>
 * <li>{@code vxlan-encap}: p1's frames bridged to a VXLAN tunnel (the destinations static on it),
 * encapsulated, routed (ip4-lookup, ip4-rewrite to a resolved neighbour) out of p2;</li>
 * <li>{@code vxlan-decap}: p2 sends VXLAN packets to the router's address, which go ip4-input,
 * ip4-lookup, ip4-local, vxlan-input, and the inner frames (to MACs static on p1) bridged out of p1.</li>
 * </ul>
 * The ports are bench devices that write frames from prebuilt templates (one copy per frame, the
 * MACs of the frame's turn) and free what they are sent. Reports Mpps, ns and cycles per packet
 * and bytes the worker allocated per packet.
 * Usage: {@code L2Bench CASE[,CASE...] [--cpu N] [--seconds S] [--warmup S]}.
 */
public final class L2Bench {
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long MAC_BASE_A = 0x02_0a_00_00_00_00L, MAC_BASE_B = 0x02_0b_00_00_00_00L;
    private static final long NEXT_HOP_MAC = 0x02_00_00_00_00_99L;

    /**
     * A port: its receive side writes frames in turn from {@code count} variants of a template (the
     * inner or only Ethernet MACs varied: source from one set, destination from the other); its
     * transmit side counts and frees.
     */
    static final class Port implements NetDevice, RxQueue, TxQueue {
        private final String name;
        private final long mac;
        private final MemorySegment template;
        private final int length;
        /** Where the varied MACs sit in the frame (0, or 50 for the inner frame of a VXLAN packet). */
        private final int macAt;
        private final long srcBase, dstBase;
        private final int count;
        private final boolean generate;
        private int next;
        volatile long received, sent;
        private long rx, tx;

        Port(String name, long mac, byte[] template, int macAt, long srcBase, long dstBase, int count, boolean generate) {
            this.name = name;
            this.mac = mac;
            this.template = MemorySegment.ofArray(template);
            this.length = template.length;
            this.macAt = macAt;
            this.srcBase = srcBase;
            this.dstBase = dstBase;
            this.count = count;
            this.generate = generate;
        }

        @Override
        public int receive(PacketPool pool, PacketVector into, int max) {
            if (!generate) {
                return 0;
            }
            MemorySegment mem = pool.memory();
            int n = 0;
            for (; n < max && !into.isFull(); n++) {
                int b = pool.allocate();
                if (b < 0) {
                    break;
                }
                long f = pool.data(b);
                MemorySegment.copy(template, 0, mem, f, length);
                // Host i of this side talks to host i of the other: sources and destinations both span the set.
                Ethernet.destination(mem, f + macAt, dstBase + next);
                Ethernet.source(mem, f + macAt, srcBase + next);
                if (++next == count) {
                    next = 0;
                }
                pool.length(b, length);
                into.add(b);
            }
            rx += n;
            received = rx;
            return n;
        }

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            int n = packets.count();
            for (int i = 0; i < n; i++) {
                pool.free(packets.buffer(i));
            }
            tx += n;
            sent = tx;
            return n;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String driver() {
            return "bench-l2";
        }

        @Override
        public long mac() {
            return mac;
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
            return 1;
        }

        @Override
        public RxQueue rxQueue(int q) {
            return this;
        }

        @Override
        public TxQueue txQueue(int worker) {
            return this;
        }

        @Override
        public DeviceCounters counters() {
            return new DeviceCounters(received, received * length, 0, sent, sent * length, 0);
        }
    }

    /** A 60-byte UDP/IPv4 frame (64 on the wire with the FCS), MACs to be filled in. */
    static byte[] udpFrame() {
        byte[] f = new byte[60];
        MemorySegment s = MemorySegment.ofArray(f);
        Ethernet.etherType(s, 0, Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(s, 14, 46, 64, Ipv4.PROTO_UDP, 0x0A00_0001, 0x0A00_0002);
        s.set(NET_INT, 34, 1024 << 16 | 5001);
        s.set(NET_INT, 38, 26 << 16);
        return f;
    }

    /** The 60-byte frame in VXLAN (VNI 100) from 10.9.0.2 to the router's 10.9.0.1, to the router's MAC: 110 bytes. */
    static byte[] vxlanPacket(long routerMac) {
        byte[] f = new byte[50 + 60];
        MemorySegment s = MemorySegment.ofArray(f);
        Ethernet.destination(s, 0, routerMac);
        Ethernet.source(s, 0, NEXT_HOP_MAC);
        Ethernet.etherType(s, 0, Ethernet.TYPE_IPV4);
        Ipv4.writeHeader(s, 14, 20 + 8 + 8 + 60, 64, Ipv4.PROTO_UDP, Ipv4.parse("10.9.0.2"), Ipv4.parse("10.9.0.1"));
        s.set(NET_INT, 34, 0xC123 << 16 | 4789);
        s.set(NET_INT, 38, (8 + 8 + 60) << 16);
        s.set(NET_INT, 42, 0x0800_0000);
        s.set(NET_INT, 46, 100 << 8);
        MemorySegment.copy(udpFrame(), 0, s, ValueLayout.JAVA_BYTE, 50, 60);
        return f;
    }

    public static void main(String[] args) throws Exception {
        List<String> cases = List.of(args.length > 0 ? args[0].split(",") : new String[] {"bridge-1k"});
        int cpu = -2;
        double seconds = 5;
        double warmup = 3;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--cpu" -> cpu = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: L2Bench bridge-1k,bridge-100k,vxlan-encap,vxlan-decap [--cpu N] [--seconds S] [--warmup S]");
            }
        }
        if (cpu == -2) {
            cpu = EngineConfig.defaults().cpus().getFirst();
        }
        double ghz = PipelineBench.cpuGhz();
        System.out.printf(Locale.ROOT, "junction l2 benchmark: 1 worker on CPU %d, 64-byte frames, %.1f GHz nominal%n", cpu, ghz);
        for (String c : cases) {
            run(c, cpu, warmup, seconds, ghz);
        }
    }

    static void run(String name, int cpu, double warmup, double seconds, double ghz) throws Exception {
        int macs = switch (name) {
            case "bridge-100k" -> 100_000;
            case "bridge-1k", "vxlan-encap", "vxlan-decap" -> 1_000;
            default -> throw new IllegalArgumentException("no case " + name + " (bridge-1k, bridge-100k, vxlan-encap, vxlan-decap)");
        };
        int half = macs / 2;
        EngineConfig config = new EngineConfig(List.of(cpu), IdleStrategy.Mode.SPIN, EngineConfig.DEFAULT_POOL_BUFFERS, false);
        long p1Mac = 0x02_00_00_00_00_01L, p2Mac = 0x02_00_00_00_00_02L;
        boolean encap = name.equals("vxlan-encap"), decap = name.equals("vxlan-decap");
        Port p1 = new Port("p1", p1Mac, udpFrame(), 0, MAC_BASE_A, MAC_BASE_B, half, !decap);
        Port p2 = decap ? new Port("p2", p2Mac, vxlanPacket(p2Mac), 50, MAC_BASE_B, MAC_BASE_A, half, true)
                : new Port("p2", p2Mac, udpFrame(), 0, MAC_BASE_B, MAC_BASE_A, half, !encap);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Engine engine = new Engine(config)) {
            engine.addDevice(p1);
            engine.addDevice(p2);
            Vrfs vrfs = new Vrfs();
            BridgeControl bridges = new BridgeControl(s -> engine.register(s, "l2"), engine::unregister);
            TunnelControl tunnels = null;
            bridges.domain(BridgeSettings.defaults("blue").withMacLimit(Math.max(macs * 2, BridgeSettings.DEFAULT_MAC_LIMIT)));
            if (encap || decap) {
                for (PacketNode n : RoutingNodes.create(vrfs)) {
                    engine.addNode(n, "routing");
                }
                RoutingControl routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine);
                routing.addAddress("p2", "10.9.0.1/24");
                int p2If = engine.interfaces().stream().filter(s -> s.name().equals("p2")).mapToInt(InterfaceStatus::index).findFirst().orElseThrow();
                vrfs.neighbours4.learn(p2If, Ipv4.parse("10.9.0.2"), NEXT_HOP_MAC, System.nanoTime());
                tunnels = new TunnelControl(s -> {
                    switch (s) {
                        case NetDevice d -> engine.addDevice(d);
                        case LocalService l -> vrfs.localServices.add(l, () -> engine.refreshNext("ip4-local"));
                        default -> engine.register(s, "overlay");
                    }
                }, s -> {
                    switch (s) {
                        case NetDevice d -> engine.removeDevice(d);
                        case LocalService l -> vrfs.localServices.remove(l, () -> { });
                        default -> engine.unregister(s);
                    }
                }, engine, vrf -> 0, new TunnelControl.Underlay() {
                    @Override
                    public dev.junction.routing.Routing.AdjacencyEntry resolve(String vrf, String address) {
                        return routing.resolve(address);
                    }

                    @Override
                    public dev.junction.routing.Ip4Neighbours neighbours() {
                        return vrfs.neighbours4::lookup; // as Routing.ip4Neighbours gives it in OSGi
                    }
                });
                tunnels.tunnel(TunnelSettings.vxlan("vx0", "10.9.0.1", "10.9.0.2", 100));
                tunnels.start();
                bridges.port("p1", "blue", 0);
                bridges.port("vx0", "blue", 1);
                for (int i = 0; i < half; i++) {
                    // Encapsulation: p1's destinations live behind the tunnel; decapsulation: the inner destinations on p1.
                    bridges.staticMac("blue", encap ? MAC_BASE_B + i : MAC_BASE_A + i, encap ? "vx0" : "p1");
                }
            } else {
                bridges.port("p1", "blue", 0);
                bridges.port("p2", "blue", 0);
            }
            engine.start();
            Thread worker = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("junction-worker-0")).findFirst().orElseThrow();
            Thread.sleep((long) (warmup * 1000));
            long learned = bridges.domains().getFirst().macs();
            long flooded0 = bridges.domains().getFirst().counter("unknown-unicast-flooded");
            engine.clearRuntime();
            long a0 = mx.getThreadAllocatedBytes(worker.threadId());
            long o0 = p1.sent + p2.sent;
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long o1 = p1.sent + p2.sent;
            long t1 = System.nanoTime();
            long a1 = mx.getThreadAllocatedBytes(worker.threadId());
            long packets = o1 - o0;
            double pps = packets * 1e9 / (t1 - t0);
            double ns = 1e9 / pps;
            long drops = 0;
            for (DropCount d : engine.drops()) {
                drops += d.count();
            }
            long flooded = bridges.domains().getFirst().counter("unknown-unicast-flooded") - flooded0;
            System.out.printf(Locale.ROOT,
                    "junction %s mpps=%.2f ns_per_packet=%.1f cycles_per_packet=%.1f bytes_per_packet=%.4f out=%d macs=%d dropped=%d unknown_unicast_flooded=%d%n",
                    name, pps / 1e6, ns, ns * ghz, (double) (a1 - a0) / packets, packets, learned, drops, flooded);
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
            if (tunnels != null) {
                tunnels.close();
            }
            bridges.close();
        }
    }
}
