package dev.junction.l2.bvi;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One end of a patch: two software interfaces wired back to back, so that what one transmits the
 * other receives (a veth pair inside Junction). A BVI is one: its routed end has the addresses, its
 * bridge end is a bridge port. Each sending worker has its own {@link FrameRing} towards the peer,
 * and the peer's single receive queue drains them all: no locks on either side.
 */
public final class PatchEnd implements NetDevice {
    private final String name;
    private final long mac;
    /** The core reads it once a second (and at each interface change): a change reaches routing's MTU checks then. */
    private volatile int mtu = DEFAULT_MTU;
    public static final int DEFAULT_MTU = 1500;
    private PatchEnd peer;
    /** By sending worker: its queue, with the ring towards the peer (the peer receives from them all). */
    private volatile Sender[] senders = new Sender[0];
    private final QueueCounters rx = new QueueCounters();
    private final Receiver receiver = new Receiver();

    private PatchEnd(String name, long mac) {
        this.name = name;
        this.mac = mac;
    }

    /** Two ends wired to each other. */
    public static PatchEnd[] pair(String a, long macA, String b, long macB) {
        PatchEnd x = new PatchEnd(a, macA);
        PatchEnd y = new PatchEnd(b, macB);
        x.peer = y;
        y.peer = x;
        return new PatchEnd[] {x, y};
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return "l2-patch";
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** Sets the MTU this end reports (a BVI follows the smallest of its domain's ports). */
    public void mtu(int mtu) {
        this.mtu = mtu;
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
        return receiver;
    }

    /** Control path: the worker's queue, made the first time it is asked for. */
    @Override
    public synchronized TxQueue txQueue(int worker) {
        if (worker >= senders.length) {
            Sender[] s = Arrays.copyOf(senders, worker + 1);
            for (int w = senders.length; w <= worker; w++) {
                s[w] = new Sender(new FrameRing());
            }
            senders = s;
        }
        return senders[worker];
    }

    @Override
    public DeviceCounters counters() {
        long txp = 0, txb = 0, txe = 0;
        for (Sender s : senders) {
            txp += s.counters.packets;
            txb += s.counters.bytes;
            txe += s.counters.errors;
        }
        return new DeviceCounters(rx.packets, rx.bytes, 0, txp, txb, txe);
    }

    /** Copies each frame into the ring towards the peer and frees it; a full ring drops and counts. */
    private static final class Sender implements TxQueue {
        final FrameRing ring;
        final QueueCounters counters = new QueueCounters();

        Sender(FrameRing ring) {
            this.ring = ring;
        }

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            MemorySegment mem = pool.memory();
            int n = packets.count();
            for (int i = 0; i < n; i++) {
                int b = packets.buffer(i);
                int len = pool.length(b);
                if (ring.offer(mem, pool.data(b), len)) {
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

    /** Takes what the peer's workers sent, ring by ring. */
    private final class Receiver implements RxQueue {
        @Override
        public int receive(PacketPool pool, PacketVector into, int max) {
            Sender[] from = peer.senders;
            MemorySegment mem = pool.memory();
            int n = 0;
            for (Sender s : from) {
                FrameRing r = s.ring;
                int waiting = r.available();
                while (waiting-- > 0 && n < max && !into.isFull()) {
                    int b = pool.allocate();
                    if (b < 0) {
                        return n;
                    }
                    int len = r.headLength();
                    MemorySegment.copy(r.slots, r.offsetOfHead(), mem, pool.data(b), len);
                    r.advance();
                    pool.length(b, len);
                    into.add(b);
                    rx.packets++;
                    rx.bytes += len;
                    n++;
                }
            }
            return n;
        }
    }
}
