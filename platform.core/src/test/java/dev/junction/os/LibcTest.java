package dev.junction.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The calls against the running kernel: results on success, -1 or NULL and errno on failure. */
class LibcTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);

    @AfterEach
    void close() {
        arena.close();
    }

    @Test
    void eventfdCountsWhatIsWrittenThroughRawAddresses() {
        int fd = Libc.eventfd(state, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        assertTrue(fd >= 0, () -> Errno.failure("eventfd", state).getMessage());
        try {
            MemorySegment value = arena.allocate(8, 8);
            assertEquals(-1, Libc.read(state, fd, value.address(), 8), "nothing written yet");
            assertEquals(Errno.EAGAIN, Errno.of(state));
            value.set(ValueLayout.JAVA_LONG, 0, 3);
            assertEquals(8, Libc.write(state, fd, value.address(), 8));
            assertEquals(8, Libc.write(state, fd, value.address(), 8));
            value.set(ValueLayout.JAVA_LONG, 0, 0);
            assertEquals(8, Libc.read(state, fd, value.address(), 8));
            assertEquals(6, value.get(ValueLayout.JAVA_LONG, 0));
        } finally {
            Libc.close(state, fd);
        }
    }

    @Test
    void memfdIsSizedMappedAndShared() {
        int fd = Libc.memfdCreate(state, arena.allocateFrom("junction-libc-test"));
        assertTrue(fd >= 0, () -> Errno.failure("memfd_create", state).getMessage());
        try {
            assertEquals(0, Libc.fileSize(state, fd));
            assertEquals(0, Libc.ftruncate(state, fd, 8192));
            assertEquals(8192, Libc.fileSize(state, fd));
            MemorySegment a = Libc.mmap(state, 8192, fd);
            MemorySegment b = Libc.mmap(state, 8192, fd);
            assertTrue(!a.equals(MemorySegment.NULL) && !b.equals(MemorySegment.NULL));
            assertEquals(8192, a.byteSize());
            a.set(ValueLayout.JAVA_INT, 4096, 0x12345678);
            assertEquals(0x12345678, b.get(ValueLayout.JAVA_INT, 4096), "MAP_SHARED: both mappings see one file");
            assertEquals(0, Libc.munmap(state, a));
            assertEquals(0, Libc.munmap(state, b));
        } finally {
            Libc.close(state, fd);
        }
    }

    @Test
    void failuresLeaveErrnoAndNameIt() {
        MemorySegment missing = arena.allocateFrom("/nonexistent/junction-libc-test");
        assertEquals(-1, Libc.open(state, missing, Libc.O_RDWR));
        assertEquals(Errno.ENOENT, Errno.of(state));
        assertEquals("open failed: errno 2 (ENOENT: no such file)", Errno.failure("open", state).getMessage());

        assertEquals(MemorySegment.NULL, Libc.mmap(state, 4096, -1));
        assertEquals("mmap failed: errno 9", Errno.failure("mmap", state).getMessage(), "EBADF has no hint");
        assertEquals(-1, Libc.fileSize(state, -1));
    }
}
