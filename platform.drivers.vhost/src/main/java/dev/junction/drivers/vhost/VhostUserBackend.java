package dev.junction.drivers.vhost;

import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.System.Logger.Level;

/**
 * The backend side of the vhost-user protocol for one virtio-net device with one or more queue pairs:
 * feature negotiation, the memory table, and the rings' settings, which it turns into running
 * {@link SplitVirtqueue}s published through {@link RingSlot}s. Runs on the device's control thread
 * only, one message at a time; never on a worker.
 *
 * <p>Ring 2k is queue pair k's receive queue in the guest (Junction transmits into it), ring 2k+1
 * its transmit queue (Junction receives from it). With more than one pair the device offers
 * VIRTIO_NET_F_MQ and the control queue (which the frontend, QEMU, serves itself) and answers
 * GET_QUEUE_NUM with its pairs; the frontend sends the one-time requests (memory table) once and the
 * per-ring ones for every ring, and enables a pair's rings when the guest turns the pair on. A ring runs when it is started (a kick descriptor came, or the
 * no-descriptor flag), enabled, has a size, addresses and a memory table; GET_VRING_BASE stops it.
 * Every ring starts disabled; SET_VRING_ENABLE enables it, or SET_FEATURES without
 * VHOST_USER_F_PROTOCOL_FEATURES enables them all (the spec's rule for older frontends).
 *
 * <p>A request that is malformed or not allowed now is refused: counted, logged (a few per
 * connection), answered with a failure when the frontend asked for an ack, and it changes nothing.
 */
final class VhostUserBackend {
    static final long VIRTIO_NET_F_MRG_RXBUF = 1L << 15;
    static final long VIRTIO_NET_F_CTRL_VQ = 1L << 17;
    static final long VIRTIO_NET_F_MQ = 1L << 22;
    static final long VIRTIO_RING_F_INDIRECT_DESC = 1L << 28;
    static final long VIRTIO_RING_F_EVENT_IDX = 1L << 29;
    static final long VHOST_USER_F_PROTOCOL_FEATURES = 1L << 30;
    static final long VIRTIO_F_VERSION_1 = 1L << 32;
    static final long OFFERED_FEATURES = VIRTIO_NET_F_MRG_RXBUF | VIRTIO_RING_F_EVENT_IDX
            | VHOST_USER_F_PROTOCOL_FEATURES | VIRTIO_F_VERSION_1;
    static final long PROTOCOL_F_MQ = 1L << 0;
    static final long PROTOCOL_F_REPLY_ACK = 1L << 3;
    static final long OFFERED_PROTOCOL_FEATURES = PROTOCOL_F_MQ | PROTOCOL_F_REPLY_ACK;
    /** Most queue pairs a device takes (the virtio limit is 0x8000; a router's workers are fewer). */
    static final int MAX_QUEUE_PAIRS = 16;
    private static final int VRING_INDEX_MASK = 0xFF;
    private static final long VRING_NOFD = 1L << 8;
    private static final int LOGGED_ERRORS_PER_CONNECTION = 10;
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.vhost");

    /** What the frontend told us about one ring; the running ring is made from it. */
    private static final class RingSettings {
        int num;
        boolean addressed;
        long descAddr;
        long usedAddr;
        long availAddr;
        int base;
        int kickFd = -1;
        int callFd = -1;
        boolean started;
        boolean enabled;
    }

    private final String deviceName;
    private final RingSlot[] slots;
    private final int pairs;
    private final int ringCount;
    private final long offeredFeatures;
    private final RingSettings[] rings;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private GuestMemory memory;
    private volatile long features;
    private volatile long protocolFeatures;
    private volatile long protocolErrors;
    private volatile long ignoredRequests;
    private volatile String lastError = "-";
    private int loggedErrors;

    /** A backend of {@code slots.length / 2} queue pairs, ring {@code i} published through {@code slots[i]}. */
    VhostUserBackend(String deviceName, RingSlot[] slots) {
        this.deviceName = deviceName;
        this.slots = slots;
        this.pairs = slots.length / 2;
        if (pairs < 1 || pairs > MAX_QUEUE_PAIRS || slots.length != 2 * pairs) {
            throw new IllegalArgumentException("queue pairs must be 1.." + MAX_QUEUE_PAIRS + ", not " + slots.length + " rings");
        }
        this.ringCount = 2 * pairs;
        this.offeredFeatures = OFFERED_FEATURES | (pairs > 1 ? VIRTIO_NET_F_MQ | VIRTIO_NET_F_CTRL_VQ : 0);
        this.rings = new RingSettings[ringCount];
        for (int i = 0; i < ringCount; i++) {
            rings[i] = new RingSettings();
        }
    }

    long features() {
        return features;
    }

    long protocolFeatures() {
        return protocolFeatures;
    }

