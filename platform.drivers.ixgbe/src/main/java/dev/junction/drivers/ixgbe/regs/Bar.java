package dev.junction.drivers.ixgbe.regs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.IntUnaryOperator;

/**
 * BAR0 mapped into this process (VFIO region or sysfs {@code resource0}): 32-bit register access.
 * Every access is volatile: the mapping is uncached device memory, and each load or store is a bus
 * transaction the compiler must neither drop, merge nor reorder. Statistics registers clear when
 * read, so they are read through {@link #statisticsReader}, which is a plain volatile load on the
 * card and the model's own read-to-clear in tests.
 */
public final class Bar {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private final MemorySegment bar;
    private final IntUnaryOperator statistics;

    public Bar(MemorySegment bar, IntUnaryOperator statisticsReader) {
        if (bar.byteSize() < Regs.BAR0_SIZE) {
            throw new IllegalArgumentException("BAR0 of " + bar.byteSize() + " bytes; the 82599's is " + Regs.BAR0_SIZE);
        }
        this.bar = bar;
        this.statistics = statisticsReader;
    }

    /** A BAR whose statistics are read by plain volatile loads, as on the card. */
    public Bar(MemorySegment bar) {
        this(bar, null);
    }

    public int read(int offset) {
        return (int) INT.getVolatile(bar, (long) offset);
    }

    public void write(int offset, int value) {
        INT.setVolatile(bar, (long) offset, value);
    }

    /**
     * The tail store of the fast path. A release store: every descriptor written before it is
     * visible to the device first (on x86 a plain store to uncached memory is not reordered with
     * earlier stores, so this costs no fence).
     */
    public void writeTail(int offset, int value) {
        INT.setRelease(bar, (long) offset, value);
    }

    public void set(int offset, int bits) {
        write(offset, read(offset) | bits);
    }

    public void clear(int offset, int bits) {
        write(offset, read(offset) & ~bits);
    }

    /** A read-to-clear statistics register. */
    public int readStatistic(int offset) {
        return statistics == null ? read(offset) : statistics.applyAsInt(offset);
    }

    /** Waits until {@code (read(offset) & mask) == expected}; false after {@code timeoutNanos}. */
    public boolean await(int offset, int mask, int expected, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while ((read(offset) & mask) != expected) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(10_000);
        }
        return true;
    }

    public MemorySegment segment() {
        return bar;
    }
}
