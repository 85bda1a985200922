package dev.junction.fuzz;

import dev.junction.packet.PacketPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs fuzzed frames through a {@link FuzzGraph} until each target node has processed the wanted
 * number of them: bursts of 1 to 64 frames, each written by a {@link FrameFuzzer} from its own seed
 * and given its metadata by a {@link Feed}, then the graph's ticks with the clock moved on (now and
 * then by seconds, so that held packets time out), and at the end every node's release and the leak
 * check. A failure names the master seed and dumps the frames of the vector in hand, each with the
 * mutations that made it.
 *
 * <p>System properties: {@code junction.fuzz.frames} (default 1000000) frames per target node;
 * {@code junction.fuzz.seed} the master seed (a number, or {@code random}; by default a fixed seed
 * per run title, so CI is repeatable); {@code junction.fuzz.frame} runs that one frame alone.
 */
public final class NodeFuzz {
    /** How many frames may be made per frame a target must see before the run gives up on reaching it. */
    private static final int MAX_FACTOR = 60;

    /** Sets a frame's metadata as the node before the entry would (receiving interface, layer-3 offset...) and names the entry. */
    public interface Feed {
        String prepare(PacketPool pool, int buffer, int length, FuzzRandom rng);
    }

    /** What a run did: frames made, packets each target processed, the time it took. */
    public record Result(String title, long seed, long frames, Map<String, Long> processed, long nanos, String report) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(String.format("fuzz %s: seed %d, %,d frames in %.1f s;", title, seed,
                    frames, nanos / 1e9));
            processed.forEach((n, c) -> sb.append(String.format(" %s %,d", n, c)));
            return sb.toString();
        }
    }

    private NodeFuzz() {
    }

    /** Frames per target node: {@code junction.fuzz.frames}, default 10^6. */
    public static long frames() {
        return Long.getLong("junction.fuzz.frames", 1_000_000L);
    }

    /** The master seed of a run: {@code junction.fuzz.seed}, or a fixed one per title. */
    public static long seed(String title) {
        String s = System.getProperty("junction.fuzz.seed", "");
        if (s.isBlank()) {
            return FuzzRandom.mix(0x4A55_4E43_5449_4F4EL, title.hashCode());
        }
        if (s.equals("random")) {
            return System.nanoTime() ^ System.identityHashCode(title);
        }
        return Long.decode(s);
    }

    /** Fuzzes until every target has processed {@code frames} packets; prints and returns the counts. */
    public static Result run(String title, FuzzGraph graph, FrameFuzzer fuzzer, Feed feed, long frames,
            List<String> targets) {
        long seed = seed(title);
        FuzzContext ctx = graph.context();
        PacketPool pool = ctx.pool();
        MemorySegment mem = pool.memory();
        byte[] scratch = new byte[FrameFuzzer.MAX_FRAME];
        FuzzRandom driver = new FuzzRandom(seed);
        FuzzRandom feedRng = new FuzzRandom(0);
        List<FuzzGraph.Slot> slots = targets.stream().map(graph::slot).toList();
        String only = System.getProperty("junction.fuzz.frame", "");
        long first = only.isBlank() ? 0 : Long.parseLong(only);
        long limit = only.isBlank() ? frames * MAX_FACTOR : first + 1;
        long t0 = System.nanoTime();
        long i = first;
        try {
            while (i < limit && (!only.isBlank() || !reached(slots, frames))) {
                int burst = 1 + driver.nextInt(64);
                for (int k = 0; k < burst && i < limit; k++, i++) {
                    long frameSeed = FuzzRandom.mix(seed, i);
                    int len = fuzzer.frame(frameSeed, scratch);
                    int b = pool.allocate();
                    if (b < 0) {
                        throw new FuzzFailure("pool exhausted: buffers leak while the graph runs");
                    }
                    MemorySegment.copy(scratch, 0, mem, ValueLayout.JAVA_BYTE, pool.data(b), len);
                    pool.length(b, len);
                    feedRng.seed(frameSeed ^ 0x0F0F_0F0F_0F0F_0F0FL);
                    graph.inject(feed.prepare(pool, b, len, feedRng), b, i);
                }
                graph.run();
                ctx.advance(driver.percent(1) && driver.percent(10) ? 1_100_000_000L + driver.nextInt(2_400_000) * 1000L
                        : driver.nextInt(2_000_000));
                graph.tick();
            }
            ctx.advance(10_000_000_000L);
            graph.tick();
            graph.releaseAll();
            graph.checkNoLeak();
        } catch (FuzzFailure f) {
            throw explain(title, seed, fuzzer, f);
        }
        Map<String, Long> processed = new LinkedHashMap<>();
        for (FuzzGraph.Slot s : slots) {
            processed.put(s.name(), s.in());
        }
        Result r = new Result(title, seed, i - first, processed, System.nanoTime() - t0, graph.report());
        System.out.println(r);
        System.out.print(r.report());
        if (only.isBlank()) {
            for (FuzzGraph.Slot s : slots) {
                if (s.in() < frames) {
                    throw new FuzzFailure(title + ": only " + s.in() + " of " + frames + " frames reached " + s.name()
                            + " in " + (i - first) + " made (seed " + seed + ")");
                }
            }
        }
        return r;
    }

    private static boolean reached(List<FuzzGraph.Slot> slots, long frames) {
        for (FuzzGraph.Slot s : slots) {
            if (s.in() < frames) {
                return false;
            }
        }
        return true;
    }

    /** The failure with the seed, how to rerun it, and the frames in hand when it happened. */
    static FuzzFailure explain(String title, long seed, FrameFuzzer fuzzer, FuzzFailure f) {
        StringBuilder sb = new StringBuilder("fuzz " + title + " failed: " + f.getMessage() + "\n  seed " + seed
                + " (rerun: -Djunction.fuzz.seed=" + seed + ", one frame alone: -Djunction.fuzz.frame=N)\n");
        long[] frames = f.frames();
        int shown = 0;
        for (long n : frames) {
            if (n < 0) {
                continue;
            }
            if (shown++ == 8) {
                sb.append("  ... ").append(frames.length).append(" packets in the vector\n");
                break;
            }
            sb.append("  frame ").append(n).append(": ").append(fuzzer.describe(FuzzRandom.mix(seed, n))).append('\n');
        }
        return new FuzzFailure(sb.toString(), f.getCause() != null ? f.getCause() : f, frames);
    }
}