    long protocolErrors() {
        return protocolErrors;
    }

    long ignoredRequests() {
        return ignoredRequests;
    }

    String lastError() {
        return lastError;
    }

    /**
     * Handles one message and sends its reply. Returns false when the connection must close (a
     * reply could not be sent).
     */
    boolean handle(VhostUserMessage m, UnixSocket socket) {
        int r = m.request;
        String error = switch (r) {
            case VhostUserMessage.GET_FEATURES -> {
                yield m.replyU64(socket, offeredFeatures) ? null : "";
            }
            case VhostUserMessage.GET_PROTOCOL_FEATURES -> {
                yield m.replyU64(socket, OFFERED_PROTOCOL_FEATURES) ? null : "";
            }
            case VhostUserMessage.GET_QUEUE_NUM -> {
                yield m.replyU64(socket, pairs) ? null : "";
            }
            case VhostUserMessage.GET_VRING_BASE -> {
                String e = payload(m, 8);
                if (e == null) {
                    e = ringIndex(m.u32(0));
                }
                if (e != null) {
                    refuse(m, e);
                    yield m.replyState(socket, m.u32(0), 0) ? null : ""; // the frontend waits for an answer
                }
                int i = m.u32(0);
                stop(i);
                rings[i].started = false;
                yield m.replyState(socket, i, rings[i].base) ? null : "";
            }
            default -> {
                String e = apply(m);
                if (e != null) {
                    refuse(m, e);
                }
                if (m.needsReply() && (protocolFeatures & PROTOCOL_F_REPLY_ACK) != 0) {
                    yield m.replyU64(socket, e == null ? 0 : 1) ? null : "";
                }
                yield null;
            }
        };
        m.closeFds();
        return error == null;
    }

    /** Applies a request that has no reply of its own; returns why it was refused, or null. */
    private String apply(VhostUserMessage m) {
        return switch (m.request) {
            case VhostUserMessage.SET_OWNER -> null;
            case VhostUserMessage.RESET_OWNER -> {
                reset();
                yield null;
            }
            case VhostUserMessage.SET_FEATURES -> setFeatures(m);
            case VhostUserMessage.SET_PROTOCOL_FEATURES -> {
                String e = payload(m, 8);
                if (e != null) {
                    yield e;
                }
                long v = m.u64(0);
                if ((v & ~OFFERED_PROTOCOL_FEATURES) != 0) {
                    yield "protocol features 0x" + Long.toHexString(v) + " were not offered";
                }
                protocolFeatures = v;
                yield null;
            }
            case VhostUserMessage.SET_MEM_TABLE -> setMemTable(m);
            case VhostUserMessage.SET_LOG_BASE, VhostUserMessage.SET_LOG_FD ->
                    "dirty logging (live migration) is not supported";
            case VhostUserMessage.SET_VRING_NUM -> setVringNum(m);
            case VhostUserMessage.SET_VRING_ADDR -> setVringAddr(m);
            case VhostUserMessage.SET_VRING_BASE -> {
                String e = payload(m, 8);
                if (e == null) {
                    e = ringIndex(m.u32(0));
                }
                if (e == null && Integer.compareUnsigned(m.u32(4), 0xFFFF) > 0) {
                    e = "ring base " + Integer.toUnsignedString(m.u32(4)) + " is not a 16-bit index";
                }
                if (e != null) {
                    yield e;
                }
                RingSettings s = rings[m.u32(0)];
                if (slots[m.u32(0)].current() != null) {
                    yield "ring " + m.u32(0) + " is running: stop it (GET_VRING_BASE) before setting its base";
                }
                s.base = m.u32(4);
                yield null;
            }
            case VhostUserMessage.SET_VRING_KICK, VhostUserMessage.SET_VRING_CALL, VhostUserMessage.SET_VRING_ERR ->
                    setVringFd(m);
            case VhostUserMessage.SET_VRING_ENABLE -> {
                String e = payload(m, 8);
                if (e == null) {
                    e = ringIndex(m.u32(0));
                }
                if (e == null && m.u32(4) != 0 && m.u32(4) != 1) {
                    e = "SET_VRING_ENABLE takes 0 or 1, not " + m.u32(4);
                }
                if (e != null) {
                    yield e;
                }
                int i = m.u32(0);
                rings[i].enabled = m.u32(4) == 1;
                if (rings[i].enabled) {
                    startIfReady(i);
                } else {
                    stop(i);
                }
                yield null;
            }
            default -> {
                // A request we do not know: the frontend only sends those after negotiating features we
                // never offered. Ignored (an ack request gets a failure), never waited on.
                ignoredRequests++;
                yield m.needsReply() ? "request " + m.request + " is not supported" : null;
            }
        };
    }

