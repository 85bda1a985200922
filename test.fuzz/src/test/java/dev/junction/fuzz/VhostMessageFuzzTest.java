package dev.junction.fuzz;

import dev.junction.drivers.vhost.VhostFuzz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vhost-user message handling of platform.drivers.vhost: messages of every request the backend
 * knows (and unknown ones), with payloads that are right or lie (sizes, region counts and sizes, mmap
 * offsets, ring indexes and sizes, ring addresses inside and outside the memory), with memfds and
 * eventfds attached as a frontend sends them, through the header checks and the backend. Nothing may
 * throw, every reply must go out, and at the end no descriptor may be left open. A tenth of
 * {@code junction.fuzz.frames} messages: each costs system calls (memfd, mmap, eventfd, replies).
 */
class VhostMessageFuzzTest {
    private static final long MEMORY = 1 << 20;
    private static final long UADDR = 0x7F00_0000_0000L;
    private final FuzzRandom rng = new FuzzRandom(0);
    private final ByteMutator mutator = new ByteMutator(rng, true);
    private int fdKind, fdCount;

    @TempDir
    Path dir;

    @Test
    void vhostUserMessages() throws Exception {
        long frames = Math.max(1, NodeFuzz.frames() / 10); // each costs about ten frames' time
        long seed = NodeFuzz.seed("vhost");
        long fdsBefore = openFds();
        byte[] b = new byte[VhostFuzz.HEADER + VhostFuzz.MAX_PAYLOAD + 64];
        long t0 = System.nanoTime();
        String summary;
        try (VhostFuzz backend = new VhostFuzz(dir, MEMORY)) {
            for (long i = 0; i < frames; i++) {
                int len = message(FuzzRandom.mix(seed, i), b, null);
                try {
                    backend.handle(b, len, fdKind, fdCount);
                } catch (RuntimeException e) {
                    StringBuilder log = new StringBuilder();
                    len = message(FuzzRandom.mix(seed, i), b, log);
                    throw new FuzzFailure("fuzz vhost failed: " + e + "\n  seed " + seed + ", message " + i + log + "\n  "
                            + len + " bytes: " + HexFormat.of().formatHex(b, 0, len), e, new long[] {i});
                }
            }
            summary = backend.summary();
        }
        long fdsAfter = openFds();
        System.out.printf("fuzz vhost: seed %d, %,d messages in %.1f s: %s; descriptors open %d before, %d after%n", seed,
                frames, (System.nanoTime() - t0) / 1e9, summary, fdsBefore, fdsAfter);
        if (fdsAfter > fdsBefore) {
            throw new FuzzFailure("fuzz vhost: " + (fdsAfter - fdsBefore) + " descriptors leaked (seed " + seed + ")");
        }
    }

    private static long openFds() throws java.io.IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** One message (header and payload) and the descriptors it comes with; its length. */
    private int message(long seed, byte[] b, StringBuilder log) {
        rng.seed(seed);
        mutator.start(log);
        int request = rng.percent(95) ? rng.between(1, 18) : rng.pick(new int[] {0, 19, 24, 32, rng.nextInt()});
        int flags = rng.percent(99) ? 1 : rng.nextInt(16);
        if (rng.percent(30)) {
            flags |= 8; // need reply
        }
        fdKind = VhostFuzz.NO_FDS;
        fdCount = 0;
        int p = VhostFuzz.HEADER;
        int size;
        switch (request) {
            case 2, 16 -> { // SET_FEATURES, SET_PROTOCOL_FEATURES
                long offered = request == 2 ? (1L << 15 | 1L << 29 | 1L << 30 | 1L << 32) : 0b1001;
                mutator.put(b, p, 8, rng.percent(80) ? offered & rng.nextLong() : rng.nextLong());
                size = 8;
            }
            case 5 -> size = memoryTable(b, p);
            case 8 -> { // SET_VRING_NUM
                ring(b, p);
                mutator.put(b, p + 4, 4, rng.percent(85) ? 1 << rng.between(0, 15) : rng.nextInt());
                mutator.field(p + 4, 4);
                size = 8;
            }
            case 9 -> { // SET_VRING_ADDR: inside the memory mostly
                ring(b, p);
                mutator.put(b, p + 4, 4, 0);
                for (int k = 0; k < 4; k++) {
                    long a = rng.percent(85) ? UADDR + (rng.nextInt((int) (MEMORY / 4096)) * 4096L) : rng.nextLong();
                    mutator.put(b, p + 8 + 8 * k, 8, a);
                    mutator.field(p + 8 + 8 * k, 8);
                }
                size = 40;
            }
            case 10, 11, 18 -> { // SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE
                ring(b, p);
                mutator.put(b, p + 4, 4, rng.percent(80) ? rng.nextInt(request == 18 ? 2 : 65536) : rng.nextInt());
                size = 8;
            }
            case 12, 13, 14 -> { // SET_VRING_KICK, CALL, ERR
                boolean noFd = rng.percent(20);
                mutator.put(b, p, 8, (rng.percent(90) ? rng.nextInt(2) : rng.nextInt(256)) | (noFd ? 1 << 8 : 0));
                fdKind = VhostFuzz.EVENTFDS;
                fdCount = rng.percent(90) ? (noFd ? 0 : 1) : rng.nextInt(3);
                size = 8;
            }
            default -> {
                int n = rng.percent(70) ? 0 : rng.nextInt(16);
                for (int i = 0; i < n; i++) {
                    b[p + i] = (byte) rng.nextInt(256);
                }
                size = n;
            }
        }
        mutator.put(b, 0, 4, request);
        mutator.put(b, 4, 4, flags);
        mutator.put(b, 8, 4, size);
        if (rng.percent(30)) {
            mutator.field(8, 4); // a lying size mostly ends the connection: not too often
        }
        return mutator.mutate(b, VhostFuzz.HEADER + size, b.length);
    }

    private void ring(byte[] b, int p) {
        mutator.put(b, p, 4, rng.percent(90) ? rng.nextInt(2) : rng.nextInt());
        mutator.field(p, 4);
    }

    /** SET_MEM_TABLE: 1 to 8 regions over memfds of {@link #MEMORY} bytes, sizes and offsets that fit or lie. */
    private int memoryTable(byte[] b, int p) {
        int n = rng.between(1, 8);
        mutator.put(b, p, 4, n);
        mutator.put(b, p + 4, 4, 0);
        mutator.field(p, 4);
        long gpa = 0, uaddr = UADDR;
        for (int k = 0; k < n; k++) {
            int o = p + 8 + 32 * k;
            long size = rng.percent(85) ? MEMORY / n : rng.nextLong();
            long offset = rng.percent(85) ? 0 : rng.pick(new long[] {4096, MEMORY, -1, rng.nextLong()});
            mutator.put(b, o, 8, gpa);
            mutator.put(b, o + 8, 8, size);
            mutator.put(b, o + 16, 8, uaddr);
            mutator.put(b, o + 24, 8, offset);
            mutator.field(o + 8, 8);
            mutator.field(o + 24, 8);
            gpa += MEMORY / n;
            uaddr += rng.percent(90) ? MEMORY / n : -4096;
        }
        fdKind = VhostFuzz.MEMFDS;
        fdCount = rng.percent(90) ? n : rng.nextInt(9);
        return 8 + 32 * n;
    }
}
