package dev.junction.drivers.vhost;

import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A Unix stream socket (listening or connected) that sends and receives bytes with file descriptors
 * attached (SCM_RIGHTS), as vhost-user needs. Blocking calls; used by one control thread, except
 * {@link #shutdown()}, which any thread may call to wake that thread up.
 */
final class UnixSocket implements AutoCloseable {
    /** vhost-user passes at most 8 descriptors with one message (one per memory region). */
    static final int MAX_FDS = 8;
    private static final int CONTROL_SIZE = 16 + MAX_FDS * 4; // CMSG_SPACE(8 ints)

    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private final MemorySegment shutdownState = arena.allocate(Libc.CALL_STATE);
    private final MemorySegment msghdr = arena.allocate(Libc.MSGHDR_SIZE, 8);
    private final MemorySegment iov = arena.allocate(16, 8);
    private final MemorySegment control = arena.allocate(CONTROL_SIZE, 8);
    private final int fd;
    private volatile boolean closed;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    /** Listens on {@code path}, replacing a stale socket file left there. */
    static UnixSocket listen(Path path) {
        UnixSocket s = open();
        try {
            java.nio.file.Files.deleteIfExists(path);
            if (Libc.bind(s.state, s.fd, s.address(path)) != 0) {
                throw Errno.failure("bind to " + path, s.state);
            }
            if (Libc.listen(s.state, s.fd, 1) != 0) {
                throw Errno.failure("listen on " + path, s.state);
            }
            return s;
        } catch (java.io.IOException e) {
            s.close();
            throw new IllegalStateException("cannot replace " + path + ": " + e.getMessage());
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Connects to a listening {@code path}; throws IllegalStateException (with errno) when nobody listens. */
    static UnixSocket connect(Path path) {
        UnixSocket s = open();
        if (Libc.connect(s.state, s.fd, s.address(path)) != 0) {
            IllegalStateException e = Errno.failure("connect to " + path, s.state);
            s.close();
            throw e;
        }
        return s;
    }

    private static UnixSocket open() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Libc.CALL_STATE);
            int fd = Libc.socket(st, Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw Errno.failure("socket(AF_UNIX)", st);
            }
            return new UnixSocket(fd);
        }
    }

    private MemorySegment address(Path path) {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length >= 108) {
            throw new IllegalArgumentException("a Unix socket path has at most 107 bytes: " + path);
        }
        MemorySegment sa = arena.allocate(Libc.SOCKADDR_UN_SIZE, 8);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_UNIX);
        MemorySegment.copy(p, 0, sa, ValueLayout.JAVA_BYTE, 2, p.length);
        return sa;
    }

    /** Waits for a frontend; null when the socket was shut down or closed. */
    UnixSocket accept() {
        while (!closed) {
            int c = Libc.accept(state, fd);
            if (c >= 0) {
                return new UnixSocket(c);
            }
            if (Errno.of(state) != Errno.EINTR) {
                return null;
            }
        }
        return null;
    }

    /**
     * Reads exactly {@code length} bytes into {@code buf} at {@code offset}; descriptors that come with
     * them are stored in {@code fds} from {@code fdCount} on. Returns the new descriptor count, or -1
     * when the peer closed, the socket failed or more than {@link #MAX_FDS} descriptors came (the
     * kernel closes those it could not pass; the ones stored are closed by the caller).
     */
    int receive(MemorySegment buf, long offset, int length, int[] fds, int fdCount) {
        int got = 0;
        int n = fdCount;
        while (got < length) {
            iov.set(ValueLayout.JAVA_LONG, 0, buf.address() + offset + got);
            iov.set(ValueLayout.JAVA_LONG, 8, length - got);
            msghdr.fill((byte) 0);
            msghdr.set(ValueLayout.JAVA_LONG, 16, iov.address());
            msghdr.set(ValueLayout.JAVA_LONG, 24, 1);
            msghdr.set(ValueLayout.JAVA_LONG, 32, control.address());
            msghdr.set(ValueLayout.JAVA_LONG, 40, CONTROL_SIZE);
            long r = Libc.recvmsg(state, fd, msghdr, Libc.MSG_CMSG_CLOEXEC);
            if (r < 0 && Errno.of(state) == Errno.EINTR) {
                continue;
            }
            if (r <= 0) {
                return -1;
            }
            long controlLen = msghdr.get(ValueLayout.JAVA_LONG, 40);
            long pos = 0;
            while (pos + 16 <= controlLen) {
                long cmsgLen = control.get(ValueLayout.JAVA_LONG, pos);
                int level = control.get(ValueLayout.JAVA_INT, pos + 8);
                int type = control.get(ValueLayout.JAVA_INT, pos + 12);
                if (cmsgLen < 16 || pos + cmsgLen > controlLen) {
                    break;
                }
                if (level == Libc.SOL_SOCKET && type == Libc.SCM_RIGHTS) {
                    for (long p = pos + 16; p + 4 <= pos + cmsgLen; p += 4) {
                        int f = control.get(ValueLayout.JAVA_INT, p);
                        if (n < fds.length) {
                            fds[n++] = f;
                        } else {
                            Libc.close(state, f);
                        }
                    }
                }
                pos += (cmsgLen + 7) & ~7L;
            }
            if ((msghdr.get(ValueLayout.JAVA_INT, 48) & Libc.MSG_CTRUNC) != 0) {
                for (int i = fdCount; i < n; i++) {
                    Libc.close(state, fds[i]);
                    fds[i] = -1;
                }
                return -1;
            }
            got += (int) r;
        }
        return n;
    }

    /** Sends {@code length} bytes from {@code buf} with {@code nfds} descriptors attached; false when the peer is gone. */
    boolean send(MemorySegment buf, long offset, int length, int[] fds, int nfds) {
        int sent = 0;
        boolean first = true;
        while (sent < length) {
            iov.set(ValueLayout.JAVA_LONG, 0, buf.address() + offset + sent);
            iov.set(ValueLayout.JAVA_LONG, 8, length - sent);
            msghdr.fill((byte) 0);
            msghdr.set(ValueLayout.JAVA_LONG, 16, iov.address());
            msghdr.set(ValueLayout.JAVA_LONG, 24, 1);
            if (first && nfds > 0) {
                control.fill((byte) 0);
                control.set(ValueLayout.JAVA_LONG, 0, 16 + 4L * nfds);
                control.set(ValueLayout.JAVA_INT, 8, Libc.SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, 12, Libc.SCM_RIGHTS);
                for (int i = 0; i < nfds; i++) {
                    control.set(ValueLayout.JAVA_INT, 16 + 4L * i, fds[i]);
                }
                msghdr.set(ValueLayout.JAVA_LONG, 32, control.address());
                msghdr.set(ValueLayout.JAVA_LONG, 40, (16 + 4L * nfds + 7) & ~7L);
            }
            long r = Libc.sendmsg(state, fd, msghdr, Libc.MSG_NOSIGNAL);
            if (r < 0 && Errno.of(state) == Errno.EINTR) {
                continue;
            }
            if (r <= 0) {
                return false;
            }
            first = false;
            sent += (int) r;
        }
        return true;
    }

    /** Makes a blocked receive give up (return -1) after {@code millis}; 0: wait for ever. */
    void receiveTimeout(long millis) {
        MemorySegment tv = arena.allocate(16, 8);
        tv.set(ValueLayout.JAVA_LONG, 0, millis / 1000);
        tv.set(ValueLayout.JAVA_LONG, 8, (millis % 1000) * 1000);
        if (Libc.setsockopt(state, fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv) != 0) {
            throw Errno.failure("setsockopt SO_RCVTIMEO", state);
        }
    }

    /**
     * Wakes a thread blocked in accept or receive on this socket (it then returns null / -1). Any
     * thread may call it, also while the owner closes the socket: the two take turns, so that the
     * memory shutdown uses is never freed under it.
     */
    synchronized void shutdown() {
        closed = true;
        if (!released) {
            Libc.shutdown(shutdownState, fd, Libc.SHUT_RDWR);
        }
    }

    private boolean released;

    /** Closes the descriptor; the thread that used the socket must have left it. */
    @Override
    public synchronized void close() {
        closed = true;
        if (released) {
            return;
        }
        released = true;
        Libc.close(state, fd);
        arena.close();
    }
}
