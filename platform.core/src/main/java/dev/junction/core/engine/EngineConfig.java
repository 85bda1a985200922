package dev.junction.core.engine;

import dev.junction.packet.PacketMemory;
import java.util.List;

/**
 * How the data plane runs: one worker per entry of {@code cpus} (-1: a worker that is not pinned),
 * what idle workers do, buffers per worker pool, and whether a quarantined feature's packets are
 * dropped (true) or bypass it (false, the default), and where the pools' memory comes from.
 */
public record EngineConfig(List<Integer> cpus, IdleStrategy.Mode idle, int poolBuffers, boolean dropQuarantined,
                           PacketMemory packetMemory) {
    public static final int DEFAULT_POOL_BUFFERS = 16384;

    /** Pools in plain native memory ({@link PacketMemory#NATIVE}). */
    public EngineConfig(List<Integer> cpus, IdleStrategy.Mode idle, int poolBuffers, boolean dropQuarantined) {
        this(cpus, idle, poolBuffers, dropQuarantined, PacketMemory.NATIVE);
    }

    public EngineConfig {
        cpus = List.copyOf(cpus);
        java.util.Objects.requireNonNull(packetMemory, "packetMemory");
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("at least one worker CPU is needed");
        }
        if (poolBuffers < 1024 || poolBuffers > (1 << 22)) {
            throw new IllegalArgumentException("buffers per worker must be 1024.." + (1 << 22) + ", not " + poolBuffers);
        }
    }

    /** One worker on the highest CPU this process may use, backing off when idle. */
    public static EngineConfig defaults() {
        List<Integer> allowed = Affinity.cpusOf(0);
        return new EngineConfig(List.of(allowed.getLast()), IdleStrategy.Mode.BACKOFF, DEFAULT_POOL_BUFFERS, false);
    }

    public EngineConfig withCpus(List<Integer> c) {
        return new EngineConfig(c, idle, poolBuffers, dropQuarantined, packetMemory);
    }

    public EngineConfig withIdle(IdleStrategy.Mode m) {
        return new EngineConfig(cpus, m, poolBuffers, dropQuarantined, packetMemory);
    }

    /** Worker pools cut from {@code memory} (e.g. a NIC driver's DMA-able huge pages). */
    public EngineConfig withPacketMemory(PacketMemory memory) {
        return new EngineConfig(cpus, idle, poolBuffers, dropQuarantined, memory);
    }

    /** Parses a CPU list like {@code 1}, {@code 0-3}, {@code 1,3} or {@code none} (one unpinned worker). */
    public static List<Integer> parseCpus(String text) {
        String t = text.trim();
        if (t.equals("none")) {
            return List.of(-1);
        }
        java.util.List<Integer> out = new java.util.ArrayList<>();
        try {
            for (String part : t.split(",", -1)) {
                // -1 keeps trailing empty parts: "3-" and "-" are refused, never an index past the array.
                String[] range = part.trim().split("-", -1);
                if (range.length < 1 || range.length > 2) {
                    throw new NumberFormatException();
                }
                int a = Integer.parseInt(range[0].trim());
                int b = range.length == 2 ? Integer.parseInt(range[1].trim()) : a;
                if (a < 0 || b < a || b > 1023) {
                    throw new NumberFormatException();
                }
                for (int c = a; c <= b; c++) {
                    out.add(c);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cpus must be a CPU list like 1, 0-3 or 1,3 (or none), not '" + text + "'");
        }
        return out;
    }
}
