package dev.junction.device;

import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import org.osgi.annotation.versioning.ConsumerType;

/** A receive queue: called by its worker's polling loop. */
@ConsumerType
public interface RxQueue {
    /**
     * Moves up to {@code max} received frames into buffers allocated from {@code pool} and appends
     * them to {@code into}, with data offset and length set. Returns how many were added; 0 when
     * nothing was waiting. Must not block.
     */
    int receive(PacketPool pool, PacketVector into, int max);

    /**
     * The worker that polled this queue is stopping, and {@code pool}, its pool, is freed when this
     * returns. A queue that keeps buffers of the pool between calls (a NIC's receive ring, which the
     * device writes into) must make sure nothing uses them after it returns. Called once, on that
     * worker's thread, after its last {@link #receive}. The default does nothing. (Named apart from
     * {@link TxQueue#releaseTx} so that one class may be both queues, as bench devices are.)
     */
    default void releaseRx(PacketPool pool) {
    }
}
