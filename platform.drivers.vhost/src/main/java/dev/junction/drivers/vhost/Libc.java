package dev.junction.drivers.vhost;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The glibc calls the vhost-user driver needs, through java.lang.foreign: Unix sockets with file
 * descriptor passing, mmap of the frontend's memory, eventfd reads and writes. Pointers are passed as
 * {@code long} addresses where the fast path calls (write to a call eventfd), so that it makes no
 * objects. Every call captures errno into a per-caller state segment.
 */
final class Libc {
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int SHUT_RDWR = 2;
    static final int SO_RCVTIMEO = 20;
    static final int PROT_READ_WRITE = 0x3;
    static final int MAP_SHARED = 0x1;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    /** sizeof(struct sockaddr_un) on Linux: a 2-byte family and 108 bytes of path. */
    static final int SOCKADDR_UN_SIZE = 110;
    /** sizeof(struct msghdr) on 64-bit Linux; fields at 0 name, 8 namelen, 16 iov, 24 iovlen, 32 control, 40 controllen, 48 flags. */
    static final int MSGHDR_SIZE = 56;

    private static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout A = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(I, I, I, I));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle LISTEN = fn("listen", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle ACCEPT4 = fn("accept4", FunctionDescriptor.of(I, I, A, A, I));
    private static final MethodHandle CONNECT = fn("connect", FunctionDescriptor.of(I, I, A, I));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt", FunctionDescriptor.of(I, I, I, I, A, I));
    private static final MethodHandle SHUTDOWN = fn("shutdown", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle RECVMSG = fn("recvmsg", FunctionDescriptor.of(L, I, A, I));
    private static final MethodHandle SENDMSG = fn("sendmsg", FunctionDescriptor.of(L, I, A, I));
    private static final MethodHandle MMAP = fn("mmap", FunctionDescriptor.of(A, L, L, I, I, I, L));
    private static final MethodHandle MUNMAP = fn("munmap", FunctionDescriptor.of(I, A, L));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(L, I, L, L));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(L, I, L, L));
    private static final MethodHandle EVENTFD = fn("eventfd", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle MEMFD_CREATE = fn("memfd_create", FunctionDescriptor.of(I, A, I));
    private static final MethodHandle FSTAT = fn("fstat", FunctionDescriptor.of(I, I, A));
    private static final MethodHandle FTRUNCATE = fn("ftruncate", FunctionDescriptor.of(I, I, L));

    private Libc() {
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d,
                Linker.Option.captureCallState("errno"));
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** A failed control-path call: the function and errno. */
    static IllegalStateException failure(String what, MemorySegment state) {
        int e = errno(state);
        String hint = switch (e) {
            case 2 -> " (ENOENT: no such file)";
            case 13 -> " (EACCES: permission denied)";
            case 98 -> " (EADDRINUSE: the socket path is in use)";
            case 111 -> " (ECONNREFUSED: nobody listens on the socket)";
            case 12 -> " (ENOMEM)";
            case 22 -> " (EINVAL)";
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

    static int listen(MemorySegment st, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(st, fd, backlog);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int accept(MemorySegment st, int fd) {
        try {
            return (int) ACCEPT4.invokeExact(st, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int connect(MemorySegment st, int fd, MemorySegment addr) {
        try {
            return (int) CONNECT.invokeExact(st, fd, addr, (int) addr.byteSize());
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

    static int shutdown(MemorySegment st, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(st, fd, how);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static long recvmsg(MemorySegment st, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RECVMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static long sendmsg(MemorySegment st, int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) SENDMSG.invokeExact(st, fd, msghdr, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** mmap(NULL, length, RW, MAP_SHARED, fd, offset); NULL on failure with errno in {@code st}. */
    static MemorySegment mmap(MemorySegment st, long length, int fd, long offset) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, 0L, length, PROT_READ_WRITE, MAP_SHARED, fd, offset);
            return p.address() == -1L ? MemorySegment.NULL : p.reinterpret(length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int munmap(MemorySegment st, MemorySegment mapping) {
        try {
            return (int) MUNMAP.invokeExact(st, mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(MemorySegment st, int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int rc = (int) CLOSE.invokeExact(st, fd);
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

    /** write(2) from raw memory at {@code address}; -1 with errno in {@code st} on failure. */
    static long write(MemorySegment st, int fd, long address, long count) {
        try {
            return (long) WRITE.invokeExact(st, fd, address, count);
        } catch (Throwable t) {
            return -1;
        }
    }

    static int eventfd(MemorySegment st, int flags) {
        try {
            return (int) EVENTFD.invokeExact(st, 0, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int memfdCreate(MemorySegment st, MemorySegment name) {
        try {
            return (int) MEMFD_CREATE.invokeExact(st, name, 1); // MFD_CLOEXEC
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The size of the file behind {@code fd} (struct stat's st_size, at offset 48 on 64-bit Linux), or -1. */
    static long fileSize(MemorySegment st, int fd) {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment stat = a.allocate(256, 8);
            int rc = (int) FSTAT.invokeExact(st, fd, stat);
            return rc == 0 ? stat.get(L, 48) : -1;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int ftruncate(MemorySegment st, int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(st, fd, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
