package dev.junction.bench;

import dev.junction.drivers.ixgbe.dma.Slabs;
import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Descriptors;
import dev.junction.drivers.ixgbe.regs.Regs;
import dev.junction.drivers.ixgbe.rx.RxRing;
import dev.junction.drivers.ixgbe.tx.TxRing;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The ixgbe driver's own cost: receive plus transmit of one burst, zero copy (the received buffers
 * are sent as they are), at batch sizes 1 to 256. No NIC and no model: a minimal ring filler plays
 * the device on the same thread between driver calls: it marks the next descriptors up to RDT done
 * (length, then DD|EOP with a release store) and writes DD into every transmit descriptor with RS
 * up to TDT. BAR0 is ordinary memory here, so the tail stores cost a cached store, not the posted
 * write to device memory they are on a card (one per burst and ring).
 *
 * <p>Reports, per batch size: ns per packet of the driver calls alone (nanoTime around them, its
 * own cost subtracted), of the whole loop with the filler, cycles at the given clock, and bytes
 * the thread allocated per packet.
 * Usage: {@code IxgbeDriverBench [--ghz F] [--seconds S per size] [--warmup S]}.
 */
public final class IxgbeDriverBench {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int RING = 512;

    /** The device's side of both rings, as little as makes the driver's loop go round. */
    static final class RingFiller {
        private final MemorySegment bar;
        private final MemorySegment rx;
        private final MemorySegment tx;
        private int rxHead;
        private int txHead;

        RingFiller(MemorySegment bar, MemorySegment rx, MemorySegment tx) {
            this.bar = bar;
            this.rx = rx;
            this.tx = tx;
        }

        /** Up to {@code n} received frames of 60 bytes, as the device writes them back. */
        void receive(int n) {
            int rdt = (int) INT.getVolatile(bar, (long) Regs.rdt(0));
            for (int i = 0; i < n && rxHead != rdt; i++) {
                long d = (long) rxHead << 4;
                rx.set(ValueLayout.JAVA_INT, d + Descriptors.RX_WB_LENGTH, 60);
                INT.setRelease(rx, d + Descriptors.RX_WB_STATUS, Descriptors.RX_STATUS_DD | Descriptors.RX_STATUS_EOP);
                rxHead = (rxHead + 1) & (RING - 1);
            }
        }

        /** Completes every descriptor handed over: DD where RS is set. */
        void transmit() {
            int tdt = (int) INT.getVolatile(bar, (long) Regs.tdt(0));
            while (txHead != tdt) {
                long d = (long) txHead << 4;
                if ((tx.get(ValueLayout.JAVA_INT, d + Descriptors.TX_CMD_TYPE_LEN) & Descriptors.TX_DCMD_RS) != 0) {
                    INT.setRelease(tx, d + Descriptors.TX_OLINFO_STATUS, Descriptors.TX_STATUS_DD);
                }
                txHead = (txHead + 1) & (RING - 1);
            }
        }
    }

    public static void main(String[] args) {
        double ghz = 0;
        double seconds = 2;
        double warmup = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ghz" -> ghz = Double.parseDouble(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("usage: IxgbeDriverBench [--ghz F] [--seconds S] [--warmup S]");
            }
        }
        try (Arena arena = Arena.ofShared()) {
            MemorySegment barMemory = arena.allocate(Regs.BAR0_SIZE, 4096);
            Bar bar = new Bar(barMemory, offset -> 0);
            MemorySegment rxMemory = arena.allocate(RING * 16L, 4096);
            MemorySegment txMemory = arena.allocate(RING * 16L, 4096);
            RxRing rx = new RxRing(bar, 0, rxMemory, RING, false, Slabs.IDENTITY);
            TxRing tx = new TxRing(bar, 0, txMemory, RING, Slabs.IDENTITY);
            PacketPool pool = new PacketPool(arena, 4096);
            RingFiller device = new RingFiller(barMemory, rxMemory, txMemory);
            PacketVector v = new PacketVector();
            rx.receive(pool, v, 1); // the first poll fills the ring
            long overhead = nanoTimeCost();
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            System.out.printf(Locale.ROOT, "ixgbe driver, rx+tx per packet, ring filler in place of the NIC; nanoTime pair %d ns%n", overhead);
            System.out.printf(Locale.ROOT, "%6s %12s %12s %12s %12s %10s%n", "batch", "driver-ns", "driver-cyc", "loop-ns", "loop-cyc", "B/pkt");
            for (int batch = 1; batch <= 256; batch *= 2) {
                run(rx, tx, pool, device, v, batch, (long) (warmup * 1e9), overhead, null);
                long a0 = mx.getCurrentThreadAllocatedBytes();
                long[] r = run(rx, tx, pool, device, v, batch, (long) (seconds * 1e9), overhead, mx);
                long allocated = mx.getCurrentThreadAllocatedBytes() - a0;
                double driverNs = (double) r[1] / r[0];
                double loopNs = (double) r[2] / r[0];
                System.out.printf(Locale.ROOT, "%6d %12.2f %12s %12.2f %12s %10.4f%n", batch, driverNs,
                        ghz > 0 ? String.format(Locale.ROOT, "%.0f", driverNs * ghz) : "-", loopNs,
                        ghz > 0 ? String.format(Locale.ROOT, "%.0f", loopNs * ghz) : "-", (double) allocated / r[0]);
            }
        }
    }

    /** Packets, driver nanoseconds, loop nanoseconds. */
    private static long[] run(RxRing rx, TxRing tx, PacketPool pool, RingFiller device, PacketVector v, int batch,
            long nanos, long overhead, Object marker) {
        long packets = 0;
        long driver = 0;
        long start = System.nanoTime();
        long end = start + nanos;
        long now = start;
        while (now < end) {
            for (int k = 0; k < 1000; k++) {
                device.receive(batch);
                long t0 = System.nanoTime();
                int n = rx.receive(pool, v, batch);
                int sent = tx.transmit(pool, v);
                long t1 = System.nanoTime();
                driver += t1 - t0 - overhead;
                for (int i = sent; i < n; i++) {
                    pool.free(v.buffer(i));
                }
                v.clear();
                device.transmit();
                packets += n;
            }
            now = System.nanoTime();
        }
        return new long[]{packets, driver, now - start};
    }

    /** What a back-to-back pair of nanoTime calls costs here, the least of many. */
    private static long nanoTimeCost() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 1_000_000; i++) {
            long a = System.nanoTime();
            long b = System.nanoTime();
            best = Math.min(best, b - a);
        }
        return best;
    }
}
