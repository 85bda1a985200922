package dev.junction.device;

import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import org.osgi.annotation.versioning.ConsumerType;

/** A transmit queue: called by one worker. */
@ConsumerType
public interface TxQueue {
    /**
     * Sends the first packets of {@code packets}, in order, and returns how many it took. The queue owns
     * the buffers it took and returns each to {@code pool} (at once when it copies, later when the
     * hardware is done); the caller drops and counts the rest. Must not block.
     */
    int transmit(PacketPool pool, PacketVector packets);

    /**
     * The worker that sent on this queue is stopping, and {@code pool}, its pool, is freed when this
     * returns: a queue whose hardware may still read buffers it took (not yet completed) waits for
     * them or stops the hardware. Called once, on that worker's thread, after its last
     * {@link #transmit}. The default does nothing.
     */
    default void releaseTx(PacketPool pool) {
    }
}
