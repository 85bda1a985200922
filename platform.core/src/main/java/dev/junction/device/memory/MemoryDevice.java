package dev.junction.device.memory;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.packet.Ethernet;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A device made of memory, for tests, demos and benchmarks. Its receive side is a traffic generator
 * (when given a {@link TrafficProfile}); its transmit side is a sink that counts what arrives and,
 * when asked, checks that each frame is one the generator made.
 */
public final class MemoryDevice implements NetDevice, AutoCloseable {
    /** Marks generated frames: the four bytes after the UDP header. */
    public static final int MAGIC = 0x4A4E4354; // "JNCT"
    static final int PAYLOAD_OFFSET = 14 + 20 + 8;
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong NET_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int MAX_TX_QUEUES = 64;

    private final String name;
    private final long mac;
    private final TrafficProfile profile;
    private final boolean verify;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment templates;
    private final Generator generator;
    private final Sink[] sinks = new Sink[MAX_TX_QUEUES];

    /**
     * @param profile what to generate, or null for a device that only sinks
     * @param verify whether the sink checks every frame (costs a few ns per frame)
     */
    public MemoryDevice(String name, long mac, TrafficProfile profile, boolean verify) {
        this.name = name;
        this.mac = mac;
        this.profile = profile;
        this.verify = verify;
        if (profile != null) {
            templates = arena.allocate((long) profile.flows() * profile.frameSize(), 64);
            for (int f = 0; f < profile.flows(); f++) {
                FrameTemplates.writeUdp4(templates, (long) f * profile.frameSize(), profile, f);
            }
            generator = new Generator();
        } else {
            templates = null;
            generator = null;
        }
        for (int i = 0; i < sinks.length; i++) {
            sinks[i] = new Sink();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return profile == null ? "memory-sink" : "memory-generator";
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
        return generator == null ? 0 : 1;
    }

    @Override
    public RxQueue rxQueue(int q) {
        return generator;
    }

    @Override
    public TxQueue txQueue(int worker) {
        return sinks[worker % MAX_TX_QUEUES];
    }

    public TrafficProfile profile() {
        return profile;
    }

    /** Frames generated so far. */
    public long generated() {
        return generator == null ? 0 : generator.counters.packets;
    }

    /** True once a generator with a count has made all its frames. */
    public boolean generatorDone() {
        return generator != null && profile.count() > 0 && generator.counters.packets >= profile.count();
    }

    /** Frames that reached the sink. */
    public long delivered() {
        long n = 0;
        for (Sink s : sinks) {
            n += s.counters.packets;
        }
        return n;
    }

    /** Frames that reached the sink but were not ones the generator made (only counted with verify). */
    public long verifyFailures() {
        long n = 0;
        for (Sink s : sinks) {
            n += s.counters.errors;
        }
        return n;
    }

    @Override
    public DeviceCounters counters() {
        long rxp = 0, rxb = 0, txp = 0, txb = 0, txe = 0;
        if (generator != null) {
            rxp = generator.counters.packets;
            rxb = generator.counters.bytes;
        }
        for (Sink s : sinks) {
            txp += s.counters.packets;
            txb += s.counters.bytes;
            txe += s.counters.errors;
        }
        return new DeviceCounters(rxp, rxb, 0, txp, txb, txe);
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Writes frames from the per-flow templates, stamping a sequence number; rate-limited by elapsed time. */
    private final class Generator implements RxQueue {
        final QueueCounters counters = new QueueCounters();
        private final int frameSize = profile.frameSize();
        private final int flows = profile.flows();
        private final long count = profile.count();
        private final double framesPerNano = profile.ratePps() / 1e9;
        private long startNanos;
        private long seq;
        private int flow;

        @Override
        public int receive(PacketPool pool, PacketVector into, int max) {
            long budget = max;
            if (count > 0) {
                budget = Math.min(budget, count - seq);
            }
            if (framesPerNano > 0) {
                long now = System.nanoTime();
                if (startNanos == 0) {
                    startNanos = now;
                }
                long due = (long) ((now - startNanos) * framesPerNano) + 1 - seq;
                budget = Math.min(budget, due);
            }
            MemorySegment mem = pool.memory();
            int n = 0;
            for (; n < budget && !into.isFull(); n++) {
                int b = pool.allocate();
                if (b < 0) {
                    break;
                }
                long dst = pool.data(b);
                MemorySegment.copy(templates, (long) flow * frameSize, mem, dst, frameSize);
                mem.set(NET_LONG, dst + PAYLOAD_OFFSET + 4, seq++);
                pool.length(b, frameSize);
                if (++flow == flows) {
                    flow = 0;
                }
                into.add(b);
            }
            counters.packets += n;
            counters.bytes += (long) n * frameSize;
            return n;
        }
    }

    /** Counts and frees; with verify, checks the magic and the IPv4 header checksum. */
    private final class Sink implements TxQueue {
        final QueueCounters counters = new QueueCounters();

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            int n = packets.count();
            MemorySegment mem = pool.memory();
            long bytes = 0;
            long bad = 0;
            for (int i = 0; i < n; i++) {
                int b = packets.buffer(i);
                int len = pool.length(b);
                bytes += len;
                if (verify && !isGenerated(mem, pool.data(b), len)) {
                    bad++;
                }
                pool.free(b);
            }
            counters.packets += n;
            counters.bytes += bytes;
            counters.errors += bad;
            return n;
        }
    }

    static boolean isGenerated(MemorySegment mem, long frame, int len) {
        if (len < PAYLOAD_OFFSET + 12 || Ethernet.etherType(mem, frame) != Ethernet.TYPE_IPV4) {
            return false;
        }
        return mem.get(NET_INT, frame + PAYLOAD_OFFSET) == MAGIC
                && Ipv4.checksumOk(mem, frame + Ethernet.HEADER_LENGTH, Ipv4.headerLength(mem, frame + Ethernet.HEADER_LENGTH));
    }
}
