package dev.junction.drivers.ixgbe.pci;

import dev.junction.drivers.ixgbe.regs.Regs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * BAR0 through sysfs: {@code /sys/bus/pci/devices/BDF/resource0} mapped shared, read/write, offset
 * 0, the BAR's size. The path where VFIO is missing (needs root, and the kernel driver unbound).
 */
public final class Resource0 {
    private Resource0() {
    }

    public static MemorySegment map(Path resource0, Arena arena) {
        if (!Files.exists(resource0)) {
            throw new IllegalStateException("no BAR0 file " + resource0);
        }
        try (FileChannel ch = FileChannel.open(resource0, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() != 0 && ch.size() < Regs.BAR0_SIZE) {
                throw new IllegalStateException(resource0 + " is " + ch.size() + " bytes; an 82599's BAR0 is " + Regs.BAR0_SIZE);
            }
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, Regs.BAR0_SIZE, arena);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalStateException("cannot open " + resource0 + " read/write: mapping a BAR needs root");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + resource0 + ": " + e.getMessage(), e);
        }
    }
}