    private String setFeatures(VhostUserMessage m) {
        String e = payload(m, 8);
        if (e != null) {
            return e;
        }
        long v = m.u64(0);
        if ((v & ~offeredFeatures) != 0) {
            return "features 0x" + Long.toHexString(v) + " were not offered (offered 0x" + Long.toHexString(offeredFeatures) + ")";
        }
        features = v;
        for (int i = 0; i < ringCount; i++) {
            if ((v & VHOST_USER_F_PROTOCOL_FEATURES) == 0) {
                rings[i].enabled = true;
            }
            restart(i); // the header length and event index may have changed
        }
        return null;
    }

    private String setMemTable(VhostUserMessage m) {
        if (m.size < 8) {
            return "memory table of " + m.size + " bytes";
        }
        int n = m.u32(0);
        if (n < 1 || n > GuestMemory.MAX_REGIONS) {
            return "memory table with " + Integer.toUnsignedString(n) + " regions (1.." + GuestMemory.MAX_REGIONS + ")";
        }
        if (m.size < 8 + 32 * n) {
            return "memory table of " + n + " regions in " + m.size + " bytes";
        }
        if (m.fdCount != n) {
            return "memory table of " + n + " regions came with " + m.fdCount + " descriptors";
        }
        long[] gpa = new long[n];
        long[] uaddr = new long[n];
        MemorySegment[] regions = new MemorySegment[n];
        MemorySegment[] maps = new MemorySegment[n];
        int mapped = 0;
        String error = null;
        for (int i = 0; i < n && error == null; i++) {
            int o = 8 + 32 * i;
            gpa[i] = m.u64(o);
            long size = m.u64(o + 8);
            uaddr[i] = m.u64(o + 16);
            long mmapOffset = m.u64(o + 24);
            int fd = m.fds[i];
            long fileSize = Libc.fileSize(state, fd);
            // Mapping past the end of the file would fault (SIGBUS) on the first access.
            if (size <= 0 || size >= GuestMemory.MAX_REGION_SIZE || mmapOffset < 0
                    || mmapOffset > GuestMemory.MAX_REGION_SIZE || fileSize < 0 || mmapOffset + size > fileSize) {
                error = "region " + i + ": size " + Long.toUnsignedString(size) + " at offset "
                        + Long.toUnsignedString(mmapOffset) + " does not fit its file of " + fileSize + " bytes";
                break;
            }
            MemorySegment map = Libc.mmap(state, mmapOffset + size, fd);
            if (map.equals(MemorySegment.NULL)) {
                error = "region " + i + ": " + Errno.failure("mmap", state).getMessage();
                break;
            }
            maps[mapped++] = map;
            regions[i] = map.asSlice(mmapOffset, size);
        }
        GuestMemory next = null;
        if (error == null) {
            try {
                next = new GuestMemory(gpa, uaddr, regions, maps);
            } catch (IllegalArgumentException e) {
                error = e.getMessage();
            }
        }
        if (error != null) {
            for (int i = 0; i < mapped; i++) {
                Libc.munmap(state, maps[i]);
            }
            return error;
        }
        // The frontend may replace the table while rings run (memory hot-plug): stop them, swap, restart.
        boolean[] wasRunning = new boolean[ringCount];
        for (int i = 0; i < ringCount; i++) {
            wasRunning[i] = stop(i);
        }
        GuestMemory old = memory;
        memory = next;
        if (old != null) {
            old.unmap(state);
        }
        for (int i = 0; i < ringCount; i++) {
            startIfReady(i);
        }
        return null; // the descriptors are closed with the message: the mappings stay
    }

    private String setVringNum(VhostUserMessage m) {
        String e = payload(m, 8);
        if (e == null) {
            e = ringIndex(m.u32(0));
        }
        if (e != null) {
            return e;
        }
        int num = m.u32(4);
        if (num <= 0 || num > SplitVirtqueue.MAX_SIZE || Integer.bitCount(num) != 1) {
            return "ring size " + Integer.toUnsignedString(num) + " is not a power of 2 up to " + SplitVirtqueue.MAX_SIZE;
        }
        int i = m.u32(0);
        rings[i].num = num;
        restart(i);
        return null;
    }

    private String setVringAddr(VhostUserMessage m) {
        String e = payload(m, 40);
        if (e == null) {
            e = ringIndex(m.u32(0));
        }
        if (e != null) {
            return e;
        }
        RingSettings s = rings[m.u32(0)];
        s.descAddr = m.u64(8);
        s.usedAddr = m.u64(16);
        s.availAddr = m.u64(24);
        s.addressed = true;
        restart(m.u32(0));
        return null;
    }

