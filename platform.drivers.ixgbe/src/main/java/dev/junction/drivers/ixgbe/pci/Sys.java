package dev.junction.drivers.ixgbe.pci;

import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The few system calls the device paths need beyond dev.junction.os.Libc: mmap with flags and offset. Control path only. */
final class Sys {
    static final int PROT_READ_WRITE = 0x3;
    static final int MAP_SHARED = 0x01;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_POPULATE = 0x08000;
    static final int MAP_LOCKED = 0x02000;
    static final int MAP_HUGETLB = 0x40000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private Sys() {
    }

    /**
     * mmap(2): a segment of {@code length} bytes unmapped when {@code arena} closes; throws with
     * {@code what} and the errno when the kernel refuses.
     */
    static MemorySegment mmap(Arena arena, long length, int flags, int fd, long offset, String what) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment st = call.allocate(Libc.CALL_STATE);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, 0L, length, PROT_READ_WRITE, flags, fd, offset);
            if (p.address() == -1L) {
                throw Errno.failure(what, st);
            }
            return p.reinterpret(length, arena, m -> unmap(m.address(), length));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what + ": " + t);
        }
    }

    private static void unmap(long address, long length) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable ignored) {
            // nothing to do at close
        }
    }

    static int errno(MemorySegment st) {
        return Errno.of(st);
    }
}
