package dev.junction.drivers.vhost;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A virtio-net device shared with a vhost-user frontend (a QEMU VM, a DPDK virtio-user port) over a
 * Unix socket: Junction is the backend. In server mode it listens on the socket path and serves one
 * frontend at a time; in client mode it connects to a frontend that listens, and tries again every
 * second while there is none. A control thread per device reads the protocol messages; the workers
 * only ever see published rings (see {@link RingSlot}).
 *
 * <p>When a guest breaks the ring rules the device is marked broken: its queues stop, one line is
 * logged, and it stays so until the frontend connects again. Other devices are not affected.
 */
public final class VhostUserDevice implements NetDevice, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.vhost");
    private static final long RECONNECT_NS = TimeUnit.SECONDS.toNanos(1);
    /** Server mode: Junction listens; client mode: Junction connects. */
    public enum Mode {
        SERVER, CLIENT;

        /** {@code server} or {@code client}. */
        public static Mode parse(String s) {
            return switch (s) {
                case "server" -> SERVER;
                case "client" -> CLIENT;
                default -> throw new IllegalArgumentException("mode must be server or client, not '" + s + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String name;
    private final Path socketPath;
    private final Mode mode;
    private final long mac;
    private final RingSlot[] slots;
    private final GuestTransmitQueue[] rx;
    private final List<GuestReceiveQueue> txs = new CopyOnWriteArrayList<>();
    private final VhostUserBackend backend;
    private final UnixSocket listener;
    private final Thread control;
    private volatile boolean closing;
    private volatile UnixSocket connection;
    private volatile String state;
    private final DeviceHealth health;
    private volatile long connections;

    /**
     * Creates the device; in server mode the socket listens before this returns.
     *
     * @throws IllegalStateException when the socket cannot be made (a missing directory, a path too long)
     */
    public VhostUserDevice(String name, Path socketPath, Mode mode) {
        this(name, socketPath, mode, 1);
    }

    /**
     * Creates a device of {@code queuePairs} queue pairs (1..16): the engine deals the pairs' receive
     * sides out to the workers, and worker {@code w} transmits into pair {@code w % queuePairs} (workers
     * that share a pair take turns). A frontend may use fewer pairs: the guest enables those it wants.
     */
    public VhostUserDevice(String name, Path socketPath, Mode mode, int queuePairs) {
        if (queuePairs < 1 || queuePairs > VhostUserBackend.MAX_QUEUE_PAIRS) {
            throw new IllegalArgumentException("queues must be 1.." + VhostUserBackend.MAX_QUEUE_PAIRS + ", not " + queuePairs);
        }
        this.name = name;
        this.socketPath = socketPath;
        this.mode = mode;
        this.mac = 0x02_00_00_00_00_00L | (name.hashCode() & 0xFF_FFFF_FFFFL) | 0x10_00_00_00_00L;
        this.health = new DeviceHealth(name);
        this.slots = new RingSlot[2 * queuePairs];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new RingSlot();
        }
        this.rx = new GuestTransmitQueue[queuePairs];
        for (int p = 0; p < queuePairs; p++) {
            rx[p] = new GuestTransmitQueue(health, slots[2 * p + 1]);
        }
        this.backend = new VhostUserBackend(name, slots);
        this.listener = mode == Mode.SERVER ? UnixSocket.listen(socketPath) : null;
        this.state = mode == Mode.SERVER ? "listening" : "connecting";
        this.control = Thread.ofPlatform().name("vhost-" + name).daemon().start(this::run);
    }

    public Path socketPath() {
        return socketPath;
    }

    public Mode mode() {
        return mode;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return "vhost-user " + mode + (rx.length > 1 ? " queues " + rx.length : "");
    }

    /** Queue pairs the device offers. */
    public int queuePairs() {
        return rx.length;
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return 1500;
    }

    /** Up while a frontend is connected and at least one ring runs. */
    @Override
    public boolean linkUp() {
        if (connection == null) {
            return false;
        }
        for (RingSlot s : slots) {
            if (s.current() != null) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int rxQueueCount() {
        return rx.length;
    }

    @Override
    public RxQueue rxQueue(int q) {
        return rx[q];
    }

    @Override
    public synchronized TxQueue txQueue(int worker) {
        while (txs.size() <= worker) {
            txs.add(new GuestReceiveQueue(health, slots[2 * (txs.size() % rx.length)]));
        }
        return txs.get(worker);
    }

    /** Frames received from the guest on each queue pair (its transmit rings), for a test or a status line. */
    public long[] rxPacketsPerQueue() {
        long[] r = new long[rx.length];
        for (int p = 0; p < r.length; p++) {
            r[p] = rx[p].counters.packets;
        }
        return r;
    }

    @Override
    public DeviceCounters counters() {
        long p = 0;
        long b = 0;
        long e = 0;
        for (GuestReceiveQueue t : txs) {
            QueueCounters c = t.counters;
            p += c.packets;
            b += c.bytes;
            e += c.errors;
        }
        long rp = 0;
        long rb = 0;
        long re = 0;
        for (GuestTransmitQueue q : rx) {
            rp += q.counters.packets;
            rb += q.counters.bytes;
            re += q.counters.errors;
        }
        return new DeviceCounters(rp, rb, re, p, b, e);
    }

    /** listening, connecting, connected, broken or closed. */
    public String state() {
        return health.isBroken() && connection != null ? "broken" : state;
    }

    /** Why the device is broken, or "-". */
    public String brokenReason() {
        int b = health.reason();
        return b == GuestViolation.NONE ? "-" : GuestViolation.reason(b);
    }

    /** Guest ring violations seen (each one stopped the device until the frontend reconnected). */
    public long violations() {
        return health.violations();
    }

    /** Protocol requests refused (malformed, or not allowed at that point). */
    public long protocolErrors() {
        return backend.protocolErrors();
    }

    /** The last refused request and why. */
    public String lastProtocolError() {
        return backend.lastError();
    }

    /** Connections served so far. */
    public long connections() {
        return connections;
    }

    public long negotiatedFeatures() {
        return backend.features();
    }

    public long negotiatedProtocolFeatures() {
        return backend.protocolFeatures();
    }

    /** The rings, e.g. {@code rx:256 avail 512 used 512 calls 0 tx:256 stopped} (with pairs: {@code rx0:... tx0:... rx1:...}). */
    public String rings() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < slots.length; i++) {
            b.append(i == 0 ? "" : " ").append(backend.ringStatus(i));
        }
        return b.toString();
    }

    /** The control thread: serve one frontend at a time, until closed. */
    private void run() {
        VhostUserMessage message = new VhostUserMessage();
        try {
            while (!closing) {
                UnixSocket c = mode == Mode.SERVER ? listener.accept() : connectOnce();
                if (c == null) {
                    if (mode == Mode.SERVER) {
                        break; // the listener was shut down
                    }
                    LockSupport.parkNanos(RECONNECT_NS); // unparked by close()
                    continue;
                }
                connection = c;
                if (closing) { // close() may have looked before the connection was published
                    c.shutdown();
                }
                serve(c, message);
                connection = null;
                c.close();
                state = closing ? "closed" : mode == Mode.SERVER ? "listening" : "connecting";
            }
        } finally {
            message.close();
        }
    }

    private UnixSocket connectOnce() {
        try {
            return UnixSocket.connect(socketPath);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private void serve(UnixSocket c, VhostUserMessage message) {
        connections++;
        state = "connected";
        LOG.log(Level.INFO, "vhost " + name + ": frontend connected on " + socketPath);
        try {
            backend.connected();
            health.clear(); // a new connection starts clean (its rings are not running yet)
            while (message.read(c)) {
                if (!backend.handle(message, c)) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "vhost " + name + ": control thread failed: " + e.getMessage(), e);
        } finally {
            try {
                backend.reset(); // stops the rings before the memory behind them goes
            } catch (RuntimeException e) {
                // Only a worker that never leaves a ring gets here; its memory stays mapped (it may be in use).
                LOG.log(Level.ERROR, "vhost " + name + ": rings not stopped: " + e.getMessage());
            }
        }
        LOG.log(Level.INFO, "vhost " + name + ": frontend disconnected");
    }

    /** Stops the control thread and every ring, closes the socket (and removes its file in server mode). */
    @Override
    public void close() {
        closing = true;
        if (listener != null) {
            listener.shutdown();
        }
        UnixSocket c = connection;
        if (c != null) {
            c.shutdown();
        }
        LockSupport.unpark(control);
        try {
            control.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (control.isAlive()) {
            LOG.log(Level.ERROR, "vhost " + name + ": control thread did not stop");
            return;
        }
        backend.close();
        if (listener != null) {
            listener.close();
            try {
                Files.deleteIfExists(socketPath);
            } catch (java.io.IOException e) {
                LOG.log(Level.WARNING, "vhost " + name + ": cannot remove " + socketPath + ": " + e.getMessage());
            }
        }
        state = "closed";
    }
}
