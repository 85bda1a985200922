package dev.junction.overlay.tunnel;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.overlay.TunnelSettings;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;

/**
 * A tunnel's interface. It has no queues of its own: the decapsulation node delivers its received
 * frames to the graph with it as the receiving interface, and the encapsulation node, a feature of
 * the output arc enabled on it, takes every frame sent to it. A frame that reaches its transmit
 * queue anyway (the encapsulation node not in the graph, during an update of this bundle) is freed
 * and counted as a transmit error. Counters are kept per worker by the nodes, plain adds.
 */
public final class TunnelDevice implements NetDevice {
    /** Per worker: rx packets, rx bytes, tx packets, tx bytes, too big; padded apart. */
    static final int RX_PACKETS = 0, RX_BYTES = 1, TX_PACKETS = 2, TX_BYTES = 3, TOO_BIG = 4, STRIDE = 8;
    private final String name;
    private final String driver;
    private final long mac;
    private volatile int mtu;
    /** Indexed by worker * STRIDE; grown by the control thread (a node skips counting beyond it). */
    volatile long[] counters;
    private volatile long txUnhandled;
    private final TxQueue unhandled = new TxQueue() {
        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            int n = packets.count();
            for (int i = 0; i < n; i++) {
                pool.free(packets.buffer(i));
            }
            txUnhandled += n; // only while no encapsulation node runs: one worker at a time in practice
            return n;
        }
    };

    TunnelDevice(TunnelSettings s, int workers) {
        this.name = s.name();
        this.driver = s.encapsulation();
        // Locally administered, from the name: stable across restarts, never sent (the outer header carries the router's MAC).
        this.mac = 0x02_4f_76_00_00_00L | (s.name().hashCode() & 0xFF_FFFFL);
        this.mtu = s.effectiveMtu();
        this.counters = new long[Math.max(1, workers) * STRIDE];
    }

    void mtu(int mtu) {
        this.mtu = mtu;
    }

    synchronized void workers(int count) {
        if (count * STRIDE > counters.length) {
            counters = java.util.Arrays.copyOf(counters, count * STRIDE);
        }
    }

    long counter(int which) {
        long[] c = counters;
        long sum = 0;
        for (int i = which; i < c.length; i += STRIDE) {
            sum += c[i];
        }
        return sum;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return driver;
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public int rxQueueCount() {
        return 0;
    }

    @Override
    public RxQueue rxQueue(int q) {
        throw new IndexOutOfBoundsException("a tunnel has no receive queues");
    }

    @Override
    public TxQueue txQueue(int worker) {
        return unhandled;
    }

    @Override
    public DeviceCounters counters() {
        return new DeviceCounters(counter(RX_PACKETS), counter(RX_BYTES), 0, counter(TX_PACKETS), counter(TX_BYTES),
                counter(TOO_BIG) + txUnhandled);
    }
}
