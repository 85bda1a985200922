package dev.junction.l2.bridge;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** A test port: frames the test queues are received, frames sent are kept for the test to read. */
final class FrameDevice implements NetDevice {
    private final String name;
    private final long mac;
    final ConcurrentLinkedQueue<byte[]> toReceive = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<byte[]> sent = new ConcurrentLinkedQueue<>();
    private final AtomicLong rx = new AtomicLong();
    private final AtomicLong tx = new AtomicLong();
    volatile boolean link = true;

    FrameDevice(String name, long mac) {
        this.name = name;
        this.mac = mac;
    }

    /** An ethernet frame from {@code src} to {@code dst}, 60 bytes, with a marker byte. */
    static byte[] frame(long dst, long src, int marker) {
        byte[] f = new byte[60];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        f[14] = (byte) marker;
        return f;
    }

    void receive(byte[] frame) {
        toReceive.add(frame);
    }

    /** The frames sent so far, taken. */
    List<byte[]> takeSent() {
        List<byte[]> out = new ArrayList<>();
        byte[] f;
        while ((f = sent.poll()) != null) {
            out.add(f);
        }
        return out;
    }

    long received() {
        return rx.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return "test";
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
        return link;
    }

    @Override
    public int rxQueueCount() {
        return 1;
    }

    @Override
    public RxQueue rxQueue(int q) {
        return this::pull;
    }

    @Override
    public TxQueue txQueue(int worker) {
        return this::push;
    }

    private int pull(PacketPool pool, PacketVector into, int max) {
        int n = 0;
        while (n < max && !into.isFull()) {
            byte[] f = toReceive.peek();
            if (f == null) {
                break;
            }
            int b = pool.allocate();
            if (b < 0) {
                break;
            }
            toReceive.poll();
            MemorySegment.copy(f, 0, pool.memory(), ValueLayout.JAVA_BYTE, pool.data(b), f.length);
            pool.length(b, f.length);
            into.add(b);
            n++;
        }
        rx.addAndGet(n);
        return n;
    }

    private int push(PacketPool pool, PacketVector packets) {
        int n = packets.count();
        for (int i = 0; i < n; i++) {
            int b = packets.buffer(i);
            byte[] f = new byte[pool.length(b)];
            MemorySegment.copy(pool.memory(), ValueLayout.JAVA_BYTE, pool.data(b), f, 0, f.length);
            sent.add(f);
            pool.free(b);
        }
        tx.addAndGet(n);
        return n;
    }

    @Override
    public DeviceCounters counters() {
        return new DeviceCounters(rx.get(), rx.get() * 60, 0, tx.get(), tx.get() * 60, 0);
    }
}
