package dev.junction.dataplane;

import java.util.List;

/**
 * A worker thread: the CPU it was asked to run on (-1: not pinned), the CPUs the kernel reports it
 * may run on, its idle strategy, its receive queues and how busy it is.
 */
public record WorkerStatus(int index, String thread, long tid, int cpu, String affinity, String idle,
        List<String> rxQueues, long polls, long busyPolls, long packets, long epoch) {
}
