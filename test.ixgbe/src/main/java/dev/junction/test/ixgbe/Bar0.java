package dev.junction.test.ixgbe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * BAR0 as a file of 512 KiB that both sides map shared: the driver maps {@link #path()} exactly as
 * it maps sysfs {@code resource0} (offset 0, {@link Registers#BAR0_SIZE} bytes), the model maps it
 * here. A register access is a volatile 32-bit load or store on that mapping, so the device thread
 * sees the driver's writes without any call into the model.
 */
public final class Bar0 implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Path directory;
    private final Path path;
    private final Arena arena;
    private final MemorySegment registers;

    /** Makes the file in a directory of its own under the system's temporary directory. */
    public Bar0() {
        try {
            directory = Files.createTempDirectory("junction-82599-");
            path = directory.resolve("resource0");
            arena = Arena.ofShared();
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                channel.truncate(0);
                channel.write(java.nio.ByteBuffer.allocate(1), Registers.BAR0_SIZE - 1);
                registers = channel.map(FileChannel.MapMode.READ_WRITE, 0, Registers.BAR0_SIZE, arena);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the model's BAR0 file", e);
        }
    }

    /** The file to map as BAR0, as a driver maps {@code /sys/bus/pci/devices/.../resource0}. */
    public Path path() {
        return path;
    }

    /** The model's own mapping of the registers. */
    public MemorySegment segment() {
        return registers;
    }

    public int read(int offset) {
        return (int) INT.getVolatile(registers, (long) offset);
    }

    public void write(int offset, int value) {
        INT.setVolatile(registers, (long) offset, value);
    }

    /**
     * Changes a register only if it still holds {@code expected}: the device's own updates (a bit
     * self-clearing, an enable bit appearing) must not undo a store the driver made in between.
     */
    public boolean compareAndSet(int offset, int expected, int value) {
        return INT.compareAndSet(registers, (long) offset, expected, value);
    }

    /** Sets or clears {@code bits} in a register without losing the driver's concurrent stores. */
    public void update(int offset, int setBits, int clearBits) {
        while (true) {
            int old = read(offset);
            if (compareAndSet(offset, old, (old & ~clearBits) | setBits)) {
                return;
            }
        }
    }

    /** Unmaps the model's view and deletes the file and its directory. */
    @Override
    public void close() {
        arena.close();
        try {
            Files.deleteIfExists(path);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }
}
