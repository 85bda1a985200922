package dev.junction.drivers.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few glibc calls the driver needs, through java.lang.foreign. Pointers into packet memory are
 * passed as {@code long} addresses (same ABI on x86_64 and aarch64), so that a call on the fast path
 * makes no MemorySegment object. Every call captures errno into a per-caller state segment.
 */
final class Libc {
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_TX_RING = 13;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int PACKET_MR_PROMISC = 1;
    static final int TPACKET_V2 = 1;
    static final int TPACKET_V3 = 2;
    static final int ETH_P_ALL = 0x0003;
    static final int PROT_READ_WRITE = 0x3;
    static final int MAP_SHARED = 0x1;
    static final int MSG_DONTWAIT = 0x40;
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final int EAGAIN = 11;
    static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout A = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(I, I, I, I));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt", FunctionDescriptor.of(I, I, I, I, A, I));
    private static final MethodHandle GETSOCKOPT = fn("getsockopt", FunctionDescriptor.of(I, I, I, I, A, A));
    private static final MethodHandle MMAP = fn("mmap", FunctionDescriptor.of(A, L, L, I, I, I, L));
    private static final MethodHandle MUNMAP = fn("munmap", FunctionDescriptor.of(I, A, L));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(I, A, I));
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(I, I, L, A));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(L, I, L, L));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(L, I, L, L));
    private static final MethodHandle SENDTO = fn("sendto", FunctionDescriptor.of(L, I, L, L, I, L, I));

    private Libc() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d,
                Linker.Option.captureCallState("errno"));
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** A failed control-path call: the function, errno and what it means for the user. */
    static IllegalStateException failure(String what, MemorySegment state) {
        int e = errno(state);
        String hint = switch (e) {
            case 1 -> " (EPERM: needs root or CAP_NET_RAW / CAP_NET_ADMIN)";
            case 2 -> " (ENOENT)";
            case 16 -> " (EBUSY: the device is in use)";
            case 19 -> " (ENODEV: no such interface)";
            case 22 -> " (EINVAL)";
            case 13 -> " (EACCES: permission denied)";
            default -> "";
        };
        return new IllegalStateException(what + " failed: errno " + e + hint);
    }

    static int socket(MemorySegment st, int domain, int type, int proto) {
        try {
            return (int) SOCKET.invokeExact(st, domain, type, proto);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int bind(MemorySegment st, int fd, MemorySegment addr) {
        try {
            return (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int setsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value) {
        try {
            return (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** getsockopt into {@code value}; {@code length} is an int the call updates. */
    static int getsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(st, fd, level, name, value, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int setsockoptInt(Arena arena, MemorySegment st, int fd, int level, int name, int value) {
        MemorySegment v = arena.allocate(I);
        v.set(I, 0, value);
        return setsockopt(st, fd, level, name, v);
    }

    static MemorySegment mmap(MemorySegment st, long length, int fd) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, 0L, length, PROT_READ_WRITE, MAP_SHARED, fd, 0L);
            return p.address() == -1L ? MemorySegment.NULL : p.reinterpret(length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void munmap(MemorySegment st, MemorySegment mapping) {
        try {
            int rc = (int) MUNMAP.invokeExact(st, mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(MemorySegment st, int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int open(MemorySegment st, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(st, path, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int ioctl(MemorySegment st, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** read(2) into raw memory at {@code address}; -1 with errno in {@code st} on failure. */
    static long read(MemorySegment st, int fd, long address, long count) {
        try {
            return (long) READ.invokeExact(st, fd, address, count);
        } catch (Throwable t) {
            return -1;
        }
    }

    static long write(MemorySegment st, int fd, long address, long count) {
        try {
            return (long) WRITE.invokeExact(st, fd, address, count);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0): asks the kernel to send what the TX ring holds. */
    static long kickTx(MemorySegment st, int fd) {
        try {
            return (long) SENDTO.invokeExact(st, fd, 0L, 0L, MSG_DONTWAIT, 0L, 0);
        } catch (Throwable t) {
            return -1;
        }
    }
}
