package dev.junction.test.ixgbe;

import java.util.HashMap;
import java.util.Map;

/**
 * The statistics registers the model keeps (datasheet 8.2.3.23), all read-to-clear on the 82599.
 *
 * <p>A register in a mapped file cannot know it was read, so the model keeps each count here and
 * mirrors it into BAR0 after every change (a plain read of the mapping shows the count since the
 * last clear, and clears nothing). A driver clears by reading through
 * {@link Ixgbe82599Model#readToClear(int)}: the value and the clear happen under one lock, as the
 * read and the clear are one bus transaction on the card, so no count that arrives in between is
 * lost. The 36-bit octet counters are split in a low and a high register: reading the low half
 * takes the whole 36-bit value, clears it and latches its top 4 bits for the following read of the
 * high half; a high half read without a low one first returns the running top bits and clears
 * nothing.
 */
final class Statistics {
    private static final int GPRC = 0;
    private static final int GPTC = 1;
    private static final int GORC = 2;
    private static final int GOTC = 3;
    private static final int MPC = 4;
    private static final int RNBC = MPC + 8;
    private static final int QPRC = RNBC + 8;
    private static final int QPRDC = QPRC + 16;
    private static final int QBRC = QPRDC + 16;
    private static final int QPTC = QBRC + 16;
    private static final int QBTC = QPTC + 16;
    private static final int COUNT = QBTC + 16;

    private static final int FULL = 0;
    private static final int LOW = 1;
    private static final int HIGH = 2;
    private static final long MASK_32 = 0xFFFF_FFFFL;
    private static final long MASK_36 = 0xF_FFFF_FFFFL;

    private final Bar0 bar;
    private final long[] counts = new long[COUNT];
    private final int[] latchedHigh = new int[COUNT];
    private final boolean[] latched = new boolean[COUNT];
    private final int[] lowRegister = new int[COUNT];
    private final int[] highRegister = new int[COUNT];
    /** Register offset to (counter << 2 | part). */
    private final Map<Integer, Integer> byOffset = new HashMap<>();

    Statistics(Bar0 bar) {
        this.bar = bar;
        define(GPRC, Registers.GPRC, -1);
        define(GPTC, Registers.GPTC, -1);
        define(GORC, Registers.GORCL, Registers.GORCH);
        define(GOTC, Registers.GOTCL, Registers.GOTCH);
        for (int n = 0; n < 8; n++) {
            define(MPC + n, Registers.mpc(n), -1);
            define(RNBC + n, Registers.rnbc(n), -1);
        }
        for (int q = 0; q < 16; q++) {
            define(QPRC + q, Registers.qprc(q), -1);
            define(QPRDC + q, Registers.qprdc(q), -1);
            define(QBRC + q, Registers.qbrcl(q), Registers.qbrch(q));
            define(QPTC + q, Registers.qptc(q), -1);
            define(QBTC + q, Registers.qbtcl(q), Registers.qbtch(q));
        }
    }

    private void define(int counter, int low, int high) {
        lowRegister[counter] = low;
        highRegister[counter] = high;
        byOffset.put(low, (counter << 2) | (high < 0 ? FULL : LOW));
        if (high >= 0) {
            byOffset.put(high, (counter << 2) | HIGH);
        }
    }

    boolean counts(int offset) {
        return byOffset.containsKey(offset);
    }

    /** A frame that passed the address filter: wire bytes include the FCS. */
    synchronized void goodReceived(int wireBytes) {
        add(GPRC, 1);
        add(GORC, wireBytes);
    }

    /** A frame written to queue {@code q}'s buffers: host bytes as written to memory. */
    synchronized void queueReceived(int q, int hostBytes) {
        add(QPRC + q, 1);
        add(QBRC + q, hostBytes);
    }

    /** No free descriptor on queue {@code q}: counted in RNBC, and in QPRDC when it was dropped. */
    synchronized void noBuffer(int q, boolean dropped) {
        add(RNBC, 1);
        if (dropped) {
            add(QPRDC + q, 1);
        }
    }

    /** The packet buffer was full: the frame is missed. */
    synchronized void missed() {
        add(MPC, 1);
    }

    synchronized void transmitted(int q, int hostBytes, int wireBytes) {
        add(GPTC, 1);
        add(GOTC, wireBytes);
        add(QPTC + q, 1);
        add(QBTC + q, hostBytes);
    }

    /** Back to zero, as after a device reset. */
    synchronized void reset() {
        for (int c = 0; c < COUNT; c++) {
            counts[c] = 0;
            latched[c] = false;
            publish(c);
        }
    }

    /** The count a read-to-clear read returns, clearing it; -1 (as a long) for an unknown offset. */
    synchronized long readToClear(int offset) {
        Integer entry = byOffset.get(offset);
        if (entry == null) {
            return -1;
        }
        int counter = entry >>> 2;
        int value;
        switch (entry & 3) {
            case FULL -> {
                value = (int) counts[counter];
                counts[counter] = 0;
            }
            case LOW -> {
                long all = counts[counter];
                counts[counter] = 0;
                latchedHigh[counter] = (int) (all >>> 32);
                latched[counter] = true;
                value = (int) all;
            }
            default -> {
                if (latched[counter]) {
                    value = latchedHigh[counter];
                    latched[counter] = false;
                } else {
                    value = (int) (counts[counter] >>> 32);
                }
            }
        }
        publish(counter);
        return value & MASK_32;
    }

    /** The current count behind a register (both halves for a split counter), not clearing it. */
    synchronized long peek(int offset) {
        Integer entry = byOffset.get(offset);
        if (entry == null) {
            throw new IllegalArgumentException(String.format("0x%05X is no statistics register", offset));
        }
        return counts[entry >>> 2];
    }

    private void add(int counter, long amount) {
        boolean split = highRegister[counter] >= 0;
        counts[counter] = (counts[counter] + amount) & (split ? MASK_36 : MASK_32);
        publish(counter);
    }

    private void publish(int counter) {
        long value = counts[counter];
        bar.write(lowRegister[counter], (int) value);
        if (highRegister[counter] >= 0) {
            bar.write(highRegister[counter], (int) (value >>> 32));
        }
    }
}
