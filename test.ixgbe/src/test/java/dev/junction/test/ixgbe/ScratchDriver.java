package dev.junction.test.ixgbe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * A deliberately small 82599 driver, written from the datasheet's initialisation sequence (4.6.3
 * to 4.6.8) against the model, one receive and one transmit queue, to show what a driver test
 * against the model looks like and that the model catches the classic bugs, each switched on by a
 * {@link Bug}. Not the driver: that one lives in its own bundle and carries its own register facts.
 */
final class ScratchDriver implements AutoCloseable {
    /** The classic driver bugs, one at a time. */
    enum Bug {
        /** RDT initialised to RDH (0) instead of the last descriptor: the ring looks empty. */
        RDT_EQUALS_RDH,
        /** Refill rewrites the packet address but leaves the write-back's DD in the upper qword. */
        NO_DD_CLEAR_ON_REFILL,
        /** The length is read before DD (on the first look at a descriptor): a stale or unfinished value. */
        LENGTH_BEFORE_DD,
        /** TDT moved before the descriptors it hands over are written. */
        TDT_BEFORE_DESCRIPTORS,
        /** RDLEN one descriptor longer than a multiple of 8 descriptors (128 bytes). */
        RING_NOT_128_MULTIPLE,
        /** SRRCTL left with the legacy descriptor type. */
        LEGACY_SRRCTL,
        /** SRRCTL.BSIZEPACKET 1 KiB while the driver assumes a frame fits one buffer. */
        SMALL_BUFFER_SIZE
    }

    /** Receives a frame: the driver's buffer memory, the frame's offset in it, its length. */
    interface FrameSink {
        void frame(MemorySegment memory, long offset, int length);
    }

    static final int BUFFER_SIZE = 2048;
    private static final int TX_CHUNK = 1024;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final Duration WAIT = Duration.ofSeconds(2);

    private final Ixgbe82599Model model;
    private final Set<Bug> bugs;
    private final DriverBar bar;
    private final Arena arena = Arena.ofShared();
    private final int rxCount;
    private final int txCount;
    private final MemorySegment memory;
    private final long iova;
    private final long rxRing;
    private final long txRing;
    private final long rxBuffers;
    private final long txBuffers;
    private int rxNext;
    private int txNext;
    private int txClean;
    private final boolean[] txEndsFrame;
    private int lengthReadEarly = -1;
    /** Frames the driver saw without EOP (it assumes one buffer per frame). */
    long rxWithoutEop;

    ScratchDriver(Ixgbe82599Model model, int rxDescriptors, int txDescriptors, Set<Bug> bugs) {
        this.model = model;
        this.bugs = bugs.isEmpty() ? EnumSet.noneOf(Bug.class) : EnumSet.copyOf(bugs);
        this.rxCount = rxDescriptors;
        this.txCount = txDescriptors;
        this.txEndsFrame = new boolean[txDescriptors];
        this.bar = new DriverBar(model.bar0Path());
        long ringBytes = align(Math.max(rxDescriptors, txDescriptors) * 16L + 16, 4096);
        rxRing = 0;
        txRing = ringBytes;
        rxBuffers = 2 * ringBytes;
        txBuffers = rxBuffers + (long) rxDescriptors * BUFFER_SIZE;
        memory = arena.allocate(txBuffers + (long) txDescriptors * BUFFER_SIZE, 4096);
        iova = model.dma().registerIdentity(memory);
    }

    private static long align(long value, long to) {
        return (value + to - 1) / to * to;
    }

    DriverBar bar() {
        return bar;
    }

    /** Reset, wait for the EEPROM and DMA, start the link, set up and enable queue 0 both ways. */
    void bringUp() {
        // 4.6.3: interrupts off, global reset, interrupts off again
        bar.write(Registers.EIMC, 0x7FFF_FFFF);
        bar.write(Registers.CTRL, Registers.CTRL_RST | Registers.CTRL_LRST);
        awaitBits(Registers.CTRL, Registers.CTRL_RST | Registers.CTRL_LRST, 0, "reset to finish");
        bar.write(Registers.EIMC, 0x7FFF_FFFF);
        awaitBits(Registers.EEC, Registers.EEC_ARD, Registers.EEC_ARD, "EEPROM auto-read");
        awaitBits(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, Registers.RDRXCTL_DMAIDONE, "DMA init");
        // 4.6.4: link
        bar.set(Registers.AUTOC, Registers.AUTOC_AN_RESTART);
        // 4.6.5: statistics are read-to-clear; read them once so that they start from zero
        for (int offset : new int[]{Registers.GPRC, Registers.GPTC, Registers.GORCL, Registers.GORCH,
                Registers.GOTCL, Registers.GOTCH}) {
            model.readToClear(offset);
        }
        initReceive();
        initTransmit();
        startReceive();
        startTransmit();
        awaitBits(Registers.LINKS, Registers.LINKS_UP, Registers.LINKS_UP, "link up");
    }

