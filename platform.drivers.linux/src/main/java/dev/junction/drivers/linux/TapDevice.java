package dev.junction.drivers.linux;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.os.Errno;
import dev.junction.os.Libc;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A TAP interface Junction creates: the Linux side sees an Ethernet interface named like the device
 * (move it into a namespace, give it an address); Junction reads and writes its frames through
 * /dev/net/tun (IFF_TAP | IFF_NO_PI, non-blocking: a read per frame until the queue is empty).
 * Junction's end of the wire has a MAC of its own, derived from the name.
 */
public final class TapDevice implements NetDevice, LinuxDrops, AutoCloseable {
    // linux/if_tun.h
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private final String name;
    private final long mac;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private final int fd;
    private final Rx rx = new Rx();
    /** One per worker: each write(2) is a whole frame, so workers share the fd without a lock. */
    private final PerWorkerTx<Tx> txs = new PerWorkerTx<>(Tx::new, t -> t.counters);

    public TapDevice(String name) {
        if (name.length() > 15) {
            throw new IllegalArgumentException("a TAP name has at most 15 characters: " + name);
        }
        this.name = name;
        this.mac = 0x02_4A_00_00_00_00L | (("tap:" + name).hashCode() & 0xFFFF_FFFFL);
        MemorySegment path = arena.allocateFrom("/dev/net/tun", StandardCharsets.US_ASCII);
        int f = Libc.open(state, path, Libc.O_RDWR | Libc.O_NONBLOCK);
        if (f < 0) {
            arena.close();
            throw Errno.failure("open /dev/net/tun", state);
        }
        MemorySegment ifr = arena.allocate(40);
        MemorySegment.copy(name.getBytes(StandardCharsets.US_ASCII), 0, ifr, ValueLayout.JAVA_BYTE, 0, name.length());
        ifr.set(ValueLayout.JAVA_SHORT, 16, (short) (IFF_TAP | IFF_NO_PI));
        if (Libc.ioctl(state, f, TUNSETIFF, ifr) != 0) {
            IllegalStateException e = Errno.failure("TUNSETIFF " + name, state);
            Libc.close(state, f);
            arena.close();
            throw e;
        }
        this.fd = f;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return "tap";
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        // The TAP may have moved to another namespace, where sysfs here no longer sees it.
        return LinuxInterface.exists(name) ? LinuxInterface.mtu(name) : 1500;
    }

    @Override
    public boolean linkUp() {
        return true; // the file descriptor is the link
    }

    @Override
    public int rxQueueCount() {
        return 1;
    }

    @Override
    public RxQueue rxQueue(int q) {
        return rx;
    }

    @Override
    public TxQueue txQueue(int worker) {
        return txs.get(worker);
    }

    @Override
    public DeviceCounters counters() {
        return txs.counters(rx.counters);
    }

    /** {@link #counters()}'s errors by reason ({@code linux:drops}). */
    @Override
    public java.util.Map<String, Long> drops() {
        DeviceCounters c = counters();
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("rx read failed", c.rxErrors());
        m.put("tx write failed or short", c.txErrors());
        return m;
    }

    @Override
    public void close() {
        Libc.close(state, fd);
        arena.close();
    }

    private final class Rx implements RxQueue {
        final QueueCounters counters = new QueueCounters();
        private final MemorySegment rxState = arena.allocate(Libc.CALL_STATE);

        @Override
        public int receive(PacketPool pool, PacketVector into, int max) {
            long base = pool.memory().address();
            int n = 0;
            long bytes = 0;
            while (n < max && !into.isFull()) {
                int b = pool.allocate();
                if (b < 0) {
                    break;
                }
                long r = Libc.read(rxState, fd, base + pool.data(b), PacketPool.DATA_ROOM);
                if (r <= 0) {
                    pool.free(b);
                    if (r < 0 && Errno.of(rxState) != Errno.EAGAIN && Errno.of(rxState) != Errno.EINTR) {
                        counters.errors++;
                    }
                    break;
                }
                pool.length(b, (int) r);
                into.add(b);
                n++;
                bytes += r;
            }
            counters.packets += n;
            counters.bytes += bytes;
            return n;
        }
    }

    /** One write per frame. */
    private final class Tx implements TxQueue {
        final QueueCounters counters = new QueueCounters();
        private final MemorySegment txState = arena.allocate(Libc.CALL_STATE);

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            long base = pool.memory().address();
            int n = packets.count();
            for (int i = 0; i < n; i++) {
                int b = packets.buffer(i);
                int len = pool.length(b);
                if (Libc.write(txState, fd, base + pool.data(b), len) == len) {
                    counters.packets++;
                    counters.bytes += len;
                } else {
                    counters.errors++;
                }
                pool.free(b);
            }
            return n;
        }
    }
}
