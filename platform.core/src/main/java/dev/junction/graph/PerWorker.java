package dev.junction.graph;

import java.util.function.IntFunction;

/**
 * A node's state, one object per worker, sized by the real worker count: the node calls
 * {@link #resize} from {@link PacketNode#workers(int)} (control thread, before any worker of a new
 * count runs it) and {@link #get} with {@link NodeContext#worker()} on the fast path, which is a
 * plain array read. States of workers that stay are kept across a resize.
 *
 * @param <T> the per-worker state, typically a small class of arrays made once
 */
public final class PerWorker<T> {
    private final IntFunction<T> make;
    private volatile Object[] states = new Object[0];

    /** {@code make} builds worker {@code i}'s state, off the fast path. */
    public PerWorker(IntFunction<T> make) {
        this.make = make;
    }

    /** Makes states for workers {@code 0..workers-1}, keeping those that exist. */
    public synchronized void resize(int workers) {
        Object[] old = states;
        if (workers <= old.length) {
            return;
        }
        Object[] next = java.util.Arrays.copyOf(old, workers);
        for (int i = old.length; i < workers; i++) {
            next[i] = make.apply(i);
        }
        states = next;
    }

    /** Worker {@code worker}'s state. */
    @SuppressWarnings("unchecked")
    public T get(int worker) {
        return (T) states[worker];
    }

    /** How many workers have a state. */
    public int size() {
        return states.length;
    }
}