    private void initReceive() {
        bar.clear(Registers.RXCTRL, Registers.RXCTRL_RXEN);
        bar.write(Registers.rxpbsize(0), 512 << 10);
        bar.set(Registers.HLREG0, Registers.HLREG0_RXCRCSTRP);
        bar.set(Registers.RDRXCTL, Registers.RDRXCTL_CRCSTRIP);
        bar.set(Registers.FCTRL, Registers.FCTRL_BAM);
        int srrctl = Registers.SRRCTL_DROP_EN;
        srrctl |= bugs.contains(Bug.LEGACY_SRRCTL) ? 0 : Registers.SRRCTL_DESCTYPE_ADV_ONEBUF;
        srrctl |= bugs.contains(Bug.SMALL_BUFFER_SIZE) ? 1 : BUFFER_SIZE / 1024;
        bar.write(Registers.srrctl(0), srrctl);
        long ring = iova + rxRing;
        bar.write(Registers.rdbal(0), (int) ring);
        bar.write(Registers.rdbah(0), (int) (ring >>> 32));
        int length = rxCount * 16 + (bugs.contains(Bug.RING_NOT_128_MULTIPLE) ? 16 : 0);
        bar.write(Registers.rdlen(0), length);
        bar.write(Registers.rdh(0), 0);
        bar.write(Registers.rdt(0), 0);
        bar.set(Registers.RXCTRL, Registers.RXCTRL_RXEN);
    }

    private void initTransmit() {
        bar.set(Registers.HLREG0, Registers.HLREG0_TXCRCEN | Registers.HLREG0_TXPADEN);
        bar.write(Registers.txpbsize(0), 160 << 10);
        bar.write(Registers.DTXMXSZRQ, 0xFFFF);
        bar.set(Registers.RTTDCS, Registers.RTTDCS_ARBDIS);
        long ring = iova + txRing;
        bar.write(Registers.tdbal(0), (int) ring);
        bar.write(Registers.tdbah(0), (int) (ring >>> 32));
        bar.write(Registers.tdlen(0), txCount * 16);
        bar.write(Registers.tdh(0), 0);
        bar.write(Registers.tdt(0), 0);
        bar.clear(Registers.RTTDCS, Registers.RTTDCS_ARBDIS);
        bar.set(Registers.DMATXCTL, Registers.DMATXCTL_TE);
    }

    private void startReceive() {
        for (int i = 0; i < rxCount; i++) {
            giveRxDescriptor(i, true);
        }
        bar.set(Registers.rxdctl(0), Registers.DCTL_ENABLE);
        awaitBits(Registers.rxdctl(0), Registers.DCTL_ENABLE, Registers.DCTL_ENABLE, "RX queue 0 enable");
        // 4.6.7.1: one descriptor stays with the driver so that full and empty differ
        bar.write(Registers.rdt(0), bugs.contains(Bug.RDT_EQUALS_RDH) ? 0 : rxCount - 1);
    }

    private void startTransmit() {
        bar.set(Registers.txdctl(0), Registers.DCTL_ENABLE);
        awaitBits(Registers.txdctl(0), Registers.DCTL_ENABLE, Registers.DCTL_ENABLE, "TX queue 0 enable");
    }

    private void giveRxDescriptor(int index, boolean first) {
        long d = rxRing + index * 16L;
        memory.set(ValueLayout.JAVA_LONG, d, iova + rxBuffers + (long) index * BUFFER_SIZE);
        if (first || !bugs.contains(Bug.NO_DD_CLEAR_ON_REFILL)) {
            // The header address qword is where the write-back put DD: zero it, or the driver
            // would take this descriptor for a finished one again.
            memory.set(ValueLayout.JAVA_LONG, d + 8, 0L);
        }
    }

