package dev.junction.drivers.vhost;

import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A vhost-user backend as its device's control thread drives it, fed message bytes directly (the
 * header checks of {@link VhostUserMessage#read}, then {@link VhostUserBackend#handle}), with
 * descriptors made for it: memfds for memory tables, eventfds for kick and call. Replies go out on a
 * real Unix socket whose other end a thread drains. In this package: the classes are the driver's own.
 */
public final class VhostFuzz implements AutoCloseable {
    /** What a message comes with. */
    public static final int NO_FDS = 0, MEMFDS = 1, EVENTFDS = 2;
    public static final int HEADER = VhostUserMessage.HEADER_SIZE, MAX_PAYLOAD = VhostUserMessage.MAX_PAYLOAD;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private final MemorySegment memfdName = arena.allocateFrom("junction-fuzz");
    private final UnixSocket listener, client, server;
    private final Thread drain;
    private final RingSlot[] slots = {new RingSlot(), new RingSlot()};
    private final VhostUserBackend backend = new VhostUserBackend("fuzz0", slots);
    private final VhostUserMessage message = new VhostUserMessage();
    private final long memorySize;
    private long closed, handled, started;

    /** A backend behind {@code dir}/fuzz.sock; memory tables map memfds of {@code memorySize} bytes. */
    /**
     * The backend's refusals, quiet while fuzzing: each bad header is a new connection here, and
     * each connection logs its first few (30,000 lines a run otherwise). Kept: JUL holds loggers weakly.
     */
    private final java.util.logging.Logger driverLog = java.util.logging.Logger.getLogger("dev.junction.drivers.vhost");
    private final java.util.logging.Level driverLevel = driverLog.getLevel();

    public VhostFuzz(Path dir, long memorySize) {
        driverLog.setLevel(java.util.logging.Level.SEVERE);
        this.memorySize = memorySize;
        Path path = dir.resolve("fuzz.sock");
        listener = UnixSocket.listen(path);
        client = UnixSocket.connect(path);
        server = listener.accept();
        drain = Thread.ofPlatform().daemon().name("vhost-fuzz-drain").start(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment b = a.allocate(HEADER + MAX_PAYLOAD, 8);
                int[] fds = new int[UnixSocket.MAX_FDS];
                while (client.receive(b, 0, HEADER + 8, fds, 0) >= 0) {
                    // every reply is a header and 8 bytes (a u64 or a vring state)
                }
            }
        });
        backend.connected();
    }

    /**
     * Handles the message in {@code bytes[0, length)} (a header and its payload; bytes the header
     * promises beyond {@code length} read as zeros) with {@code fdCount} descriptors of {@code fdKind}.
     * Returns false when the message could not be one and the connection would close (the backend
     * then starts over, as for a new frontend).
     */
    public boolean handle(byte[] bytes, int length, int fdKind, int fdCount) {
        message.closeFds();
        MemorySegment b = message.buffer;
        int n = Math.min(length, HEADER + MAX_PAYLOAD);
        b.fill((byte) 0);
        MemorySegment.copy(bytes, 0, b, ValueLayout.JAVA_BYTE, 0, n);
        for (int i = 0; i < fdCount; i++) {
            message.fds[i] = fdKind == MEMFDS ? memfd() : Libc.eventfd(state, 0);
        }
        message.fdCount = fdCount;
        if (!message.header()) {
            message.closeFds();
            backend.connected();
            closed++;
            return false;
        }
        if (!backend.handle(message, server)) {
            throw new IllegalStateException("the backend could not reply: " + backend.lastError());
        }
        handled++;
        for (RingSlot s : slots) {
            if (s.current() != null) {
                started++;
            }
        }
        return true;
    }

    private int memfd() {
        int fd = Libc.memfdCreate(state, memfdName);
        if (fd < 0 || Libc.ftruncate(state, fd, memorySize) != 0) {
            throw new IllegalStateException("memfd for a fuzzed memory table");
        }
        return fd;
    }

    /** Messages handled, connections closed by a bad header, ring-messages that found a ring running. */
    public String summary() {
        return String.format("%,d handled, %,d closed by a bad header, %,d protocol errors, %,d times a ring ran",
                handled, closed, backend.protocolErrors(), started);
    }

    @Override
    public void close() throws InterruptedException {
        message.closeFds();
        backend.close();
        driverLog.setLevel(driverLevel);
        message.close();
        server.close();
        client.shutdown();
        drain.join(5000);
        client.close();
        listener.close();
        arena.close();
    }
}
