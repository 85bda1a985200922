package dev.junction.drivers.ixgbe.rx;

import static dev.junction.drivers.ixgbe.regs.Descriptors.RX_HEADER_ADDRESS;
import static dev.junction.drivers.ixgbe.regs.Descriptors.RX_PACKET_ADDRESS;
import static dev.junction.drivers.ixgbe.regs.Descriptors.RX_STATUS_DD;
import static dev.junction.drivers.ixgbe.regs.Descriptors.RX_STATUS_EOP;
import static dev.junction.drivers.ixgbe.regs.Descriptors.RX_WB_LENGTH;
import static dev.junction.drivers.ixgbe.regs.Descriptors.RX_WB_STATUS;

import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import dev.junction.drivers.ixgbe.dma.Slabs;
import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Descriptors;
import dev.junction.drivers.ixgbe.regs.Regs;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One receive queue: a ring of advanced descriptors (datasheet 7.1.6) whose buffers are the
 * polling worker's own pool buffers, so the device writes each frame where the graph reads it (zero
 * copy). The descriptor at RDT is always filled and held by the driver, so a full ring and an empty
 * one differ (4.6.7). A frame longer than one buffer (no EOP) is dropped whole and counted: a pool
 * buffer holds {@link PacketPool#DATA_ROOM} bytes and the core has no chained buffers.
 *
 * <p>Owned by one worker at a time; no lock, no allocation, no exception on the receive path.
 */
public final class RxRing implements RxQueue {
    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();
    /** The buffer size SRRCTL announces, in KiB: what a pool buffer holds after its headroom. */
    public static final int BUFFER_KIB = PacketPool.DATA_ROOM / 1024;

    private final Bar bar;
    private final int queue;
    private final int count;
    private final int mask;
    private final MemorySegment ring;
    private final int rdt;
    private final int[] buffers;
    private final Slabs slabs;
    public final QueueCounters counters = new QueueCounters();

    private PacketPool pool;
    private DmaRegion slab;
    /** Pool buffers whose data room the device cannot write in one run (paged DMA only): kept out of the ring. */
    private boolean[] unusable;
    private int[] stash;
    private int stashed;
    private int next;
    private boolean discarding;
    /** RSS is on: the write-back's hash becomes the packet's flow hash. */
    private final boolean rss;
    /** Frames dropped for spanning more than one descriptor. */
    public long oversize;
    /** Times the queue was restarted because another worker's pool came to poll it without a release. */
    public volatile long restarts;
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.ixgbe");
    /** A pool whose slab could not be mapped: not tried again. */
    private PacketPool refusedPool;
    /** Why, for the shell. */
    public volatile String refusal;
    /** Pools this queue has run on so far (1 after the first poll). */
    public volatile int adoptions;
    /** The queue was stopped (released, or for a restart): the next adopt enables it again. */
    private boolean stopped;

    /**
     * @param ring   the descriptor memory, {@code count} descriptors, already set up in RDBAL/RDLEN
     * @param slabs  makes a pool's slab reachable by the device, and unreachable when done
     */
    public RxRing(Bar bar, int queue, MemorySegment ring, int count, boolean rss, Slabs slabs) {
        if (Integer.bitCount(count) != 1 || count < 8) {
            throw new IllegalArgumentException("receive ring of " + count + " descriptors: a power of two, at least 8");
        }
        this.bar = bar;
        this.queue = queue;
        this.ring = ring;
        this.count = count;
        this.mask = count - 1;
        this.rdt = Regs.rdt(queue);
        this.buffers = new int[count];
        this.slabs = slabs;
        this.rss = rss;
    }

    @Override
    public int receive(PacketPool pool, PacketVector into, int max) {
        if (pool != this.pool) {
            if (pool == refusedPool) {
                return 0;
            }
            adopt(pool);
            if (pool != this.pool) {
                return 0;
            }
        }
        MemorySegment r = ring;
        int i = next;
        int n = 0;
        int last = -1;
        long bytes = 0;
        while (n < max) {
            long d = (long) i << 4;
            // DD first, with acquire: the device writes the other fields before it (7.1.6.2).
            int status = (int) STATUS.getAcquire(r, d + RX_WB_STATUS);
            if ((status & RX_STATUS_DD) == 0) {
                break;
            }
            int b = buffers[i];
            int refill;
            if ((status & RX_STATUS_EOP) != 0 && !discarding) {
                refill = take(pool);
                if (refill < 0) {
                    break; // the pool is empty: leave the frame in the ring for the next poll
                }
                int length = r.get(ValueLayout.JAVA_INT, d + RX_WB_LENGTH) & 0xFFFF;
                pool.length(b, length);
                if (rss) {
                    pool.flowHash(b, r.get(ValueLayout.JAVA_INT, d + Descriptors.RX_WB_RSS_HASH));
                }
                into.add(b);
                bytes += length;
                n++;
                buffers[i] = refill;
            } else {
                refill = b; // part of a frame that does not fit a buffer: the buffer goes straight back
                discarding = (status & RX_STATUS_EOP) == 0;
                if (!discarding) {
                    oversize++;
                    counters.errors++;
                }
            }
            r.set(ValueLayout.JAVA_LONG, d + RX_PACKET_ADDRESS, slab.iova(pool.bufferStart(refill) + PacketPool.HEADROOM));
            r.set(ValueLayout.JAVA_LONG, d + RX_HEADER_ADDRESS, 0L); // clears DD for the next round
            last = i;
            i = (i + 1) & mask;
        }
        if (last >= 0) {
            next = i;
            bar.writeTail(rdt, last);
            counters.packets += n;
            counters.bytes += bytes;
        }
        return n;
    }

    /** A pool buffer the device can fill in one run. */
    private int take(PacketPool pool) {
        while (true) {
            int b = pool.allocate();
            if (b < 0 || unusable == null || !unusable[b]) {
                return b;
            }
            stash[stashed++] = b; // never handed to the device; bounded by the count of unusable buffers
        }
    }

    /**
     * The first poll (or a poll by a worker with another pool): map the pool's slab, put its buffers
     * in every descriptor, hand all but one to the device. With another pool's buffers still in the
     * ring (no {@link #releaseRx} came) the queue is stopped first, since the device may be writing
     * into them; those stay with the pool they came from, lost to it.
     */
    private void adopt(PacketPool p) {
        if (this.pool != null) {
            restarts++;
            if (!stop()) {
                return;
            }
            slabs.release(this.pool.memory());
            this.pool = null;
            slab = null;
        }
        DmaRegion region;
        try {
            region = slabs.acquire(p.memory());
        } catch (RuntimeException e) {
            // Memory the device cannot reach (not in huge pages without an IOMMU): said once, not per poll.
            refusedPool = p;
            refusal = e.getMessage();
            LOG.log(System.Logger.Level.ERROR, "ixgbe rx queue " + queue + ": the worker's pool cannot be given to the device: "
                    + e.getMessage());
            return;
        }
        boolean[] bad = null;
        int badCount = 0;
        for (int b = 0; b < p.capacity(); b++) {
            if (region.contiguous(p.bufferStart(b) + PacketPool.HEADROOM) < PacketPool.DATA_ROOM) {
                if (bad == null) {
                    bad = new boolean[p.capacity()];
                }
                bad[b] = true;
                badCount++;
            }
        }
        slab = region;
        unusable = bad;
        stash = new int[badCount];
        stashed = 0;
        int filled = 0;
        for (int i = 0; i < count; i++) {
            int b = take(p);
            if (b < 0) {
                break;
            }
            buffers[i] = b;
            long d = (long) i << 4;
            ring.set(ValueLayout.JAVA_LONG, d + RX_PACKET_ADDRESS, region.iova(p.bufferStart(b) + PacketPool.HEADROOM));
            ring.set(ValueLayout.JAVA_LONG, d + RX_HEADER_ADDRESS, 0L);
            filled++;
        }
        if (filled < count) {
            giveBack(p, filled);
            slabs.release(p.memory());
            return; // a pool smaller than a ring: try again on the next poll
        }
        // The device resumes where it stopped (RDH is its own; 0 after bring-up).
        int head = stopped ? bar.read(Regs.rdh(queue)) & mask : 0;
        if (stopped) {
            bar.set(Regs.rxdctl(queue), Regs.DCTL_ENABLE);
            if (!bar.await(Regs.rxdctl(queue), Regs.DCTL_ENABLE, Regs.DCTL_ENABLE, 1_000_000_000L)) {
                giveBack(p, count);
                slabs.release(p.memory());
                return;
            }
            stopped = false;
        }
        pool = p;
        next = head;
        discarding = false;
        adoptions++;
        // The queue reads back enabled (at bring-up, or just now); only now does RDT move.
        bar.writeTail(rdt, (head - 1) & mask);
    }

    /** Clears RXDCTL.ENABLE and waits until it reads back clear: the device has stopped using the ring. */
    private boolean stop() {
        bar.clear(Regs.rxdctl(queue), Regs.DCTL_ENABLE);
        if (!bar.await(Regs.rxdctl(queue), Regs.DCTL_ENABLE, 0, 1_000_000_000L)) {
            return false;
        }
        stopped = true;
        return true;
    }

    private void giveBack(PacketPool p, int filled) {
        for (int i = 0; i < filled; i++) {
            p.free(buffers[i]);
        }
        for (int i = 0; i < stashed; i++) {
            p.free(stash[i]);
        }
        stashed = 0;
    }

    /**
     * The polling worker stops and its pool goes: the queue is stopped so that the device writes no
     * more into the pool's buffers, which go back to it, and the slab is unmapped. The next worker to poll restarts the queue
     * on its own pool, where the device left off.
     */
    @Override
    public void releaseRx(PacketPool p) {
        if (p != pool) {
            return;
        }
        if (stop()) {
            giveBack(p, count);
            slabs.release(p.memory()); // only once the device has stopped writing into it
        }
        pool = null;
        slab = null;
    }

    public int queue() {
        return queue;
    }

    public int size() {
        return count;
    }

    /** RDH and RDT as the device shows them, and the next descriptor the driver looks at. */
    public String describe() {
        return String.format("rx %d: %d descriptors, RDH %d RDT %d next %d, %d oversize, %d restarts%s",
                queue, count, bar.read(Regs.rdh(queue)), bar.read(rdt), next, oversize, restarts,
                refusal == null ? "" : "; refused: " + refusal);
    }

    /** Descriptor size check at class load: the ring arithmetic above shifts by 4. */
    static {
        if (Descriptors.SIZE != 1 << 4) {
            throw new AssertionError();
        }
    }
}
