package dev.junction.bench;

/**
 * What a random cache line costs on this machine, by the size of the table it is in: the floor under
 * every function that keeps a large table (the load balancer's and the firewall's flows, the MAC table).
 * The table is a heap {@code long[]} of 64-byte lines, as {@code FlowTable}'s slots are, in a JVM run
 * with transparent huge pages (bench/run-memory.sh). Three loops over random lines of it:
 *
 * <ul>
 *   <li>{@code chase}: each load's address comes from the one before (a random cycle through every
 *       line): the latency of one miss, nothing overlapped;
 *   <li>{@code batch}: a vector of 256 random lines, their indexes computed first and then loaded in a
 *       loop of their own, as lb-ip4 peeks its vector's slots: what a line costs when the core may keep
 *       as many misses in flight as it can (its fill buffers, its page walkers);
 *   <li>{@code touch}: the same, then a second loop over the vector that reads each line again and
 *       writes it (a flow's key compared, its last-seen time written), as lb-ip4's judging pass: what
 *       the two passes cost when the first one's loads have brought the lines in.
 * </ul>
 *
 * <p>Usage: {@code MemoryBench [--seconds S] [--mib N,N,...]}; prints one line a size, ns and cycles
 * per line.
 */
public final class MemoryBench {
    private static final int LINE = 8, VECTOR = 256;

    public static void main(String[] args) {
        double seconds = 2;
        String sizes = "0.03125,0.25,1,4,16,64,256,512,1024";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--mib" -> sizes = args[i + 1];
                default -> throw new IllegalArgumentException("usage: MemoryBench [--seconds S] [--mib N,N,...]");
            }
        }
        double ghz = PipelineBench.cpuGhz();
        for (String s : sizes.split(",")) {
            double mib = Double.parseDouble(s);
            int lines = Integer.highestOneBit((int) (mib * 1024 * 1024 / 64));
            long[] table = new long[lines * LINE];
            cycle(table, lines);
            chase(table, 0.3);
            double chase = chase(table, seconds);
            batch(table, lines, 0.3, false);
            double batch = batch(table, lines, seconds, false);
            batch(table, lines, 0.3, true);
            double touch = batch(table, lines, seconds, true);
            System.out.printf("memory %s lines=%d chase_ns=%.1f chase_cycles=%.0f batch_ns=%.1f batch_cycles=%.0f"
                            + " touch_ns=%.1f touch_cycles=%.0f%n", label(lines), lines, chase, chase * ghz, batch,
                    batch * ghz, touch, touch * ghz);
        }
    }

    private static String label(int lines) {
        long bytes = (long) lines * 64;
        return bytes >= 1 << 20 ? bytes / (1 << 20) + "MiB" : bytes / 1024 + "KiB";
    }

    /** Links every line into one random cycle (Sattolo's shuffle): word 0 of a line names the next. */
    private static void cycle(long[] table, int lines) {
        int[] order = new int[lines];
        for (int i = 0; i < lines; i++) {
            order[i] = i;
        }
        long x = 0x9E3779B97F4A7C15L;
        for (int i = lines - 1; i > 0; i--) {
            x = next(x);
            int j = (int) ((x >>> 33) % i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < lines; i++) {
            table[order[i] * LINE] = order[(i + 1) % lines];
        }
    }

    private static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        return x ^ x << 17;
    }

    /** ns a dependent load. */
    private static double chase(long[] table, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long loads = 0;
        int at = 0;
        long start = System.nanoTime(), now;
        do {
            for (int i = 0; i < 4096; i++) {
                at = (int) table[at * LINE];
            }
            loads += 4096;
        } while ((now = System.nanoTime()) < end);
        sink += at;
        return (double) (now - start) / loads;
    }

    private static long sink;

    /** ns a line, 256 independent lines at a time (written too when {@code write}). */
    private static double batch(long[] table, int lines, double seconds, boolean write) {
        int[] index = new int[VECTOR];
        int mask = lines - 1;
        long x = 0x2545F4914F6CDD1DL, sum = 0, loads = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime(), now;
        do {
            for (int r = 0; r < 64; r++) {
                for (int i = 0; i < VECTOR; i++) {
                    x = next(x);
                    index[i] = ((int) (x >>> 20) & mask) * LINE;
                }
                if (write) {
                    // As lb-ip4: a load of each line first, then each line read again and written.
                    for (int i = 0; i < VECTOR; i++) {
                        sum += table[index[i]];
                    }
                    for (int i = 0; i < VECTOR; i++) {
                        int at = index[i];
                        if (table[at + 2] == x) {
                            sum++;
                        }
                        table[at + 1] = x;
                    }
                } else {
                    for (int i = 0; i < VECTOR; i++) {
                        sum += table[index[i]];
                    }
                }
            }
            loads += 64 * VECTOR;
        } while ((now = System.nanoTime()) < end);
        sink += sum;
        return (double) (now - start) / loads;
    }
}
