package dev.junction.test.ixgbe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One transmit queue (datasheet 7.2): when TDT moves, the device fetches descriptors from TDH
 * towards TDT, gathers the buffers of advanced data descriptors until EOP into one frame and puts
 * it on the transmit wire, writes DD back only into descriptors with RS set, and moves TDH.
 * Context descriptors are accepted and ignored (no offloads are modelled).
 */
final class TxQueueModel extends DescriptorRing {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** Largest frame the model sends: a 9.5 KiB jumbo, as the 82599's largest. */
    static final int MAX_FRAME = 9728;
    private static final int BUDGET = 64;

    private final byte[] frame = new byte[MAX_FRAME];
    private int frameLength;
    private int expectedPayload;
    private boolean discarding;
    private boolean toldTransmitDisabled;

    TxQueueModel(Ixgbe82599Model model, int q) {
        super(model, q, "TX queue " + q, new int[]{Registers.tdbal(q), Registers.tdbah(q), Registers.tdlen(q),
                Registers.tdh(q), Registers.tdt(q), Registers.txdctl(q)});
    }

    @Override
    boolean acceptsQueueSettings() {
        return true;
    }

    @Override
    void onStopped() {
        frameLength = 0;
        discarding = false;
        toldTransmitDisabled = false;
    }

    /** Sends what lies between TDH and TDT, up to a budget; true when it did anything. */
    boolean transmit(boolean linkUp) {
        if (state != ENABLED || head == tail) {
            return false;
        }
        if ((bar.read(Registers.DMATXCTL) & Registers.DMATXCTL_TE) == 0) {
            if (!toldTransmitDisabled) {
                toldTransmitDisabled = true;
                model.fault(ModelFault.Kind.TX_RULE, Registers.DMATXCTL, bar.read(Registers.DMATXCTL),
                        name + " has descriptors to send but DMATXCTL.TE is clear: nothing will go out");
            }
            return false;
        }
        if (!linkUp) {
            return false;
        }
        DmaSpace.Region ringRegion = ring();
        if (ringRegion == null) {
            return false;
        }
        MemorySegment ring = ringRegion.segment();
        long ringOffset = offsetIn(ringRegion, base);
        for (int budget = BUDGET; budget > 0 && head != tail; budget--) {
            long d = ringOffset + (long) head * Descriptors.SIZE;
            long address = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, d + Descriptors.TX_BUFFER_ADDRESS);
            int command = ring.get(ValueLayout.JAVA_INT_UNALIGNED, d + Descriptors.TX_CMD_TYPE_LEN);
            int olinfo = ring.get(ValueLayout.JAVA_INT_UNALIGNED, d + Descriptors.TX_OLINFO_STATUS);
            if (!fetch(head, address, command, olinfo)) {
                return true;
            }
            if ((command & Descriptors.TX_DCMD_RS) != 0 && (command & Descriptors.TX_DCMD_DEXT) != 0) {
                // Release: the driver that sees DD may reuse the buffer, which was read above.
                INT.setRelease(ring, d + Descriptors.TX_OLINFO_STATUS, olinfo | Descriptors.TX_STATUS_DD);
            }
            advanceHead((head + 1) % count);
        }
        return true;
    }

    /** One descriptor; false when a DMA fault stopped the device. */
    private boolean fetch(int index, long address, int command, int olinfo) {
        if ((olinfo & Descriptors.TX_STATUS_DD) != 0) {
            model.fault(ModelFault.Kind.BAD_TX_DESCRIPTOR, registers[TAIL], index,
                    name + " descriptor " + index + " fetched with DD set: not rewritten since the device last"
                            + " completed it (TDT written before the descriptor?)");
            return true;
        }
        if ((command & Descriptors.TX_DCMD_DEXT) == 0) {
            model.fault(ModelFault.Kind.BAD_TX_DESCRIPTOR, registers[TAIL], index,
                    name + " descriptor " + index + " is not an advanced descriptor (DEXT clear; all zero: "
                            + (command == 0 && address == 0) + "): legacy descriptors are not modelled,"
                            + " or TDT was written before the descriptor");
            return true;
        }
        int type = command & Descriptors.TX_DTYP_MASK;
        if (type == Descriptors.TX_DTYP_CONTEXT) {
            return true;
        }
        if (type != Descriptors.TX_DTYP_DATA) {
            model.fault(ModelFault.Kind.BAD_TX_DESCRIPTOR, registers[TAIL], command,
                    name + " descriptor " + index + " has DTYP " + (type >>> Descriptors.TX_DTYP_SHIFT));
            return true;
        }
        int length = command & Descriptors.TX_DTALEN_MASK;
        if (frameLength == 0 && !discarding) {
            expectedPayload = olinfo >>> Descriptors.TX_PAYLEN_SHIFT;
        }
        if (length == 0) {
            model.fault(ModelFault.Kind.TX_RULE, registers[TAIL], index, name + " descriptor " + index + " has DTALEN 0");
        } else if (!discarding && frameLength + length > MAX_FRAME) {
            model.fault(ModelFault.Kind.TX_RULE, registers[TAIL], frameLength + length,
                    name + " frame longer than " + MAX_FRAME + " bytes: discarded");
            discarding = true;
        } else if (!discarding) {
            DmaSpace.Region buffer = model.dma.find(address, length);
            if (buffer == null) {
                model.dmaFault(address, length, name + " descriptor " + index + " data buffer");
                return false;
            }
            MemorySegment.copy(buffer.segment(), ValueLayout.JAVA_BYTE, offsetIn(buffer, address), frame, frameLength, length);
            frameLength += length;
        }
        if ((command & Descriptors.TX_DCMD_EOP) != 0) {
            if (!discarding) {
                send();
            }
            frameLength = 0;
            discarding = false;
        }
        return true;
    }

    private void send() {
        if (expectedPayload != frameLength) {
            model.fault(ModelFault.Kind.TX_RULE, registers[TAIL], expectedPayload,
                    name + " PAYLEN " + expectedPayload + " but the frame's descriptors carry " + frameLength + " bytes");
        }
        int wireLength = frameLength;
        if (wireLength < 60 && (bar.read(Registers.HLREG0) & Registers.HLREG0_TXPADEN) != 0) {
            wireLength = 60;
        }
        byte[] out = Arrays.copyOf(frame, wireLength);
        // GOTC counts destination address through FCS, QBTC what was read from memory. Counted before
        // the frame is handed out, so that whoever has the frame (awaitTx) sees it counted.
        model.statistics.transmitted(queue, frameLength, wireLength + 4);
        model.sent(out);
    }
}