    /** Hands up to {@code max} received frames to {@code sink}, gives their descriptors back. */
    int receive(FrameSink sink, int max) {
        int n = 0;
        int last = -1;
        while (n < max) {
            long d = rxRing + rxNext * 16L;
            int length = 0;
            if (bugs.contains(Bug.LENGTH_BEFORE_DD)) {
                // The bug: the fields are read when the driver first looks, then it waits for DD.
                if (lengthReadEarly < 0) {
                    lengthReadEarly = memory.get(ValueLayout.JAVA_INT, d + Descriptors.RX_WB_LENGTH) & 0xFFFF;
                }
                length = lengthReadEarly;
            }
            // Acquire: what the device wrote before DD is visible once DD is.
            int status = (int) INT.getAcquire(memory, d + Descriptors.RX_WB_STATUS);
            if ((status & Descriptors.RX_STATUS_DD) == 0) {
                break;
            }
            if (!bugs.contains(Bug.LENGTH_BEFORE_DD)) {
                length = memory.get(ValueLayout.JAVA_INT, d + Descriptors.RX_WB_LENGTH) & 0xFFFF;
            }
            if ((status & Descriptors.RX_STATUS_EOP) == 0) {
                rxWithoutEop++;
            }
            sink.frame(memory, rxBuffers + (long) rxNext * BUFFER_SIZE, Math.min(length, BUFFER_SIZE));
            giveRxDescriptor(rxNext, false);
            lengthReadEarly = -1;
            last = rxNext;
            rxNext = (rxNext + 1) % rxCount;
            n++;
        }
        if (last >= 0) {
            bar.write(Registers.rdt(0), last);
        }
        return n;
    }

    /** The RSS hash of the descriptor {@code back} places before the next one to receive. */
    int lastRssHash() {
        int index = (rxNext - 1 + rxCount) % rxCount;
        return memory.get(ValueLayout.JAVA_INT, rxRing + index * 16L + Descriptors.RX_WB_RSS_HASH);
    }

    /** Queues {@code frame} (split into 1 KiB descriptors); false when the ring has no room. */
    boolean transmit(byte[] frame) {
        reclaim();
        int needed = (frame.length + TX_CHUNK - 1) / TX_CHUNK;
        int inFlight = (txNext - txClean + txCount) % txCount;
        if (txCount - 1 - inFlight < needed) {
            return false;
        }
        int first = txNext;
        int index = txNext;
        if (bugs.contains(Bug.TDT_BEFORE_DESCRIPTORS)) {
            int after = (first + needed) % txCount;
            bar.write(Registers.tdt(0), after);
            // The race made certain: the device fetches before the driver writes.
            awaitBits(Registers.tdh(0), 0xFFFF, after, "the device to fetch");
        }
        for (int done = 0; done < frame.length; done += TX_CHUNK) {
            int chunk = Math.min(TX_CHUNK, frame.length - done);
            long buffer = txBuffers + (long) index * BUFFER_SIZE;
            MemorySegment.copy(frame, done, memory, ValueLayout.JAVA_BYTE, buffer, chunk);
            boolean end = done + chunk == frame.length;
            int command = chunk | Descriptors.TX_DTYP_DATA | Descriptors.TX_DCMD_DEXT | Descriptors.TX_DCMD_IFCS
                    | (end ? Descriptors.TX_DCMD_EOP | Descriptors.TX_DCMD_RS : 0);
            long d = txRing + index * 16L;
            memory.set(ValueLayout.JAVA_LONG, d, iova + buffer);
            memory.set(ValueLayout.JAVA_INT, d + Descriptors.TX_CMD_TYPE_LEN, command);
            memory.set(ValueLayout.JAVA_INT, d + Descriptors.TX_OLINFO_STATUS, frame.length << Descriptors.TX_PAYLEN_SHIFT);
            txEndsFrame[index] = end;
            index = (index + 1) % txCount;
        }
        txNext = index;
        if (!bugs.contains(Bug.TDT_BEFORE_DESCRIPTORS)) {
            // A volatile store: the descriptors above are visible to the device before the tail.
            bar.write(Registers.tdt(0), txNext);
        }
        return true;
    }

    /** Frees the descriptors of frames whose last descriptor (the one with RS) shows DD. */
    private void reclaim() {
        while (txClean != txNext) {
            int end = txClean;
            while (!txEndsFrame[end]) {
                end = (end + 1) % txCount;
            }
            int status = (int) INT.getAcquire(memory, txRing + end * 16L + Descriptors.TX_OLINFO_STATUS);
            if ((status & Descriptors.TX_STATUS_DD) == 0) {
                return;
            }
            txClean = (end + 1) % txCount;
        }
    }

    private void awaitBits(int offset, int mask, int expected, String what) {
        if (!bar.await(offset, mask, expected, WAIT)) {
            throw new IllegalStateException(String.format("timed out waiting for %s (0x%05X = 0x%08X); faults: %s",
                    what, offset, bar.read(offset), model.faults()));
        }
    }

    @Override
    public void close() {
        bar.close();
        model.dma().unregister(iova);
        arena.close();
    }
}
