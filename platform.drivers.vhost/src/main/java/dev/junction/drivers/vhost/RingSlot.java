package dev.junction.drivers.vhost;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the control thread publishes a running {@link SplitVirtqueue} to the workers, and takes it
 * back. A worker {@link #enter}s the ring for one poll and {@link #leave}s it after; the control
 * thread's {@link #swap} returns only once no worker is inside the ring it replaced, so that it may
 * then read the ring's indexes, close its eventfd or unmap the memory under it.
 *
 * <p>Why it is safe: the worker claims the ring (a CAS on {@code inUse}, a full fence) and then reads
 * {@code active} again; the control thread writes {@code active} and then reads {@code inUse}. Both
 * are volatile, so at least one of the two sees the other's write: either the worker sees the new
 * ring and backs out, or the control thread sees the claim and waits for its release.
 *
 * <p>The claim also keeps two workers out of one ring at a time: the core may give several workers
 * the same transmit ring, and a second one simply finds it busy (its frames are dropped and counted
 * by the core) instead of waiting. No lock, no allocation.
 */
final class RingSlot {
    private static final VarHandle IN_USE;
    private static final long QUIESCE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    static {
        try {
            IN_USE = MethodHandles.lookup().findVarHandle(RingSlot.class, "inUse", SplitVirtqueue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile SplitVirtqueue active;
    @SuppressWarnings("unused") // through IN_USE
    private volatile SplitVirtqueue inUse;

    /** Worker: the published ring, claimed until {@link #leave}; null when there is none or it is busy. */
    SplitVirtqueue enter() {
        SplitVirtqueue q = active;
        if (q == null || !IN_USE.compareAndSet(this, (SplitVirtqueue) null, q)) {
            return null;
        }
        if (active != q) {
            IN_USE.setRelease(this, (SplitVirtqueue) null);
            return null;
        }
        return q;
    }

    /** Worker: done with the ring until the next poll (a release: its writes are seen by the control thread). */
    void leave() {
        IN_USE.setRelease(this, (SplitVirtqueue) null);
    }

    /** The published ring (status only: it may be replaced at any time). */
    SplitVirtqueue current() {
        return active;
    }

    /**
     * Control thread: publishes {@code next} (null: none) and waits until no worker is inside the ring
     * it replaces, which it returns (null if none).
     *
     * @throws IllegalStateException when a worker stays inside for seconds (the old ring must then
     *         not be torn down)
     */
    SplitVirtqueue swap(SplitVirtqueue next) {
        SplitVirtqueue old = active;
        active = next;
        if (old != null) {
            long deadline = System.nanoTime() + QUIESCE_TIMEOUT_NS;
            while (inUse == old) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("a worker did not leave a vhost ring within 5 s");
                }
                LockSupport.parkNanos(10_000);
            }
        }
        return old;
    }
}
