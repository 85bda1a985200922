package dev.junction.test.ixgbe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * A model with the driver's side laid bare, for tests of one behaviour at a time: BAR0 mapped,
 * DMA memory registered, the device reset and its link up, rings set up by hand.
 */
final class ModelRig implements AutoCloseable {
    static final Duration SECOND = Duration.ofSeconds(1);
    static final long MS = 1_000_000;

    final Ixgbe82599Model model;
    final DriverBar bar;
    private final Arena arena = Arena.ofShared();

    ModelRig(ModelConfig config) {
        model = new Ixgbe82599Model(config);
        bar = new DriverBar(model.bar0Path());
        assertTrue(bar.await(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, Registers.RDRXCTL_DMAIDONE, SECOND));
        assertTrue(bar.await(Registers.EEC, Registers.EEC_ARD, Registers.EEC_ARD, SECOND));
        bar.set(Registers.AUTOC, Registers.AUTOC_AN_RESTART);
        assertTrue(bar.await(Registers.LINKS, Registers.LINKS_UP, Registers.LINKS_UP, SECOND));
    }

    ModelRig() {
        this(ModelConfig.defaults().withDelays(1 * MS, 1 * MS, 1 * MS, 1 * MS, 1 * MS));
    }

    /** Native memory the device may reach, at IOVA = address. */
    MemorySegment dmaMemory(long bytes) {
        MemorySegment m = arena.allocate(bytes, 4096);
        model.dma().registerIdentity(m);
        return m;
    }

    /** Receive queue {@code q}: ring and buffers, SRRCTL as given, every descriptor handed over. */
    RxRing rx(int q, int descriptors, int srrctl, int bufferBytes) {
        RxRing r = new RxRing(q, descriptors, bufferBytes);
        bar.set(Registers.HLREG0, Registers.HLREG0_RXCRCSTRP);
        bar.set(Registers.RDRXCTL, Registers.RDRXCTL_CRCSTRIP);
        bar.write(Registers.srrctl(q), srrctl);
        bar.write(Registers.rdbal(q), (int) r.ring.address());
        bar.write(Registers.rdbah(q), (int) (r.ring.address() >>> 32));
        bar.write(Registers.rdlen(q), descriptors * 16);
        for (int i = 0; i < descriptors; i++) {
            r.give(i);
        }
        bar.set(Registers.RXCTRL, Registers.RXCTRL_RXEN);
        return r;
    }

    /** Enables receive queue {@code q}, waits until it runs, then hands the device {@code tail}. */
    void enableRx(RxRing r, int tail) {
        bar.write(Registers.rxdctl(r.queue), Registers.DCTL_ENABLE);
        await(() -> model.rxQueueRunning(r.queue), "RX queue " + r.queue + " to run");
        bar.write(Registers.rdt(r.queue), tail);
    }

    void await(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + SECOND.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; faults " + model.faults());
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    /** Transmit queue {@code q}, enabled and running, DMATXCTL.TE set unless {@code transmitEnable} is false. */
    TxRing tx(int q, int descriptors, boolean transmitEnable) {
        TxRing t = new TxRing(q, descriptors);
        bar.write(Registers.tdbal(q), (int) t.ring.address());
        bar.write(Registers.tdbah(q), (int) (t.ring.address() >>> 32));
        bar.write(Registers.tdlen(q), descriptors * 16);
        if (transmitEnable) {
            bar.set(Registers.DMATXCTL, Registers.DMATXCTL_TE);
        }
        bar.write(Registers.txdctl(q), Registers.DCTL_ENABLE);
        await(() -> model.txQueueRunning(q), "TX queue " + q + " to run");
        return t;
    }

    final class TxRing {
        final int queue;
        final int count;
        final MemorySegment ring;
        final MemorySegment buffers;

        TxRing(int queue, int count) {
            this.queue = queue;
            this.count = count;
            ring = dmaMemory(Math.max(4096, count * 16L));
            buffers = dmaMemory(count * 2048L);
        }

        /** Descriptor i: bytes of buffer i, DTALEN {@code data.length}, the DCMD bits given. */
        void data(int i, byte[] data, int dcmd, int payload) {
            MemorySegment.copy(data, 0, buffers, ValueLayout.JAVA_BYTE, i * 2048L, data.length);
            put(i, buffers.address() + i * 2048L,
                    data.length | Descriptors.TX_DTYP_DATA | Descriptors.TX_DCMD_DEXT | dcmd,
                    payload << Descriptors.TX_PAYLEN_SHIFT);
        }

        void put(int i, long address, int cmdTypeLen, int olinfo) {
            ring.set(ValueLayout.JAVA_LONG, i * 16L, address);
            ring.set(ValueLayout.JAVA_INT, i * 16L + 8, cmdTypeLen);
            ring.set(ValueLayout.JAVA_INT, i * 16L + 12, olinfo);
        }

        boolean done(int i) {
            return (ring.get(ValueLayout.JAVA_INT, i * 16L + 12) & Descriptors.TX_STATUS_DD) != 0;
        }

        void tail(int value) {
            bar.write(Registers.tdt(queue), value);
        }
    }

    final class RxRing {
        final int queue;
        final int count;
        final int bufferBytes;
        final MemorySegment ring;
        final MemorySegment buffers;

        RxRing(int queue, int count, int bufferBytes) {
            this.queue = queue;
            this.count = count;
            this.bufferBytes = bufferBytes;
            ring = dmaMemory(Math.max(4096, count * 16L));
            buffers = dmaMemory((long) count * bufferBytes);
        }

        void give(int i) {
            ring.set(ValueLayout.JAVA_LONG, i * 16L, buffers.address() + (long) i * bufferBytes);
            ring.set(ValueLayout.JAVA_LONG, i * 16L + 8, 0L);
        }

        int status(int i) {
            return ring.get(ValueLayout.JAVA_INT, i * 16L + Descriptors.RX_WB_STATUS);
        }

        int length(int i) {
            return ring.get(ValueLayout.JAVA_INT, i * 16L + Descriptors.RX_WB_LENGTH) & 0xFFFF;
        }

        int rssType(int i) {
            return ring.get(ValueLayout.JAVA_INT, i * 16L + Descriptors.RX_WB_RSS_TYPE) & 0xF;
        }

        int rssHash(int i) {
            return ring.get(ValueLayout.JAVA_INT, i * 16L + Descriptors.RX_WB_RSS_HASH);
        }

        byte[] bytes(int i, int length) {
            return buffers.asSlice((long) i * bufferBytes, length).toArray(ValueLayout.JAVA_BYTE);
        }

        boolean awaitDone(int i) {
            long deadline = System.nanoTime() + SECOND.toNanos();
            while ((status(i) & Descriptors.RX_STATUS_DD) == 0) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
            return true;
        }
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            bar.close();
            arena.close();
        }
    }
}
