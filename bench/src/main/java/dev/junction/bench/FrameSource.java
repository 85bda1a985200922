package dev.junction.bench;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;

/**
 * A benchmark's traffic generator, device {@code gen} with one queue: each frame received is a copy
 * of a 64-byte template that {@link #fill} then varies (the fields of the frame's turn); what is sent
 * to it is freed. The benches that need more (several queues, other lengths) have their own.
 */
abstract class FrameSource implements NetDevice, RxQueue, TxQueue {
    private final MemorySegment template;
    private final String driver;
    private final long mac;
    volatile long generated;
    private long count;

    FrameSource(byte[] template, String driver, long mac) {
        this.template = MemorySegment.ofArray(template);
        this.driver = driver;
        this.mac = mac;
    }

    /** Varies the copy of the template at {@code frame} for the next turn. */
    abstract void fill(MemorySegment mem, long frame);

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
            fill(mem, f);
            pool.length(b, 64);
            into.add(b);
        }
        count += n;
        generated = count;
        return n;
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
        return driver;
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
        return new DeviceCounters(generated, generated * 64, 0, 0, 0, 0);
    }
}
