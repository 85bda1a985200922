package dev.junction.device;

/**
 * Counters of one queue, written by the single thread that owns the queue and read by others (a
 * stale read is fine for statistics; plain 64-bit fields do not tear on the JVMs we run on).
 */
public final class QueueCounters {
    public long packets;
    public long bytes;
    public long errors;
}
