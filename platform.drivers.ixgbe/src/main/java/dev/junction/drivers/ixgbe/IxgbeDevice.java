package dev.junction.drivers.ixgbe;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.drivers.ixgbe.dma.DmaMemory;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import dev.junction.drivers.ixgbe.dma.Slabs;
import dev.junction.drivers.ixgbe.init.BringUp;
import dev.junction.drivers.ixgbe.init.Rss;
import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Descriptors;
import dev.junction.drivers.ixgbe.regs.Regs;
import dev.junction.drivers.ixgbe.rx.RxRing;
import dev.junction.drivers.ixgbe.stats.HardwareStatistics;
import dev.junction.drivers.ixgbe.tx.TxRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * One 82599 port as a Junction device: brought up as the datasheet's section 4.6 says, then
 * {@code queues} receive/transmit queue pairs, receive queue q polled by whichever worker the engine
 * gives it and transmit queue w used by worker w, each filled with that worker's own pool buffers.
 * With more than one queue RSS spreads flows over the receive queues. Statistics registers are read
 * into {@link #statistics()}; {@link #counters()} is what the queues counted plus the device's drops.
 *
 * <p>Run as many workers as queues (or fewer): a transmit queue holds its worker's buffers until the
 * device is done with them, so two workers cannot share one; a worker past the last queue transmits
 * nothing on this device (counted as transmit errors).
 */
public final class IxgbeDevice implements NetDevice, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.ixgbe");

    private final String name;
    private final Settings settings;
    private final Bar bar;
    private final DmaMemory dma;
    private final Arena arena = Arena.ofShared();
    private final RxRing[] rx;
    private final TxRing[] tx;
    private final HardwareStatistics statistics;
    private final Map<Long, DmaRegion> slabs = new HashMap<>();
    private final Map<Long, Integer> slabUsers = new HashMap<>();
    private final Slabs slabMapper = new Slabs() {
        @Override
        public DmaRegion acquire(MemorySegment slab) {
            return IxgbeDevice.this.acquire(slab);
        }

        @Override
        public void release(MemorySegment slab) {
            IxgbeDevice.this.release(slab);
        }
    };
    private final long mac;
    private final RefusedTx refused = new RefusedTx();
    private volatile boolean closed;
    private volatile boolean refusedLogged;
    /** Reads the statistics registers once a second, so that no 32-bit count wraps unseen. */
    private final Thread statisticsReader;

    /**
     * How to run the port.
     *
     * @param queues        receive/transmit queue pairs, 1..16 (RSS over them when more than one)
     * @param rxDescriptors per receive ring, a power of two 8..4096
     * @param txDescriptors per transmit ring, a power of two 8..4096
     * @param promiscuous   accept every unicast and multicast frame, not only the port's own MAC
     * @param timeoutNanos  how long each bring-up step may take
     */
    public record Settings(int queues, int rxDescriptors, int txDescriptors, boolean promiscuous, long timeoutNanos) {
        public Settings {
            if (queues < 1 || queues > 16) {
                throw new IllegalArgumentException("queues must be 1..16, not " + queues);
            }
            for (int n : new int[]{rxDescriptors, txDescriptors}) {
                if (Integer.bitCount(n) != 1 || n < 8 || n > 4096) {
                    throw new IllegalArgumentException("ring sizes must be powers of two 8..4096, not " + n);
                }
            }
        }

        public static Settings defaults() {
            return new Settings(1, 512, 512, true, 2_000_000_000L);
        }

        public Settings withQueues(int q) {
            return new Settings(q, rxDescriptors, txDescriptors, promiscuous, timeoutNanos);
        }

        public Settings withRings(int rxCount, int txCount) {
            return new Settings(queues, rxCount, txCount, promiscuous, timeoutNanos);
        }
    }

    /**
     * Brings the port up. Throws with one line naming the step when the device does not answer.
     *
     * @param bar the mapped BAR0 (and how statistics are read)
     * @param dma how rings are allocated and pool slabs made reachable by the device
     */
    public IxgbeDevice(String name, Bar bar, DmaMemory dma, Settings settings) {
        this.name = name;
        this.settings = settings;
        this.bar = bar;
        this.dma = dma;
        int queues = settings.queues();
        rx = new RxRing[queues];
        tx = new TxRing[queues];
        BringUp.Ring[] rxRings = new BringUp.Ring[queues];
        BringUp.Ring[] txRings = new BringUp.Ring[queues];
        try {
            for (int q = 0; q < queues; q++) {
                MemorySegment r = ring(settings.rxDescriptors());
                MemorySegment t = ring(settings.txDescriptors());
                rxRings[q] = new BringUp.Ring(ringIova(r), settings.rxDescriptors());
                txRings[q] = new BringUp.Ring(ringIova(t), settings.txDescriptors());
                rx[q] = new RxRing(bar, q, r, settings.rxDescriptors(), queues > 1, slabMapper);
                tx[q] = new TxRing(bar, q, t, settings.txDescriptors(), slabMapper);
            }
            statistics = new HardwareStatistics(bar, queues);
            BringUp up = new BringUp(bar, "ixgbe " + name, settings.timeoutNanos());
            up.reset();
            up.link();
            statistics.reset();
            up.receive(rxRings, settings.promiscuous());
            if (queues > 1) {
                Rss.configure(bar, queues, Rss.DEFAULT_KEY);
            }
            up.transmit(txRings);
            up.enableQueues(queues);
            mac = up.mac();
            if (!up.awaitLink(settings.timeoutNanos())) {
                LOG.log(System.Logger.Level.WARNING, "ixgbe " + name + ": no link yet");
            }
            statisticsReader = Thread.ofPlatform().daemon().name("ixgbe-statistics-" + name).start(this::readStatistics);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private void readStatistics() {
        while (!closed) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L);
            if (!closed) {
                try {
                    statistics.update();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "ixgbe " + name + ": statistics not read: " + e.getMessage());
                }
            }
        }
    }

    private MemorySegment ring(int descriptors) {
        MemorySegment m = dma.allocate(arena, (long) descriptors * Descriptors.SIZE);
        m.fill((byte) 0);
        return m.asSlice(0, (long) descriptors * Descriptors.SIZE);
    }

    private long ringIova(MemorySegment ring) {
        DmaRegion region = dma.map(ring);
        if (region.contiguous(0) < ring.byteSize()) {
            throw new IllegalStateException("ixgbe " + name + ": a descriptor ring of " + ring.byteSize()
                    + " bytes is not contiguous for the device (DMA memory must come in huge pages)");
        }
        return region.iova(0);
    }

    /** A pool's slab, mapped for the device the first time a queue sees it. */
    private synchronized DmaRegion acquire(MemorySegment memory) {
        DmaRegion r = slabs.computeIfAbsent(memory.address(), a -> dma.map(memory));
        slabUsers.merge(memory.address(), 1, Integer::sum);
        return r;
    }

    /** A queue is done with a slab; the last one unmaps it. */
    private synchronized void release(MemorySegment memory) {
        Integer users = slabUsers.get(memory.address());
        if (users == null) {
            return;
        }
        if (users > 1) {
            slabUsers.put(memory.address(), users - 1);
            return;
        }
        slabUsers.remove(memory.address());
        DmaRegion r = slabs.remove(memory.address());
        try {
            dma.unmap(r);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ixgbe " + name + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return "ixgbe";
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return 1500;
    }

    @Override
    public boolean linkUp() {
        return !closed && (bar.read(Regs.LINKS) & Regs.LINKS_UP) != 0;
    }

    /** Link speed in Mb/s from LINKS (0 when down). */
    public int speedMbps() {
        int links = bar.read(Regs.LINKS);
        if ((links & Regs.LINKS_UP) == 0) {
            return 0;
        }
        return switch ((links & Regs.LINKS_SPEED_MASK) >>> Regs.LINKS_SPEED_SHIFT) {
            case 1 -> 100;
            case 2 -> 1000;
            case 3 -> 10000;
            default -> 0;
        };
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
    public TxQueue txQueue(int worker) {
        if (worker < tx.length) {
            return tx[worker];
        }
        if (!refusedLogged) { // the engine asks again at every graph change: say it once
            refusedLogged = true;
            LOG.log(System.Logger.Level.WARNING, "ixgbe " + name + ": worker " + worker + " has no transmit queue ("
                    + tx.length + " queues); its frames to this device are dropped. Configure queues >= workers.");
        }
        return refused;
    }

    public RxRing rxRing(int q) {
        return rx[q];
    }

    public TxRing txRing(int q) {
        return tx[q];
    }

    public Bar bar() {
        return bar;
    }

    public Settings settings() {
        return settings;
    }

    public HardwareStatistics statistics() {
        return statistics;
    }

    @Override
    public DeviceCounters counters() {
        long rp = 0, rb = 0, re = 0, tp = 0, tb = 0, te = refused.refused;
        for (RxRing r : rx) {
            rp += r.counters.packets;
            rb += r.counters.bytes;
            re += r.counters.errors;
        }
        for (TxRing t : tx) {
            tp += t.counters.packets;
            tb += t.counters.bytes;
            te += t.counters.errors;
        }
        if (!closed) {
            statistics.update();
        }
        return new DeviceCounters(rp, rb, re + statistics.receiveDrops(), tp, tb, te);
    }

    /** Stops the device's DMA (a global reset) before the rings' memory goes. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        java.util.concurrent.locks.LockSupport.unpark(statisticsReader);
        try {
            statisticsReader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        statistics.update();
        bar.clear(Regs.RXCTRL, Regs.RXCTRL_RXEN);
        bar.write(Regs.CTRL, bar.read(Regs.CTRL) | Regs.CTRL_RST_MASK);
        bar.await(Regs.CTRL, Regs.CTRL_RST_MASK, 0, settings.timeoutNanos());
        arena.close();
    }

    /** The transmit queue of a worker past the device's queues: takes nothing. */
    private static final class RefusedTx implements TxQueue {
        volatile long refused;

        @Override
        public int transmit(dev.junction.packet.PacketPool pool, dev.junction.packet.PacketVector packets) {
            refused += packets.count();
            return 0;
        }
    }
}
