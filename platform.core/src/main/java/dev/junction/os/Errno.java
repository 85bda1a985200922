package dev.junction.os;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The errno a {@link Libc} call left in its state segment, and failures built from it. Numbers are
 * Linux's (asm-generic/errno-base.h and errno.h), the same on x86_64 and aarch64.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EADDRINUSE = 98;
    public static final int ECONNREFUSED = 111;

    private static final VarHandle ERRNO = Libc.CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private Errno() {
    }

    /** The errno the last call made with {@code state} stored; it means something only when that call failed. */
    public static int of(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /**
     * A failed control-path call as an exception: {@code "<what> failed: errno <n>"}, followed by the
     * errno's name and what it usually means here when it is one of the numbers above. The caller
     * throws it (or keeps its message).
     */
    public static IllegalStateException failure(String what, MemorySegment state) {
        int e = of(state);
        return new IllegalStateException(what + " failed: errno " + e + hint(e));
    }

    private static String hint(int errno) {
        return switch (errno) {
            case EPERM -> " (EPERM: needs root or CAP_NET_RAW / CAP_NET_ADMIN)";
            case ENOENT -> " (ENOENT: no such file)";
            case ENOMEM -> " (ENOMEM)";
            case EACCES -> " (EACCES: permission denied)";
            case EBUSY -> " (EBUSY: the device is in use)";
            case ENODEV -> " (ENODEV: no such interface)";
            case EINVAL -> " (EINVAL)";
            case EADDRINUSE -> " (EADDRINUSE: the socket path is in use)";
            case ECONNREFUSED -> " (ECONNREFUSED: nobody listens on the socket)";
            default -> "";
        };
    }
}
