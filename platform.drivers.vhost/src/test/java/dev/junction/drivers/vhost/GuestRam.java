package dev.junction.drivers.vhost;

import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A guest's memory for tests: one region at a guest physical address. In process it sits between
 * two guard areas filled with a canary, so that a test can prove nothing was written outside it;
 * shared, it is a memfd mapping whose descriptor can be passed to a backend (as a VM or DPDK does),
 * with guest physical = frontend virtual address (as DPDK virtio-user has it).
 */
final class GuestRam implements AutoCloseable {
    static final int GUARD = 64 * 1024;
    static final byte CANARY = (byte) 0xA5;

    private final Arena arena;
    private final MemorySegment whole;
    final MemorySegment region;
    final long gpa;
    final int fd;
    private final MemorySegment state;

    private GuestRam(Arena arena, MemorySegment whole, MemorySegment region, long gpa, int fd, MemorySegment state) {
        this.arena = arena;
        this.whole = whole;
        this.region = region;
        this.gpa = gpa;
        this.fd = fd;
        this.state = state;
    }

    /** In-process memory at guest physical {@code gpa}, between canary-filled guards. */
    static GuestRam inProcess(long size, long gpa) {
        Arena arena = Arena.ofShared();
        MemorySegment whole = arena.allocate(size + 2L * GUARD, 4096);
        whole.fill(CANARY);
        MemorySegment region = whole.asSlice(GUARD, size);
        region.fill((byte) 0);
        return new GuestRam(arena, whole, region, gpa, -1, arena.allocate(Libc.CALL_STATE));
    }

    /** A memfd of {@code size} bytes mapped here; guest physical address = its address here. */
    static GuestRam memfd(long size) {
        Arena arena = Arena.ofShared();
        MemorySegment st = arena.allocate(Libc.CALL_STATE);
        int fd = Libc.memfdCreate(st, arena.allocateFrom("junction-test-guest"));
        if (fd < 0 || Libc.ftruncate(st, fd, size) != 0) {
            throw Errno.failure("memfd", st);
        }
        MemorySegment map = Libc.mmap(st, size, fd);
        if (map.equals(MemorySegment.NULL)) {
            throw Errno.failure("mmap", st);
        }
        return new GuestRam(arena, map, map, map.address(), fd, st);
    }

    /** The backend's view of this memory (in process: no mapping of its own). */
    GuestMemory memory() {
        return new GuestMemory(new long[] {gpa}, new long[] {gpa}, new MemorySegment[] {region}, new MemorySegment[0]);
    }

    /** Whether both guards still hold nothing but the canary. */
    boolean guardsIntact() {
        if (fd >= 0) {
            return true;
        }
        for (long i = 0; i < GUARD; i++) {
            if (whole.get(ValueLayout.JAVA_BYTE, i) != CANARY
                    || whole.get(ValueLayout.JAVA_BYTE, GUARD + region.byteSize() + i) != CANARY) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Libc.munmap(state, whole);
            Libc.close(state, fd);
        }
        arena.close();
    }
}
