package dev.junction.graph;

import dev.junction.packet.PacketPool;
import java.lang.foreign.MemorySegment;
import org.osgi.annotation.versioning.ProviderType;

/** What a node sees of the worker running it. Valid only during {@link PacketNode#process}. */
@ProviderType
public interface NodeContext {

    /** The worker's number, 0-based: an index for per-worker state. */
    int worker();

    /** The packets' buffers and metadata. */
    PacketPool pool();

    /** Same as {@code pool().memory()}. */
    MemorySegment memory();

    /** {@link System#nanoTime()} taken once when the worker started this round. */
    long now();

    /** The interfaces as of the graph snapshot this round runs on. */
    InterfaceView interfaces();

    /** How many workers run the graph; {@link #worker()} is below it. */
    int workers();

    /**
     * Adds {@code delta} to the running node's counter {@code counter} (an index into its
     * {@link PacketNode#counters()}) on this worker: a plain add, no atomics.
     */
    void count(int counter, long delta);
}
