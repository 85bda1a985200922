package dev.junction.test.ixgbe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.zip.CRC32;

/**
 * One receive queue (datasheet 7.1): frames written through advanced one-buffer descriptors from
 * RDH towards RDT, a frame longer than the buffer size (SRRCTL.BSIZEPACKET) spread over several
 * descriptors with EOP on the last, each descriptor written back with its length, RSS type and
 * hash, and its status (DD, EOP) stored last, after a release fence, so that a driver that sees DD
 * sees the rest. RDH == RDT means no descriptor is free.
 */
final class RxQueueModel extends DescriptorRing {
    static final int DELIVERED = 0;
    static final int NO_BUFFER = 1;
    static final int NOT_ENABLED = 2;
    static final int BUSY = 3;
    static final int HALTED = 4;

    private static final int SRRCTL = CTL + 1;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int MAX_DESCRIPTORS_PER_FRAME = 64;

    private int bufferSize;
    private boolean crcStrip;
    private final byte[] withFcs = new byte[16 * 1024 + 4];
    private final CRC32 crc = new CRC32();

    // A write-back held back by ModelConfig.rxWriteBackNanos
    private int pendingCount;
    private long pendingAt;
    private int pendingHead;
    private long pendingClassification;
    private MemorySegment pendingRing;
    private final long[] pendingDescriptor = new long[MAX_DESCRIPTORS_PER_FRAME];
    private final int[] pendingLength = new int[MAX_DESCRIPTORS_PER_FRAME];

    RxQueueModel(Ixgbe82599Model model, int q) {
        super(model, q, "RX queue " + q, new int[]{Registers.rdbal(q), Registers.rdbah(q), Registers.rdlen(q),
                Registers.rdh(q), Registers.rdt(q), Registers.rxdctl(q), Registers.srrctl(q)});
    }

    @Override
    boolean acceptsQueueSettings() {
        int srrctl = shadow[SRRCTL];
        if ((srrctl & Registers.SRRCTL_DESCTYPE_MASK) != Registers.SRRCTL_DESCTYPE_ADV_ONEBUF) {
            model.fault(ModelFault.Kind.SRRCTL, registers[SRRCTL], srrctl,
                    name + " SRRCTL.DESCTYPE " + ((srrctl & Registers.SRRCTL_DESCTYPE_MASK) >>> Registers.SRRCTL_DESCTYPE_SHIFT)
                            + ": the model takes advanced one-buffer descriptors (001b) only");
            return false;
        }
        int kib = srrctl & Registers.SRRCTL_BSIZEPACKET_MASK;
        if (kib == 0) {
            model.fault(ModelFault.Kind.SRRCTL, registers[SRRCTL], srrctl, name + " SRRCTL.BSIZEPACKET is 0");
            return false;
        }
        boolean hlreg0 = (bar.read(Registers.HLREG0) & Registers.HLREG0_RXCRCSTRP) != 0;
        boolean rdrxctl = (bar.read(Registers.RDRXCTL) & Registers.RDRXCTL_CRCSTRIP) != 0;
        if (hlreg0 != rdrxctl) {
            model.fault(ModelFault.Kind.CRC_STRIP, Registers.RDRXCTL, bar.read(Registers.RDRXCTL),
                    "HLREG0.RXCRCSTRP is " + (hlreg0 ? 1 : 0) + " but RDRXCTL.CRCSTRIP is " + (rdrxctl ? 1 : 0)
                            + ": the two must agree");
            return false;
        }
        bufferSize = kib * 1024;
        crcStrip = hlreg0;
        return true;
    }

    @Override
    void onStopped() {
        pendingCount = 0;
        pendingRing = null;
    }

