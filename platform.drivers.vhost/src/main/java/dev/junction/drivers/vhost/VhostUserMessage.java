package dev.junction.drivers.vhost;

import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One vhost-user message (QEMU docs/interop/vhost-user.rst): a 12-byte header (request, flags, payload
 * size, all u32 little-endian) then the payload, with file descriptors passed alongside. One instance
 * is reused by a device's control thread for every message it reads.
 */
final class VhostUserMessage implements AutoCloseable {
    static final int HEADER_SIZE = 12;
    /** Larger payloads are refused (the connection closes): the largest we take is a memory table. */
    static final int MAX_PAYLOAD = 4096;

    static final int GET_FEATURES = 1;
    static final int SET_FEATURES = 2;
    static final int SET_OWNER = 3;
    static final int RESET_OWNER = 4;
    static final int SET_MEM_TABLE = 5;
    static final int SET_LOG_BASE = 6;
    static final int SET_LOG_FD = 7;
    static final int SET_VRING_NUM = 8;
    static final int SET_VRING_ADDR = 9;
    static final int SET_VRING_BASE = 10;
    static final int GET_VRING_BASE = 11;
    static final int SET_VRING_KICK = 12;
    static final int SET_VRING_CALL = 13;
    static final int SET_VRING_ERR = 14;
    static final int GET_PROTOCOL_FEATURES = 15;
    static final int SET_PROTOCOL_FEATURES = 16;
    static final int GET_QUEUE_NUM = 17;
    static final int SET_VRING_ENABLE = 18;

    /** Header flags: protocol version 1 in the low two bits, then reply and need-reply. */
    static final int VERSION = 0x1;
    static final int VERSION_MASK = 0x3;
    static final int FLAG_REPLY = 0x4;
    static final int FLAG_NEED_REPLY = 0x8;

    private static final String[] NAMES = {"0", "GET_FEATURES", "SET_FEATURES", "SET_OWNER", "RESET_OWNER",
        "SET_MEM_TABLE", "SET_LOG_BASE", "SET_LOG_FD", "SET_VRING_NUM", "SET_VRING_ADDR", "SET_VRING_BASE",
        "GET_VRING_BASE", "SET_VRING_KICK", "SET_VRING_CALL", "SET_VRING_ERR", "GET_PROTOCOL_FEATURES",
        "SET_PROTOCOL_FEATURES", "GET_QUEUE_NUM", "SET_VRING_ENABLE"};

    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    final MemorySegment buffer = arena.allocate(HEADER_SIZE + MAX_PAYLOAD, 8);
    /** Descriptors that came with the message; a handler that keeps one sets its entry to -1. */
    final int[] fds = new int[UnixSocket.MAX_FDS];
    int fdCount;
    int request;
    int flags;
    int size;

    static String name(int request) {
        return request > 0 && request < NAMES.length ? NAMES[request] : "request " + request;
    }

    /**
     * Reads the next message. Returns false when the peer closed, or sent something that cannot be
     * a message (a wrong version, a payload larger than {@link #MAX_PAYLOAD}): then the connection
     * must close, as there is no way to find the next message boundary.
     */
    boolean read(UnixSocket socket) {
        closeFds();
        int n = socket.receive(buffer, 0, HEADER_SIZE, fds, 0);
        if (n < 0) {
            fdCount = 0;
            return false;
        }
        fdCount = n;
        if (!header()) {
            return false;
        }
        if (size > 0) {
            n = socket.receive(buffer, HEADER_SIZE, size, fds, fdCount);
            if (n < 0) {
                return false;
            }
            fdCount = n;
        }
        return true;
    }

    /**
     * Takes request, flags and payload size from the header in {@link #buffer}; false when it cannot
     * be a message's (a wrong version, a payload larger than {@link #MAX_PAYLOAD}).
     */
    boolean header() {
        request = buffer.get(ValueLayout.JAVA_INT, 0);
        flags = buffer.get(ValueLayout.JAVA_INT, 4);
        size = buffer.get(ValueLayout.JAVA_INT, 8);
        return (flags & VERSION_MASK) == VERSION && size >= 0 && size <= MAX_PAYLOAD;
    }

    boolean needsReply() {
        return (flags & FLAG_NEED_REPLY) != 0;
    }

    long u64(int offset) {
        return buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, HEADER_SIZE + offset);
    }

    int u32(int offset) {
        return buffer.get(ValueLayout.JAVA_INT_UNALIGNED, HEADER_SIZE + offset);
    }

    /** Replies to the current request with a u64 payload (features, queue count, an ack: 0 is success). */
    boolean replyU64(UnixSocket socket, long value) {
        writeReplyHeader(8);
        buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, HEADER_SIZE, value);
        return socket.send(buffer, 0, HEADER_SIZE + 8, fds, 0);
    }

    /** Replies with a vring state (index, num). */
    boolean replyState(UnixSocket socket, int index, int num) {
        writeReplyHeader(8);
        buffer.set(ValueLayout.JAVA_INT_UNALIGNED, HEADER_SIZE, index);
        buffer.set(ValueLayout.JAVA_INT_UNALIGNED, HEADER_SIZE + 4, num);
        return socket.send(buffer, 0, HEADER_SIZE + 8, fds, 0);
    }

    private void writeReplyHeader(int payload) {
        buffer.set(ValueLayout.JAVA_INT, 0, request);
        buffer.set(ValueLayout.JAVA_INT, 4, VERSION | FLAG_REPLY);
        buffer.set(ValueLayout.JAVA_INT, 8, payload);
    }

    /** Takes ownership of descriptor {@code i}: it will not be closed with the message. */
    int takeFd(int i) {
        int fd = fds[i];
        fds[i] = -1;
        return fd;
    }

    /** Closes the descriptors of the current message that no handler kept. */
    void closeFds() {
        for (int i = 0; i < fdCount; i++) {
            if (fds[i] >= 0) {
                Libc.close(state, fds[i]);
                fds[i] = -1;
            }
        }
        fdCount = 0;
    }

    @Override
    public void close() {
        closeFds();
        arena.close();
    }
}
