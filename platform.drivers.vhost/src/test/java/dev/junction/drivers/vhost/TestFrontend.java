package dev.junction.drivers.vhost;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A vhost-user frontend written for tests: it speaks the protocol over a real Unix socket, well or
 * badly as the test wants. Replies are awaited with a time limit, so a backend that fails to answer
 * fails the test instead of hanging it.
 */
final class TestFrontend implements AutoCloseable {
    static final int VERSION = VhostUserMessage.VERSION;
    static final int NEED_REPLY = VhostUserMessage.FLAG_NEED_REPLY;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out = arena.allocate(VhostUserMessage.HEADER_SIZE + 8192, 8);
    final UnixSocket socket;
    private final VhostUserMessage in = new VhostUserMessage();

    private TestFrontend(UnixSocket socket) {
        this.socket = socket;
        socket.receiveTimeout(5000);
    }

    /** Connects to a backend listening on {@code path}, retrying for up to 10 s. */
    static TestFrontend connect(Path path) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                return new TestFrontend(UnixSocket.connect(path));
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /** Sends a message with raw header fields (so that a test can lie in them) and payload. */
    boolean sendRaw(int request, int flags, int size, byte[] payload, int... fds) {
        out.set(ValueLayout.JAVA_INT, 0, request);
        out.set(ValueLayout.JAVA_INT, 4, flags);
        out.set(ValueLayout.JAVA_INT, 8, size);
        MemorySegment.copy(payload, 0, out, ValueLayout.JAVA_BYTE, VhostUserMessage.HEADER_SIZE, payload.length);
        return socket.send(out, 0, VhostUserMessage.HEADER_SIZE + payload.length, fds, fds.length);
    }

    boolean send(int request, int flags, byte[] payload, int... fds) {
        return sendRaw(request, flags, payload.length, payload, fds);
    }

    static byte[] u64(long v) {
        return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] state(int index, int num) {
        return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
    }

    static byte[] addr(int index, long desc, long used, long avail) {
        return java.nio.ByteBuffer.allocate(40).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(0)
                .putLong(desc).putLong(used).putLong(avail).putLong(0).array();
    }

    /** A memory table; each region: guest physical, size, user address, mmap offset. */
    static byte[] memTable(int count, long[]... regions) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 32 * regions.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(count).putInt(0);
        for (long[] r : regions) {
            for (long v : r) {
                b.putLong(v);
            }
        }
        return b.array();
    }

    /** The reply to {@code request}: its first 8 payload bytes; fails the test when none comes in time. */
    long reply(int request) {
        while (true) {
            if (!in.read(socket)) {
                throw new AssertionError("no reply to " + VhostUserMessage.name(request) + " (connection closed or 5 s passed)");
            }
            in.closeFds();
            if (in.request == request && (in.flags & VhostUserMessage.FLAG_REPLY) != 0) {
                return in.size >= 8 ? in.u64(0) : -1;
            }
        }
    }

    /** Sends with need-reply and returns the ack (0: done, non-zero: refused). */
    long call(int request, byte[] payload, int... fds) {
        if (!send(request, VERSION | NEED_REPLY, payload, fds)) {
            throw new AssertionError("cannot send " + VhostUserMessage.name(request));
        }
        return reply(request);
    }

    long get(int request) {
        send(request, VERSION, new byte[0]);
        return reply(request);
    }

    /** Whether the backend closed the connection (a read sees the end within the timeout). */
    boolean closedByPeer() {
        return !in.read(socket);
    }

    /**
     * The sequence a virtio-net frontend plays: features (with REPLY_ACK), the memory table, then
     * both rings (no kick or call descriptors: the backend polls) enabled. Every step must be acked.
     */
    void setUp(GuestRam ram, DriverRing rx, DriverRing tx) {
        send(VhostUserMessage.SET_OWNER, VERSION, new byte[0]); // no ack before REPLY_ACK is negotiated
        long features = get(VhostUserMessage.GET_FEATURES);
        long protocol = get(VhostUserMessage.GET_PROTOCOL_FEATURES);
        assertEquals(0, call(VhostUserMessage.SET_PROTOCOL_FEATURES, u64(protocol & VhostUserBackend.PROTOCOL_F_REPLY_ACK)));
        assertEquals(0, call(VhostUserMessage.SET_FEATURES, u64(features)));
        assertEquals(0, call(VhostUserMessage.SET_MEM_TABLE,
                memTable(1, new long[] {ram.gpa, ram.region.byteSize(), ram.gpa, 0}), ram.fd));
        DriverRing[] rings = {rx, tx};
        for (int i = 0; i < 2; i++) {
            DriverRing r = rings[i];
            assertEquals(0, call(VhostUserMessage.SET_VRING_NUM, state(i, r.size)));
            assertEquals(0, call(VhostUserMessage.SET_VRING_BASE, state(i, r.availIdx)));
            assertEquals(0, call(VhostUserMessage.SET_VRING_ADDR, addr(i, r.descAddr(), r.usedAddr(), r.availAddr())));
            assertEquals(0, call(VhostUserMessage.SET_VRING_KICK, u64(i | 0x100)));
            assertEquals(0, call(VhostUserMessage.SET_VRING_CALL, u64(i | 0x100)));
            assertEquals(0, call(VhostUserMessage.SET_VRING_ENABLE, state(i, 1)));
        }
    }

    @Override
    public void close() {
        socket.shutdown();
        socket.close();
        in.close();
        arena.close();
    }
}
