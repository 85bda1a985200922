package dev.junction.drivers.vhost;

import dev.junction.device.QueueCounters;
import dev.junction.device.TxQueue;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One worker's transmit queue into the guest's receive virtqueue (ring 0). The virtio-net header is
 * written into the packet buffer's headroom, just in front of the frame, so that header and frame go
 * out as one run of bytes; with mergeable buffers a frame may fill several chains (num_buffers says
 * how many). When the ring has no room, the frames left are not taken (the core drops and counts
 * them). Workers that share the ring take turns through {@link RingSlot}: a busy ring takes nothing.
 */
final class GuestReceiveQueue implements TxQueue {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    final QueueCounters counters = new QueueCounters();
    private final DeviceHealth health;
    private final RingSlot slot;

    GuestReceiveQueue(DeviceHealth health, RingSlot slot) {
        this.health = health;
        this.slot = slot;
    }

    @Override
    public int transmit(PacketPool pool, PacketVector packets) {
        if (health.isBroken()) {
            return 0;
        }
        SplitVirtqueue q = slot.enter();
        if (q == null) {
            return 0;
        }
        MemorySegment mem = pool.memory();
        int header = q.headerLength;
        boolean mergeable = q.mergeable;
        int pending = q.pending();
        int count = packets.count();
        int consumed = 0; // ring entries filled in this batch
        int i = 0;
        int sent = 0;
        long bytes = 0;
        frames:
        for (; i < count && pending >= 0; i++) {
            int b = packets.buffer(i);
            int len = pool.length(b);
            int need = header + len;
            if (pool.headroom(b) < header) {
                pool.free(b);
                counters.errors++;
                continue;
            }
            // How many chains the frame needs (without mergeable buffers it must fit one).
            int heads = 0;
            long room = 0;
            while (room < need && (heads == 0 || mergeable)) {
                if (consumed + heads >= pending) {
                    break frames; // the ring is full: the rest is not taken
                }
                int h = q.head(consumed + heads);
                long c = h < 0 ? -1 : q.writableCapacity(h);
                if (c < 0) {
                    break frames;
                }
                room += c;
                heads++;
            }
            if (room < need) {
                pool.free(b); // a buffer too small for the frame, and no merging: dropped
                counters.errors++;
                continue;
            }
            long start = pool.data(b) - header;
            mem.set(LONG, start, 0L); // flags, gso_type, hdr_len, gso_size, csum_start: no offloads
            mem.set(SHORT, start + 8, (short) 0); // csum_offset
            if (header == 12) {
                mem.set(SHORT, start + 10, (short) heads);
            }
            int remaining = need;
            long from = start;
            for (int k = 0; k < heads; k++) {
                int h = q.head(consumed + k);
                int w = h < 0 ? -1 : q.scatter(h, mem, from, remaining);
                if (w < 0) {
                    break frames;
                }
                q.putUsed(consumed + k, h, w);
                from += w;
                remaining -= w;
            }
            if (remaining != 0) {
                q.violation = GuestViolation.CHANGED;
                break;
            }
            consumed += heads;
            sent++;
            bytes += len;
            pool.free(b);
        }
        if (consumed > 0) {
            q.complete(consumed);
        }
        int violation = q.violation;
        slot.leave();
        counters.packets += sent;
        counters.bytes += bytes;
        if (violation != GuestViolation.NONE) {
            health.markBroken(violation);
        }
        return i;
    }
}
