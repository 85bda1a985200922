package dev.junction.core.engine;

import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** CPU affinity of the calling thread (sched_setaffinity/sched_getaffinity, gettid through {@link Libc}). */
public final class Affinity {
    /** Bytes of the CPU mask we pass: 1024 CPUs, glibc's cpu_set_t. */
    private static final int MASK_BYTES = 128;

    private Affinity() {
    }

    /** The kernel's id of the calling thread (what /proc/self/task lists). */
    public static int currentTid() {
        try (Arena arena = Arena.ofConfined()) {
            return Libc.gettid(arena.allocate(Libc.CALL_STATE));
        }
    }

    /** Restricts the calling thread to one CPU; throws with the errno when the kernel refuses. */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= MASK_BYTES * 8) {
            throw new IllegalArgumentException("CPU must be 0.." + (MASK_BYTES * 8 - 1) + ", not " + cpu);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES);
            mask.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            MemorySegment state = arena.allocate(Libc.CALL_STATE);
            if (Libc.schedSetaffinity(state, 0, mask) != 0) {
                int errno = Errno.of(state);
                throw new IllegalStateException("sched_setaffinity(cpu " + cpu + ") failed: errno " + errno
                        + (errno == Errno.EINVAL ? " (EINVAL: no such CPU online or allowed)" : ""));
            }
        }
    }

    /** CPUs the thread {@code tid} (0: the calling thread) may run on. */
    public static List<Integer> cpusOf(int tid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES);
            MemorySegment state = arena.allocate(Libc.CALL_STATE);
            if (Libc.schedGetaffinity(state, tid, mask) < 0) {
                throw new IllegalStateException("sched_getaffinity failed: errno " + Errno.of(state));
            }
            List<Integer> cpus = new ArrayList<>();
            for (int cpu = 0; cpu < MASK_BYTES * 8; cpu++) {
                if ((mask.get(ValueLayout.JAVA_BYTE, cpu / 8) & (1 << (cpu % 8))) != 0) {
                    cpus.add(cpu);
                }
            }
            return cpus;
        }
    }

    /** Formats CPU numbers as a Linux CPU list, e.g. {@code 0-3,6}. */
    public static String format(List<Integer> cpus) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cpus.size(); i++) {
            int start = cpus.get(i);
            int end = start;
            while (i + 1 < cpus.size() && cpus.get(i + 1) == end + 1) {
                end = cpus.get(++i);
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(start);
            if (end != start) {
                sb.append('-').append(end);
            }
        }
        return sb.toString();
    }
}
