package dev.junction.drivers.ixgbe.tx;

import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_ADDRESS;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_CMD_TYPE_LEN;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_DCMD_DEXT;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_DCMD_EOP;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_DCMD_IFCS;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_DCMD_RS;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_DTYP_DATA;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_OLINFO_STATUS;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_PAYLEN_SHIFT;
import static dev.junction.drivers.ixgbe.regs.Descriptors.TX_STATUS_DD;

import dev.junction.device.QueueCounters;
import dev.junction.device.TxQueue;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import dev.junction.drivers.ixgbe.dma.Slabs;
import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Regs;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One transmit queue: pool buffers go into advanced data descriptors as they are (zero copy), the
 * last descriptor of each frame with EOP and RS, and a buffer returns to the pool only when the
 * device has written DD into that descriptor (7.2.3.5.1): until then it may still be reading it.
 * A frame whose bytes are not one run in the device's address space (a huge-page boundary under
 * physical addressing) takes one descriptor per run, PAYLEN on the first.
 *
 * <p>Used by one worker; no lock, no allocation, no exception on the transmit path.
 */
public final class TxRing implements TxQueue {
    private static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();
    private static final int COMMAND = TX_DTYP_DATA | TX_DCMD_DEXT | TX_DCMD_IFCS;

    private final Bar bar;
    private final int queue;
    private final int count;
    private final int mask;
    private final MemorySegment ring;
    private final int tdt;
    /** At the frame's first descriptor: the index of its last one. */
    private final int[] last;
    /** At the frame's last descriptor: its buffer. */
    private final int[] buffers;
    private final Slabs slabs;
    public final QueueCounters counters = new QueueCounters();

    private PacketPool pool;
    private DmaRegion slab;
    private boolean paged;
    private int tail;
    private int clean;
    private int inFlight;
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.ixgbe");
    private PacketPool refusedPool;
    public volatile String refusal;
    /** Frames sent in more than one descriptor. */
    public long split;

    public TxRing(Bar bar, int queue, MemorySegment ring, int count, Slabs slabs) {
        if (Integer.bitCount(count) != 1 || count < 8) {
            throw new IllegalArgumentException("transmit ring of " + count + " descriptors: a power of two, at least 8");
        }
        this.bar = bar;
        this.queue = queue;
        this.ring = ring;
        this.count = count;
        this.mask = count - 1;
        this.tdt = Regs.tdt(queue);
        this.last = new int[count];
        this.buffers = new int[count];
        this.slabs = slabs;
    }

    @Override
    public int transmit(PacketPool pool, PacketVector packets) {
        if (pool != this.pool) {
            if (pool == refusedPool || !adopt(pool)) {
                counters.errors += packets.count();
                return 0;
            }
        }
        reclaim(pool);
        MemorySegment r = ring;
        int n = packets.count();
        int free = count - 1 - inFlight;
        int t = tail;
        int sent = 0;
        int empty = 0;
        long bytes = 0;
        for (; sent < n; sent++) {
            int b = packets.buffer(sent);
            int length = pool.length(b);
            if (length <= 0) {
                pool.free(b); // nothing to send: a descriptor with DTALEN 0 is an error to the device
                counters.errors++;
                empty++;
                continue;
            }
            long offset = pool.data(b);
            long run = paged ? slab.contiguous(offset) : length;
            if (run >= length) {
                if (free < 1) {
                    break;
                }
                long d = (long) t << 4;
                r.set(ValueLayout.JAVA_LONG, d + TX_ADDRESS, slab.iova(offset));
                r.set(ValueLayout.JAVA_INT, d + TX_CMD_TYPE_LEN, length | COMMAND | TX_DCMD_EOP | TX_DCMD_RS);
                r.set(ValueLayout.JAVA_INT, d + TX_OLINFO_STATUS, length << TX_PAYLEN_SHIFT); // also clears DD
                last[t] = t;
                buffers[t] = b;
                t = (t + 1) & mask;
                free--;
            } else {
                if (free < 2) {
                    break;
                }
                int first = t;
                int head = (int) run;
                long d = (long) t << 4;
                r.set(ValueLayout.JAVA_LONG, d + TX_ADDRESS, slab.iova(offset));
                r.set(ValueLayout.JAVA_INT, d + TX_CMD_TYPE_LEN, head | COMMAND);
                r.set(ValueLayout.JAVA_INT, d + TX_OLINFO_STATUS, length << TX_PAYLEN_SHIFT);
                t = (t + 1) & mask;
                d = (long) t << 4;
                r.set(ValueLayout.JAVA_LONG, d + TX_ADDRESS, slab.iova(offset + head));
                r.set(ValueLayout.JAVA_INT, d + TX_CMD_TYPE_LEN, (length - head) | COMMAND | TX_DCMD_EOP | TX_DCMD_RS);
                r.set(ValueLayout.JAVA_INT, d + TX_OLINFO_STATUS, 0);
                last[first] = t;
                buffers[t] = b;
                t = (t + 1) & mask;
                free -= 2;
                split++;
            }
            bytes += length;
        }
        if (sent > 0) {
            inFlight = count - 1 - free;
            tail = t;
            bar.writeTail(tdt, t); // after the descriptors: a release store
            counters.packets += sent - empty;
            counters.bytes += bytes;
        }
        return sent;
    }

