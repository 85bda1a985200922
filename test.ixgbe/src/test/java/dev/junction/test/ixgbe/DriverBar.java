package dev.junction.test.ixgbe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** The driver's side of BAR0: the model's file mapped as sysfs resource0 would be, 32-bit volatile accesses. */
final class DriverBar implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment bar;

    DriverBar(Path resource0) {
        try (FileChannel channel = FileChannel.open(resource0, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            bar = channel.map(FileChannel.MapMode.READ_WRITE, 0, Registers.BAR0_SIZE, arena);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int read(int offset) {
        return (int) INT.getVolatile(bar, (long) offset);
    }

    void write(int offset, int value) {
        INT.setVolatile(bar, (long) offset, value);
    }

    void set(int offset, int bits) {
        write(offset, read(offset) | bits);
    }

    void clear(int offset, int bits) {
        write(offset, read(offset) & ~bits);
    }

    /** Polls until {@code (reg & mask) == expected}; false at the deadline. */
    boolean await(int offset, int mask, int expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((read(offset) & mask) != expected) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(20_000);
        }
        return true;
    }

    @Override
    public void close() {
        arena.close();
    }
}
