package dev.junction.fuzz;

/**
 * A rule a node broke under fuzz: thrown by the harness with the frames involved (their indexes in
 * the run), which {@link NodeFuzz} turns into seeds and hex dumps.
 */
public final class FuzzFailure extends AssertionError {
    private final long[] frames;

    public FuzzFailure(String message) {
        this(message, null, new long[0]);
    }

    public FuzzFailure(String message, Throwable cause, long[] frames) {
        super(message, cause);
        this.frames = frames.clone();
    }

    /** Indexes of the frames in the vector the node had in hand (-1: a buffer a node made). */
    public long[] frames() {
        return frames.clone();
    }
}