    /** Writes {@code frame} into the ring; one of {@link #DELIVERED} ... {@link #HALTED}. */
    int deliver(byte[] frame, long classification, long now) {
        if (state == PENDING) {
            // Held back until the queue runs: a driver that read its own ENABLE store back (the
            // model cannot stop that) must not lose frames a driver that waited would get.
            return BUSY;
        }
        if (state != ENABLED) {
            return NOT_ENABLED;
        }
        if (pendingCount > 0) {
            return BUSY;
        }
        byte[] source = frame;
        int hostLength = frame.length;
        if (!crcStrip) {
            // The wire frames carry no FCS; with stripping off the device delivers one, as a NIC would.
            crc.reset();
            crc.update(frame, 0, frame.length);
            int fcs = (int) crc.getValue();
            System.arraycopy(frame, 0, withFcs, 0, frame.length);
            for (int i = 0; i < 4; i++) {
                withFcs[frame.length + i] = (byte) (fcs >>> (8 * i));
            }
            source = withFcs;
            hostLength += 4;
        }
        int needed = (hostLength + bufferSize - 1) / bufferSize;
        int free = tail - head;
        if (free < 0) {
            free += count;
        }
        if (free < needed && pollTail(now)) {
            // The card sees a tail store within nanoseconds; look again before calling the ring full.
            free = tail - head;
            if (free < 0) {
                free += count;
            }
        }
        if (needed > MAX_DESCRIPTORS_PER_FRAME || free < needed) {
            return NO_BUFFER;
        }
        DmaSpace.Region ringRegion = ring();
        if (ringRegion == null) {
            return HALTED;
        }
        MemorySegment ring = ringRegion.segment();
        long ringOffset = offsetIn(ringRegion, base);
        long delay = model.config.rxWriteBackNanos();
        int index = head;
        int done = 0;
        for (int k = 0; k < needed; k++) {
            long d = ringOffset + (long) index * Descriptors.SIZE;
            long packetAddress = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, d + Descriptors.RX_PACKET_ADDRESS);
            long headerAddress = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, d + Descriptors.RX_HEADER_ADDRESS);
            if ((headerAddress & Descriptors.RX_STATUS_DD) != 0) {
                model.fault(ModelFault.Kind.STALE_RX_DESCRIPTOR, registers[HEAD], index,
                        name + " descriptor " + index + " handed to the device with DD still set: not cleared on refill");
            }
            int chunk = Math.min(bufferSize, hostLength - done);
            DmaSpace.Region buffer = model.dma.find(packetAddress, chunk);
            if (buffer == null) {
                model.dmaFault(packetAddress, chunk, name + " descriptor " + index + " packet buffer");
                return HALTED;
            }
            MemorySegment.copy(source, done, buffer.segment(), ValueLayout.JAVA_BYTE,
                    offsetIn(buffer, packetAddress), chunk);
            boolean last = k == needed - 1;
            if (delay == 0) {
                writeBack(ring, d, chunk, last, classification);
            } else {
                // The hash's garbage before the length's: a reader that waits for the garbage length
                // (RxTest) then finds the garbage hash too, whatever the scheduling.
                ring.set(ValueLayout.JAVA_INT_UNALIGNED, d + Descriptors.RX_WB_RSS_HASH, ModelConfig.RX_POISON_HASH);
                ring.set(ValueLayout.JAVA_INT_UNALIGNED, d + Descriptors.RX_WB_LENGTH, ModelConfig.RX_POISON_LENGTH);
                pendingDescriptor[k] = d;
                pendingLength[k] = chunk;
            }
            index = (index + 1) % count;
            done += chunk;
        }
        model.statistics.queueReceived(queue, hostLength);
        if (delay == 0) {
            advanceHead(index);
        } else {
            pendingCount = needed;
            pendingAt = now + delay;
            pendingHead = index;
            pendingClassification = classification;
            pendingRing = ring;
        }
        return DELIVERED;
    }

    @Override
    boolean runTimers(long now) {
        boolean fired = super.runTimers(now);
        if (pendingCount > 0 && now - pendingAt >= 0) {
            for (int k = 0; k < pendingCount; k++) {
                writeBack(pendingRing, pendingDescriptor[k], pendingLength[k], k == pendingCount - 1, pendingClassification);
            }
            pendingCount = 0;
            pendingRing = null;
            advanceHead(pendingHead);
            fired = true;
        }
        return fired;
    }

    /** The write-back: fields first, then DD|EOP with release semantics (datasheet 7.1.6.2). */
    private static void writeBack(MemorySegment ring, long d, int length, boolean last, long classification) {
        ring.set(ValueLayout.JAVA_INT_UNALIGNED, d + Descriptors.RX_WB_RSS_TYPE, (int) (classification >>> 32) & 0xF);
        ring.set(ValueLayout.JAVA_INT_UNALIGNED, d + Descriptors.RX_WB_RSS_HASH, (int) classification);
        ring.set(ValueLayout.JAVA_INT_UNALIGNED, d + Descriptors.RX_WB_LENGTH, length & 0xFFFF);
        int status = Descriptors.RX_STATUS_DD | (last ? Descriptors.RX_STATUS_EOP : 0);
        INT.setRelease(ring, d + Descriptors.RX_WB_STATUS, status);
    }
}
