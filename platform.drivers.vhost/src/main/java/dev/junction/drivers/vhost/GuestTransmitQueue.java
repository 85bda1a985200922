package dev.junction.drivers.vhost;

import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;

/**
 * Junction's receive queue: frames the guest transmits (its transmit virtqueue, ring 1). Each chain
 * is copied, without its virtio-net header, into a pool buffer and returned to the guest at once.
 * A frame shorter than an Ethernet header or longer than a buffer is dropped and counted as an error;
 * a rule the guest breaks marks the device broken.
 */
final class GuestTransmitQueue implements RxQueue {
    private static final int MIN_FRAME = 14;
    final QueueCounters counters = new QueueCounters();
    private final DeviceHealth health;
    private final RingSlot slot;

    GuestTransmitQueue(DeviceHealth health, RingSlot slot) {
        this.health = health;
        this.slot = slot;
    }

    @Override
    public int receive(PacketPool pool, PacketVector into, int max) {
        if (health.isBroken()) {
            return 0;
        }
        SplitVirtqueue q = slot.enter();
        if (q == null) {
            return 0;
        }
        MemorySegment mem = pool.memory();
        int header = q.headerLength;
        int pending = q.pending();
        int taken = 0;
        int n = 0;
        long bytes = 0;
        while (taken < pending && n < max && !into.isFull()) {
            int head = q.head(taken);
            if (head < 0) {
                break;
            }
            int b = pool.allocate();
            if (b < 0) {
                break; // no buffer: the frame waits in the ring
            }
            int len = q.readChain(head, mem, pool.data(b), PacketPool.DATA_ROOM, header);
            if (len == SplitVirtqueue.CHAIN_VIOLATION) {
                pool.free(b);
                break;
            }
            q.putUsed(taken, head, 0); // the device wrote nothing into a transmit buffer
            taken++;
            if (len >= MIN_FRAME) {
                pool.length(b, len);
                into.add(b);
                n++;
                bytes += len;
            } else {
                pool.free(b);
                counters.errors++;
            }
        }
        if (taken > 0) {
            q.complete(taken);
        }
        int violation = q.violation;
        slot.leave();
        counters.packets += n;
        counters.bytes += bytes;
        if (violation != GuestViolation.NONE) {
            health.markBroken(violation);
        }
        return n;
    }
}
