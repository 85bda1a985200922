package dev.junction.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The glibc calls Junction's drivers make, through java.lang.foreign. Each takes first a state segment
 * of layout {@link #CALL_STATE} into which it stores errno (read it with {@link Errno#of}); a thread
 * that calls needs one of its own, allocated once. A call that fails returns what the C function
 * returns (-1, or NULL for {@link #mmap}) with errno in that segment; it throws only when the downcall
 * itself is broken, never for an errno.
 *
 * <p>The calls a worker makes per packet or per burst ({@link #read}, {@link #write}, {@link #sendto})
 * take memory as a {@code long} address (same ABI on x86_64 and aarch64), so that they make no
 * MemorySegment object, and return -1 rather than throw. The others take segments and are meant for
 * the control path.
 */
public final class Libc {
    /** The layout of the state segment each call stores errno in. */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

    public static final int AF_UNIX = 1;
    public static final int AF_PACKET = 17;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_RAW = 3;
    /** Or-ed into socket's type: the descriptor is closed on exec. */
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVTIMEO = 20;
    /** A control message of level SOL_SOCKET that carries file descriptors. */
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int SHUT_RDWR = 2;
    /** sizeof(struct sockaddr_un) on Linux: a 2-byte family and 108 bytes of path. */
    public static final int SOCKADDR_UN_SIZE = 110;
    /**
     * sizeof(struct msghdr) on 64-bit Linux; fields at 0 name, 8 namelen, 16 iov, 24 iovlen, 32 control,
     * 40 controllen, 48 flags.
     */
    public static final int MSGHDR_SIZE = 56;
    public static final int O_RDWR = 0x2;
    public static final int O_NONBLOCK = 0x800;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_SHARED = 0x1;
    private static final int MFD_CLOEXEC = 0x1;
    /** Where st_size lies in struct stat on 64-bit Linux, and a size that holds the whole struct. */
    private static final int STAT_SIZE_OFFSET = 48;
    private static final int STAT_BYTES = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout A = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(I, I, I, I));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle LISTEN = fn("listen", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle ACCEPT4 = fn("accept4", FunctionDescriptor.of(I, I, A, A, I));
    private static final MethodHandle CONNECT = fn("connect", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt", FunctionDescriptor.of(I, I, I, I, A, I));
    private static final MethodHandle GETSOCKOPT = fn("getsockopt", FunctionDescriptor.of(I, I, I, I, A, A));
    private static final MethodHandle SHUTDOWN = fn("shutdown", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle RECVMSG = fn("recvmsg", FunctionDescriptor.of(L, I, A, I));
    private static final MethodHandle SENDMSG = fn("sendmsg", FunctionDescriptor.of(L, I, A, I));
    private static final MethodHandle SENDTO = fn("sendto", FunctionDescriptor.of(L, I, L, L, I, L, I));
    private static final MethodHandle MMAP = fn("mmap", FunctionDescriptor.of(A, L, L, I, I, I, L));
    private static final MethodHandle MUNMAP = fn("munmap", FunctionDescriptor.of(I, A, L));
    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(I, A, I));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(L, I, L, L));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(L, I, L, L));
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(I, I, L, A));
    private static final MethodHandle EVENTFD = fn("eventfd", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle MEMFD_CREATE = fn("memfd_create", FunctionDescriptor.of(I, A, I));
    private static final MethodHandle FSTAT = fn("fstat", FunctionDescriptor.of(I, I, A));
    private static final MethodHandle FTRUNCATE = fn("ftruncate", FunctionDescriptor.of(I, I, L));
    private static final MethodHandle SCHED_SETAFFINITY = fn("sched_setaffinity", FunctionDescriptor.of(I, I, L, A));
    private static final MethodHandle SCHED_GETAFFINITY = fn("sched_getaffinity", FunctionDescriptor.of(I, I, L, A));
    private static final MethodHandle GETTID = fn("gettid", FunctionDescriptor.of(I));

    private Libc() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d,
                Linker.Option.captureCallState("errno"));
    }

    /** sched_setaffinity(2) of thread {@code tid} (0: the caller) to the CPU set {@code mask}: 0, or -1. */
    public static int schedSetaffinity(MemorySegment st, int tid, MemorySegment mask) {
        try {
            return (int) SCHED_SETAFFINITY.invokeExact(st, tid, mask.byteSize(), mask);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** sched_getaffinity(2) of thread {@code tid} (0: the caller) into {@code mask}: its size in bytes, or -1. */
    public static int schedGetaffinity(MemorySegment st, int tid, MemorySegment mask) {
        try {
            return (int) SCHED_GETAFFINITY.invokeExact(st, tid, mask.byteSize(), mask);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** gettid(2): the kernel's id of the calling thread (what /proc/self/task lists). */
    public static int gettid(MemorySegment st) {
        try {
            return (int) GETTID.invokeExact(st);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** socket(2): a new descriptor, or -1. */
    public static int socket(MemorySegment st, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(st, domain, type, protocol);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** bind(2) to the socket address {@code addr} (its whole size is the address length): 0, or -1. */
    public static int bind(MemorySegment st, int fd, MemorySegment addr) {
        try {
            return (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** listen(2): 0, or -1. */
    public static int listen(MemorySegment st, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(st, fd, backlog);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** accept4(2) with SOCK_CLOEXEC, not asking for the peer's address: the connection's descriptor, or -1. */
    public static int accept(MemorySegment st, int fd) {
        try {
            return (int) ACCEPT4.invokeExact(st, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** connect(2) to the socket address {@code addr} (its whole size is the address length): 0, or -1. */
    public static int connect(MemorySegment st, int fd, MemorySegment addr) {
        try {
            return (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** setsockopt(2) with the whole of {@code value} as the option: 0, or -1. */
    public static int setsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value) {
        try {
            return (int) SETSOCKOPT.invokeExact(st, fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** setsockopt(2) of an int option, its value allocated in {@code arena}: 0, or -1. */
    public static int setsockoptInt(Arena arena, MemorySegment st, int fd, int level, int name, int value) {
        MemorySegment v = arena.allocate(I);
        v.set(I, 0, value);
        return setsockopt(st, fd, level, name, v);
    }

    /**
     * getsockopt(2) into {@code value}; {@code length} is an int that holds the room in {@code value}
     * and is set to the option's length. 0, or -1.
     */
    public static int getsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value,
            MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(st, fd, level, name, value, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** shutdown(2), e.g. SHUT_RDWR to wake a thread blocked on the socket: 0, or -1. */
    public static int shutdown(MemorySegment st, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(st, fd, how);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * recvmsg(2) into the struct msghdr {@code msghdr} ({@link #MSGHDR_SIZE}): bytes received, 0 at end of
     * stream, or -1.
     */
    public static long recvmsg(MemorySegment st, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** sendmsg(2) of the struct msghdr {@code msghdr} ({@link #MSGHDR_SIZE}): bytes sent, or -1. */
    public static long sendmsg(MemorySegment st, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) SENDMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * sendto(2) of {@code length} bytes at raw {@code address} on a connected or bound socket (no
     * destination address): bytes sent, or -1. On an AF_PACKET socket with a TX ring, {@code
     * sendto(fd, 0, 0, MSG_DONTWAIT)} asks the kernel to send what the ring holds. Fast path: no objects.
     */
    public static long sendto(MemorySegment st, int fd, long address, long length, int flags) {
        try {
            return (long) SENDTO.invokeExact(st, fd, address, length, flags, 0L, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * mmap(2) of the first {@code length} bytes of {@code fd}, readable and writable, MAP_SHARED: the
     * mapping as a segment of that length, or {@link MemorySegment#NULL}. Unmap it with {@link #munmap}.
     */
    public static MemorySegment mmap(MemorySegment st, long length, int fd) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, 0L, length, PROT_READ_WRITE, MAP_SHARED, fd, 0L);
            return p.address() == -1L ? MemorySegment.NULL : p.reinterpret(length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** munmap(2) of a whole mapping {@link #mmap} returned: 0, or -1. */
    public static int munmap(MemorySegment st, MemorySegment mapping) {
        try {
            return (int) MUNMAP.invokeExact(st, mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** open(2) of the NUL-terminated {@code path}: a new descriptor, or -1. */
    public static int open(MemorySegment st, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(st, path, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * close(2); does nothing for a negative {@code fd} (one never opened). Its result is not returned:
     * on Linux the descriptor is released even when close reports an error.
     */
    public static void close(MemorySegment st, int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int rc = (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * read(2) of up to {@code count} bytes into raw memory at {@code address}: bytes read, 0 at end of
     * file, or -1. Fast path: no objects.
     */
    public static long read(MemorySegment st, int fd, long address, long count) {
        try {
            return (long) READ.invokeExact(st, fd, address, count);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** write(2) of {@code count} bytes from raw memory at {@code address}: bytes written, or -1. No objects. */
    public static long write(MemorySegment st, int fd, long address, long count) {
        try {
            return (long) WRITE.invokeExact(st, fd, address, count);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** ioctl(2) with a pointer argument (a struct the request reads or fills): 0 or a request's own result, or -1. */
    public static int ioctl(MemorySegment st, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(st, fd, request, arg);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** eventfd(2) with the counter at 0 and EFD_* {@code flags}: a new descriptor, or -1. */
    public static int eventfd(MemorySegment st, int flags) {
        try {
            return (int) EVENTFD.invokeExact(st, 0, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** memfd_create(2) with MFD_CLOEXEC, {@code name} NUL-terminated: an empty anonymous file's descriptor, or -1. */
    public static int memfdCreate(MemorySegment st, MemorySegment name) {
        try {
            return (int) MEMFD_CREATE.invokeExact(st, name, MFD_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** ftruncate(2): the file behind {@code fd} becomes {@code length} bytes long. 0, or -1. */
    public static int ftruncate(MemorySegment st, int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(st, fd, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The size of the file behind {@code fd} (fstat(2)'s st_size), or -1. */
    public static long fileSize(MemorySegment st, int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment stat = a.allocate(STAT_BYTES, 8);
            int rc = (int) FSTAT.invokeExact(st, fd, stat);
            return rc == 0 ? stat.get(L, STAT_SIZE_OFFSET) : -1;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