    private String setVringFd(VhostUserMessage m) {
        String e = payload(m, 8);
        if (e != null) {
            return e;
        }
        long v = m.u64(0);
        int i = (int) (v & VRING_INDEX_MASK);
        e = ringIndex(i);
        if (e != null) {
            return e;
        }
        boolean noFd = (v & VRING_NOFD) != 0;
        if (noFd ? m.fdCount != 0 : m.fdCount != 1) {
            return VhostUserMessage.name(m.request) + " came with " + m.fdCount + " descriptors";
        }
        int fd = noFd ? -1 : m.takeFd(0);
        RingSettings s = rings[i];
        switch (m.request) {
            case VhostUserMessage.SET_VRING_KICK -> {
                // We poll and never read kicks, but the kick descriptor is what starts the ring.
                Libc.close(state, s.kickFd);
                s.kickFd = fd;
                s.started = true;
                startIfReady(i);
            }
            case VhostUserMessage.SET_VRING_CALL -> {
                boolean running = stop(i); // a worker may be writing to the old call descriptor
                Libc.close(state, s.callFd);
                s.callFd = fd;
                if (running) {
                    startIfReady(i);
                }
            }
            default -> Libc.close(state, fd); // SET_VRING_ERR: we never report ring errors that way
        }
        return null;
    }

    /** Stops and restarts ring {@code i} if it runs, so that it picks up changed settings. */
    private void restart(int i) {
        if (stop(i)) {
            startIfReady(i);
        }
    }

    /** Takes ring {@code i} away from the workers; its position is kept as its base. Returns whether it ran. */
    private boolean stop(int i) {
        SplitVirtqueue old = slots[i].swap(null);
        if (old == null) {
            return false;
        }
        rings[i].base = old.lastAvail;
        return true;
    }

    /** Publishes ring {@code i} when everything it needs is there. */
    private void startIfReady(int i) {
        RingSettings s = rings[i];
        if (!s.started || !s.enabled || !s.addressed || s.num == 0 || memory == null || slots[i].current() != null) {
            return;
        }
        MemorySegment desc = memory.userRange(s.descAddr, SplitVirtqueue.descBytes(s.num));
        MemorySegment avail = memory.userRange(s.availAddr, SplitVirtqueue.availBytes(s.num));
        MemorySegment used = memory.userRange(s.usedAddr, SplitVirtqueue.usedBytes(s.num));
        String problem = SplitVirtqueue.layoutProblem(s.num, desc, avail, used);
        if (problem != null) {
            count("ring " + i + " not started: " + problem);
            return;
        }
        long f = features;
        int headerLength = (f & (VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF)) != 0 ? 12 : 10;
        slots[i].swap(new SplitVirtqueue(s.num, memory, desc, avail, used, (f & VIRTIO_RING_F_EVENT_IDX) != 0,
                s.callFd, s.base, headerLength, (f & VIRTIO_NET_F_MRG_RXBUF) != 0));
    }

    /** A new connection or RESET_OWNER: everything back to the initial state. */
    void reset() {
        for (int i = 0; i < ringCount; i++) {
            stop(i);
            RingSettings s = rings[i];
            Libc.close(state, s.kickFd);
            Libc.close(state, s.callFd);
            rings[i] = new RingSettings();
        }
        if (memory != null) {
            memory.unmap(state);
            memory = null;
        }
        features = 0;
        protocolFeatures = 0;
    }

    /** A new frontend: everything back to the initial state, and its own allowance of log lines. */
    void connected() {
        reset();
        loggedErrors = 0;
    }

    /** Ring {@code i} as one status word: size, positions and state. */
    String ringStatus(int i) {
        RingSettings s = rings[i];
        SplitVirtqueue q = slots[i].current();
        String what = (i % 2 == 0 ? "rx" : "tx") + (pairs > 1 ? Integer.toString(i / 2) : "");
        if (q == null) {
            return what + ":" + (s.num == 0 ? "-" : s.num) + " stopped";
        }
        return what + ":" + q.size + " avail " + q.availIndex() + " used " + q.usedIndex() + " calls " + q.calls;
    }

    void close() {
        reset();
        arena.close();
    }

    private static String payload(VhostUserMessage m, int size) {
        return m.size < size ? VhostUserMessage.name(m.request) + " with " + m.size + " bytes, needs " + size : null;
    }

    private String ringIndex(int i) {
        return i < 0 || i >= ringCount ? "ring " + Integer.toUnsignedString(i) + " does not exist (" + ringCount + " rings)" : null;
    }

    private void refuse(VhostUserMessage m, String why) {
        count(VhostUserMessage.name(m.request) + " refused: " + why);
    }

    private void count(String what) {
        protocolErrors++;
        lastError = what;
        if (loggedErrors++ < LOGGED_ERRORS_PER_CONNECTION) {
            LOG.log(Level.WARNING, "vhost " + deviceName + ": " + what);
        }
    }
}
