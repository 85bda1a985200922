package dev.junction.drivers.linux;

import dev.junction.device.QueueCounters;
import dev.junction.os.Errno;
import dev.junction.os.Libc;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One AF_XDP socket bound to one queue of an interface, whose UMEM is the packet pool of the worker
 * that polls it: the pool's slab is registered as the UMEM in unaligned-chunk mode, one chunk per
 * pool buffer (2,176 bytes), so the kernel writes a received frame straight into a pool buffer and
 * reads a transmitted one straight out of it. Frames are handed to the graph and taken from it by
 * buffer number, never copied in userspace. (Whether the kernel copies between the skb or the
 * driver's page and the UMEM is the socket's bind mode: copy on veth, see {@link #zeroCopy()}.)
 *
 * <p>Buffer ownership: a buffer posted to the fill ring, or to the TX ring, is out of the pool (it
 * was {@code allocate}d) until the RX ring gives it back (then it goes to the graph) or the
 * completion ring does (then it is freed). The socket binds lazily, on the first receive or transmit
 * of its worker, because the pool is known only then; when that worker stops ({@link #release}) the
 * socket is closed and reopened unbound for the next. A device removed while its worker runs on
 * leaves the buffers its rings held out of that worker's pool (at most the fill, RX and TX ring
 * sizes): only the worker's thread may free into its pool, and no call reaches it there.
 *
 * <p>Fast path: no allocation, no lock, no exception; a kernel wake-up (sendto for TX, recvmsg for
 * fill) only when the ring's flags ask for one (XDP_USE_NEED_WAKEUP).
 */
final class XskSocket {
    static final int AF_XDP = 44;
    private static final int SOL_XDP = 283;
    private static final int XDP_MMAP_OFFSETS = 1;
    private static final int XDP_RX_RING = 2;
    private static final int XDP_TX_RING = 3;
    private static final int XDP_UMEM_REG = 4;
    private static final int XDP_UMEM_FILL_RING = 5;
    private static final int XDP_UMEM_COMPLETION_RING = 6;
    private static final int XDP_STATISTICS = 7;
    private static final int XDP_OPTIONS = 8;
    private static final int XDP_OPTIONS_ZEROCOPY = 1;
    /** Linux 6.17 and later: how many frames one copy-mode sendto may send (32 up to the TX ring's size). */
    private static final int XDP_MAX_TX_SKB_BUDGET = 9;
    private static final int DEFAULT_TX_BUDGET = 32;
    private static final int XDP_USE_NEED_WAKEUP = 8;
    private static final int XDP_UMEM_UNALIGNED_CHUNK_FLAG = 1;
    private static final long XDP_PGOFF_RX_RING = 0;
    private static final long XDP_PGOFF_TX_RING = 0x80000000L;
    private static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    private static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;
    /** In unaligned mode a descriptor's address carries the data's offset in its top 16 bits. */
    private static final int OFFSET_SHIFT = 48;
    private static final long ADDR_MASK = (1L << OFFSET_SHIFT) - 1;
    private static final int DESC_BYTES = 16; // struct xdp_desc: u64 addr, u32 len, u32 options
    private static final int ADDR_BYTES = 8;
    /** Fill in batches: a poll that finds fewer free slots posts nothing (saves a release store per poll). */
    private static final int REFILL_BATCH = 32;
    /** Copy-mode TX sends at most {@link #txBudget} frames per sendto; kick until the ring is taken, up to this many times. */
    private static final int MAX_KICKS = 16;

    final int queue;
    final int ringSize;
    private final String ifname;
    private final int ifindex;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private final MemorySegment wakeMsg = arena.allocate(Libc.MSGHDR_SIZE, 8); // empty msghdr for recvmsg
    private int fd;
    /** The kernel's statistics of the sockets released before this one (a socket's own start at zero). */
    private final long[] kernelBefore = new long[6];

    final QueueCounters rxCounters = new QueueCounters();
    final QueueCounters txCounters = new QueueCounters();
    /** Fill ring slots left empty because the pool had no free buffer. */
    long fillPoolEmpty;
    /** Frames the TX ring had no room for (the core drops and counts them too). */
    long txRingFull;
    /** RX or completion descriptors naming no buffer of the pool (never expected: a kernel or setup bug). */
    long invalidDescriptors;
    /** Frames handed to this socket before its receive side bound it to the sending worker's pool (dropped). */
    long foreignPool;

    private PacketPool pool;
    private int capacity;
    private volatile boolean bound;
    private volatile String failure;
    private boolean zeroCopy;
    /**
     * Frames one copy-mode sendto sends: the TX ring's size where the kernel takes XDP_MAX_TX_SKB_BUDGET,
     * else its fixed 32. A bigger budget means fewer system calls a vector (each costly in a VM).
     */
    private int txBudget = DEFAULT_TX_BUDGET;
    private XskRing rx;
    private XskRing tx;
    private XskRing fill;
    private XskRing comp;
    private boolean closed;
    /** The TX ring held frames the kernel had not taken after the last kick. */
    private boolean txPending;
    /** How long a bind goes on being retried while the queue is busy. */
    private static final long BUSY_RETRY_NANOS = 5_000_000_000L;
    /** When the binds began to find the queue busy (0: they did not), and when to try the next. */
    private long busySince;
    private long retryAt;

    /** Opens the socket (control path); binding waits for the worker's pool. */
    XskSocket(String ifname, int ifindex, int queue, int ringSize) {
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.queue = queue;
        this.ringSize = ringSize;
        try {
            fd = open();
        } catch (IllegalStateException e) {
            arena.close();
            throw e;
        }
    }

    private int open() {
        int f = Libc.socket(state, AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        if (f < 0) {
            int e = Errno.of(state);
            throw new IllegalStateException(e == 97 ? "the kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)"
                    : e == Errno.EPERM || e == Errno.EACCES ? "AF_XDP needs root (CAP_NET_RAW, CAP_NET_ADMIN, CAP_BPF)"
                    : "socket(AF_XDP) failed: errno " + e);
        }
        return f;
    }

    /**
     * The worker whose pool is the UMEM stops, and its pool's memory is freed when this returns: the
     * socket is closed (the kernel drops it from the XSKMAP and unregisters the UMEM, so it writes no
     * more into that memory) and a fresh one opened, unbound, for the next worker that polls. The
     * buffers the rings held go with the pool. On that worker's thread; a call with another pool does
     * nothing.
     */
    synchronized void release(PacketPool p) {
        if (closed || pool != p || p == null) {
            return;
        }
        long[] k = kernelStatistics();
        System.arraycopy(k, 0, kernelBefore, 0, k.length);
        bound = false;
        reopen("reopening after the worker stopped");
    }

    /** A fresh, unbound socket in place of this one (rings unmapped, descriptor closed). */
    private void reopen(String why) {
        unmapRings();
        Libc.close(state, fd);
        pool = null;
        txPending = false;
        rx = tx = fill = comp = null;
        try {
            fd = open();
        } catch (IllegalStateException e) {
            fd = -1;
            failure = "AF_XDP on " + ifname + " queue " + queue + ": " + why + ": " + e.getMessage();
        }
    }

    int fd() {
        return fd;
    }

    boolean bound() {
        return bound;
    }

    String failure() {
        return failure;
    }

    boolean zeroCopy() {
        return zeroCopy;
    }

    /** Frames one copy-mode sendto may send (bound sockets; 32 before the bind). */
    int txBudget() {
        return txBudget;
    }

    /**
     * Registers {@code p}'s slab as the UMEM, sizes and maps the rings, binds to the queue, and fills
     * the fill ring. Runs once, on the worker's thread (the first call that brings the pool); throws
     * IllegalStateException naming the step that failed.
     */
    private void bind(PacketPool p, int mapFd) {
        MemorySegment mem = p.memory();
        MemorySegment reg = arena.allocate(32, 8);
        reg.set(ValueLayout.JAVA_LONG, 0, mem.address());
        reg.set(ValueLayout.JAVA_LONG, 8, mem.byteSize());
        reg.set(ValueLayout.JAVA_INT, 16, PacketPool.BUFFER_SIZE); // chunk size; not a power of two, so unaligned mode
        reg.set(ValueLayout.JAVA_INT, 20, 0); // headroom: the kernel leaves XDP_PACKET_HEADROOM (256) itself
        reg.set(ValueLayout.JAVA_INT, 24, XDP_UMEM_UNALIGNED_CHUNK_FLAG);
        check(Libc.setsockopt(state, fd, SOL_XDP, XDP_UMEM_REG, reg), "XDP_UMEM_REG of the packet pool");
        setInt(XDP_UMEM_FILL_RING, ringSize, "XDP_UMEM_FILL_RING");
        setInt(XDP_UMEM_COMPLETION_RING, ringSize, "XDP_UMEM_COMPLETION_RING");
        setInt(XDP_RX_RING, ringSize, "XDP_RX_RING");
        setInt(XDP_TX_RING, ringSize, "XDP_TX_RING");
        // Best effort: an older kernel refuses the option (ENOPROTOOPT) and keeps its 32 a call.
        // Set on every bind: a socket reopened after a refused bind must not keep the last one's budget.
        txBudget = Libc.setsockoptInt(arena, state, fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, ringSize) == 0
                ? ringSize : DEFAULT_TX_BUDGET;
        MemorySegment off = arena.allocate(128, 8); // struct xdp_mmap_offsets: rx, tx, fr, cr
        MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, 128);
        check(Libc.getsockopt(state, fd, SOL_XDP, XDP_MMAP_OFFSETS, off, len), "XDP_MMAP_OFFSETS");
        rx = mapped(XDP_PGOFF_RX_RING, off.asSlice(0, 32), DESC_BYTES, false, "RX");
        tx = mapped(XDP_PGOFF_TX_RING, off.asSlice(32, 32), DESC_BYTES, true, "TX");
        fill = mapped(XDP_UMEM_PGOFF_FILL_RING, off.asSlice(64, 32), ADDR_BYTES, true, "fill");
        comp = mapped(XDP_UMEM_PGOFF_COMPLETION_RING, off.asSlice(96, 32), ADDR_BYTES, false, "completion");
        MemorySegment sxdp = arena.allocate(16, 4); // struct sockaddr_xdp
        sxdp.set(ValueLayout.JAVA_SHORT, 0, (short) AF_XDP);
        sxdp.set(ValueLayout.JAVA_SHORT, 2, (short) XDP_USE_NEED_WAKEUP); // zero-copy if the driver can, else copy
        sxdp.set(ValueLayout.JAVA_INT, 4, ifindex);
        sxdp.set(ValueLayout.JAVA_INT, 8, queue);
        check(Libc.bind(state, fd, sxdp), "bind to " + ifname + " queue " + queue);
        MemorySegment opts = arena.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, 4);
        zeroCopy = Libc.getsockopt(state, fd, SOL_XDP, XDP_OPTIONS, opts, len) == 0
                && (opts.get(ValueLayout.JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0;
        pool = p;
        capacity = p.capacity();
        refill(p);
        check(Bpf.update(arena, state, mapFd, queue, fd), "XSKMAP update for queue " + queue);
    }

    private XskRing mapped(long pgoff, MemorySegment offsets, int entryBytes, boolean produces, String what) {
        XskRing r = XskRing.map(state, fd, pgoff, offsets, ringSize, entryBytes, produces);
        if (r == null) {
            throw Errno.failure("mmap of the " + what + " ring", state);
        }
        return r;
    }

    private void setInt(int option, int value, String what) {
        check(Libc.setsockoptInt(arena, state, fd, SOL_XDP, option, value), what);
    }

    private void check(int rc, String what) {
        if (rc != 0) {
            throw Errno.failure(what, state);
        }
    }

    /**
     * The first call of a worker binds; a later call with another pool (a second worker) cannot use
     * this UMEM. Returns whether {@code p} is this socket's pool now. Not on the per-packet path.
     */
    private boolean adopt(PacketPool p, int mapFd) {
        if (pool == p) {
            return true;
        }
        if (pool != null || failure != null || closed) {
            return false;
        }
        long now = System.nanoTime();
        if (now < retryAt) {
            return false;
        }
        try {
            bind(p, mapFd);
            bound = true;
            busySince = 0;
            return true;
        } catch (RuntimeException e) {
            int errno = Errno.of(state);
            // A socket just closed on this queue (the previous worker's, a device removed a moment
            // ago) holds it until the kernel's work queue frees its pool: EBUSY for a while. Try
            // again every 10 ms, for up to 5 s, on a fresh socket.
            if (errno == Errno.EBUSY && (busySince == 0 || now - busySince < BUSY_RETRY_NANOS)) {
                busySince = busySince == 0 ? now : busySince;
                retryAt = now + 10_000_000L;
                synchronized (this) {
                    reopen("reopening after EBUSY");
                }
                return false;
            }
            synchronized (this) {
                reopen("reopening after a failed bind");
            }
            failure = "AF_XDP on " + ifname + " queue " + queue + ": " + e.getMessage();
            System.getLogger("dev.junction.drivers.linux").log(System.Logger.Level.ERROR, failure);
            return false;
        }
    }

    /** Receives up to {@code max} frames into {@code into}, by buffer number (no copy). */
    int receive(PacketPool p, PacketVector into, int max, int mapFd) {
        if (pool != p && !adopt(p, mapFd)) {
            return 0;
        }
        reclaim(p);
        if (txPending) {
            kick(tx);
        }
        XskRing r = rx;
        int n = r.available(max);
        MemorySegment m = r.map;
        int got = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            long e = r.consumerEntry(i, DESC_BYTES);
            long addr = m.get(ValueLayout.JAVA_LONG, e);
            int len = m.get(ValueLayout.JAVA_INT, e + 8);
            long at = (addr & ADDR_MASK) + (addr >>> OFFSET_SHIFT);
            int b = (int) (at / PacketPool.BUFFER_SIZE);
            int dataOffset = (int) (at - (long) b * PacketPool.BUFFER_SIZE);
            if (b < 0 || b >= capacity || len < 0 || dataOffset + len > PacketPool.BUFFER_SIZE) {
                invalidDescriptors++;
                continue;
            }
            // The buffer was allocated when posted (data at HEADROOM, length 0): move its data start to where the kernel wrote.
            int delta = dataOffset - PacketPool.HEADROOM;
            p.length(b, len + delta);
            p.advance(b, delta);
            into.add(b);
            got++;
            bytes += len;
        }
        if (n > 0) {
            r.release(n);
        }
        refill(p);
        rxCounters.packets += got;
        rxCounters.bytes += bytes;
        return got;
    }

    /** Posts free pool buffers to the fill ring, a batch at a time, waking the kernel only when it asks. */
    private void refill(PacketPool p) {
        XskRing f = fill;
        int free = f.free(f.size);
        if (free < REFILL_BATCH && free < f.size) {
            return;
        }
        MemorySegment m = f.map;
        int k = 0;
        for (; k < free; k++) {
            int b = p.allocate();
            if (b < 0) {
                fillPoolEmpty += free - k;
                break;
            }
            m.set(ValueLayout.JAVA_LONG, f.producerEntry(k, ADDR_BYTES), p.bufferStart(b));
        }
        if (k > 0) {
            f.submit(k);
            if (f.needsWakeup()) {
                Libc.recvmsg(state, fd, wakeMsg, Libc.MSG_DONTWAIT);
            }
        }
    }

    /** Frees the buffers the kernel has finished sending. */
    private void reclaim(PacketPool p) {
        XskRing c = comp;
        int n = c.available(c.size);
        if (n == 0) {
            return;
        }
        MemorySegment m = c.map;
        for (int i = 0; i < n; i++) {
            long addr = m.get(ValueLayout.JAVA_LONG, c.consumerEntry(i, ADDR_BYTES));
            long at = (addr & ADDR_MASK) + (addr >>> OFFSET_SHIFT);
            int b = (int) (at / PacketPool.BUFFER_SIZE);
            if (b < 0 || b >= capacity) {
                invalidDescriptors++;
            } else {
                p.free(b);
            }
        }
        c.release(n);
    }

    /** Whether {@code p} is this socket's UMEM now (its worker polls the socket's queue). */
    boolean owns(PacketPool p) {
        return pool == p;
    }

    /**
     * Puts the first packets of {@code packets} on the TX ring by address (no copy); returns how many
     * it took. Only the receive side binds (so that the worker which polls the queue owns the UMEM): a
     * frame sent before that is freed and counted.
     */
    int transmit(PacketPool p, PacketVector packets) {
        int n = packets.count();
        if (pool != p) {
            for (int i = 0; i < n; i++) {
                p.free(packets.buffer(i));
            }
            foreignPool += n;
            txCounters.errors += n;
            return n;
        }
        reclaim(p);
        XskRing t = tx;
        int k = t.free(n);
        MemorySegment m = t.map;
        long bytes = 0;
        for (int i = 0; i < k; i++) {
            int b = packets.buffer(i);
            int len = p.length(b);
            long e = t.producerEntry(i, DESC_BYTES);
            m.set(ValueLayout.JAVA_LONG, e, p.data(b));
            m.set(ValueLayout.JAVA_INT, e + 8, len);
            m.set(ValueLayout.JAVA_INT, e + 12, 0);
            bytes += len;
        }
        if (k > 0) {
            t.submit(k);
        }
        if (k < n) {
            txRingFull += n - k;
        }
        kick(t);
        txCounters.packets += k;
        txCounters.bytes += bytes;
        return k;
    }

    /**
     * Tells the kernel there is TX work when it asks to be told. In copy mode each sendto sends at
     * most {@link #txBudget} frames, so it is repeated while frames wait, up to {@link #MAX_KICKS}
     * times (the next call goes on); a sendto that fails (EAGAIN: completion ring full, ENOBUFS) stops it.
     */
    private void kick(XskRing t) {
        for (int i = 0; i < MAX_KICKS && t.outstanding() != 0 && t.needsWakeup(); i++) {
            if (Libc.sendto(state, fd, 0, 0, Libc.MSG_DONTWAIT) < 0) {
                break;
            }
        }
        // Frames left on the ring (a sendto refused with EAGAIN, or more than MAX_KICKS batches) are
        // kicked again from the next poll of the receive side, so the last segments of a TCP window are
        // not stranded until the peer retransmits.
        txPending = t.outstanding() != 0;
    }

    /**
     * The kernel's own drop counters (struct xdp_statistics): rx_dropped, rx_invalid_descs,
     * tx_invalid_descs, rx_ring_full, rx_fill_ring_empty_descs, tx_ring_empty_descs; zeros when not bound.
     * Control path.
     */
    synchronized long[] kernelStatistics() {
        long[] s = kernelBefore.clone();
        if (closed || !bound) {
            return s;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(48, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 48);
            MemorySegment cs = a.allocate(Libc.CALL_STATE);
            if (Libc.getsockopt(cs, fd, SOL_XDP, XDP_STATISTICS, st, len) == 0) {
                for (int i = 0; i < 6; i++) {
                    s[i] += st.get(ValueLayout.JAVA_LONG, i * 8L);
                }
            }
        }
        return s;
    }

    /** Closes the socket and unmaps its rings (control path, once no worker uses it). */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        unmapRings();
        if (fd >= 0) {
            Libc.close(state, fd);
        }
        arena.close();
    }

    private void unmapRings() {
        for (XskRing r : new XskRing[] {rx, tx, fill, comp}) {
            if (r != null) {
                Libc.munmap(state, r.map);
            }
        }
    }
}