    /** Frees the buffers of frames whose RS descriptor shows DD, oldest first. */
    private void reclaim(PacketPool pool) {
        MemorySegment r = ring;
        int c = clean;
        int used = inFlight;
        while (used > 0) {
            int end = last[c];
            int status = (int) STATUS.getAcquire(r, ((long) end << 4) + TX_OLINFO_STATUS);
            if ((status & TX_STATUS_DD) == 0) {
                break;
            }
            int b = buffers[end];
            if (b >= 0) {
                pool.free(b);
            }
            int next = (end + 1) & mask;
            used -= (next - c) & mask;
            c = next;
        }
        clean = c;
        inFlight = used;
    }

    /**
     * A new pool: map its slab. Buffers of a previous pool still in flight are waited for (they are
     * the device's until DD) and then left to that pool, which this thread does not own.
     */
    private boolean adopt(PacketPool p) {
        if (this.pool != null) { // another worker's pool without a release: wait out its buffers
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (inFlight > 0 && System.nanoTime() - deadline < 0) {
                int end = last[clean];
                int status = (int) STATUS.getAcquire(ring, ((long) end << 4) + TX_OLINFO_STATUS);
                if ((status & TX_STATUS_DD) == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                int next = (end + 1) & mask;
                inFlight -= (next - clean) & mask;
                clean = next;
            }
            // Still the device's after a second (a stopped device): never free them into the new pool.
            for (int c = clean, left = inFlight; left > 0; ) {
                int end = last[c];
                buffers[end] = -1;
                int next = (end + 1) & mask;
                left -= (next - c) & mask;
                c = next;
            }
        }
        if (this.pool != null && inFlight == 0) {
            slabs.release(this.pool.memory());
        }
        this.pool = null;
        DmaRegion region;
        try {
            region = slabs.acquire(p.memory());
        } catch (RuntimeException e) {
            refusedPool = p;
            refusal = e.getMessage();
            LOG.log(System.Logger.Level.ERROR, "ixgbe tx queue " + queue + ": the worker's pool cannot be given to the device: "
                    + e.getMessage());
            return false;
        }
        slab = region;
        paged = region.contiguous(0) < region.segment().byteSize();
        pool = p;
        return true;
    }

    /**
     * The sending worker stops and its pool goes: wait (a second at most) until the device has
     * completed what it was given, freeing those buffers to the pool; anything still not completed
     * is forgotten, never freed into another pool.
     */
    @Override
    public void releaseTx(PacketPool p) {
        if (p != pool) {
            return;
        }
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (inFlight > 0 && System.nanoTime() - deadline < 0) {
            reclaim(p);
            Thread.onSpinWait();
        }
        boolean done = inFlight == 0;
        for (int c = clean, left = inFlight; left > 0; ) {
            int end = last[c];
            buffers[end] = -1;
            int next = (end + 1) & mask;
            left -= (next - c) & mask;
            c = next;
        }
        if (done) {
            slabs.release(p.memory()); // the device reads nothing more from it
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

    /** Descriptors the device has not completed yet. */
    public int inFlight() {
        return inFlight;
    }

    public String describe() {
        return String.format("tx %d: %d descriptors, TDH %d TDT %d, %d in flight, %d split",
                queue, count, bar.read(Regs.tdh(queue)), bar.read(tdt), inFlight, split);
    }
}
