package dev.junction.drivers.ixgbe.stats;

import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Regs;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The device's statistics registers (datasheet 8.2.3.23) summed into 64-bit totals. Every one clears
 * when read, so each is read exactly once per {@link #update()} and added to its total; the octet
 * counters are 36 bits split over two registers, low first (reading the low half latches the high
 * half). 32-bit packet counters wrap after 2^32 frames, about 5 minutes at line rate with small
 * frames: call {@link #update()} at least every few seconds (the device does, once a second, from
 * a thread of its own).
 */
public final class HardwareStatistics {
    private final Bar bar;
    private final int queues;
    private long gprc;
    private long gptc;
    private long gorc;
    private long gotc;
    private long mpc;
    private long rnbc;
    private final long[] qprc;
    private final long[] qbrc;
    private final long[] qprdc;
    private final long[] qptc;
    private final long[] qbtc;

    public HardwareStatistics(Bar bar, int queues) {
        this.bar = bar;
        this.queues = queues;
        qprc = new long[queues];
        qbrc = new long[queues];
        qprdc = new long[queues];
        qptc = new long[queues];
        qbtc = new long[queues];
    }

    private long u32(int offset) {
        return bar.readStatistic(offset) & 0xFFFF_FFFFL;
    }

    private long u36(int low, int high) {
        long l = u32(low);
        return l | (u32(high) & 0xF) << 32;
    }

    /** Reads every register once and adds it to its total. */
    public synchronized void update() {
        gprc += u32(Regs.GPRC);
        gptc += u32(Regs.GPTC);
        gorc += u36(Regs.GORCL, Regs.GORCH);
        gotc += u36(Regs.GOTCL, Regs.GOTCH);
        for (int i = 0; i < 8; i++) {
            mpc += u32(Regs.mpc(i));
            rnbc += u32(Regs.rnbc(i));
        }
        for (int q = 0; q < queues; q++) {
            qprc[q] += u32(Regs.qprc(q));
            qbrc[q] += u36(Regs.qbrcl(q), Regs.qbrch(q));
            qprdc[q] += u32(Regs.qprdc(q));
            qptc[q] += u32(Regs.qptc(q));
            qbtc[q] += u36(Regs.qbtcl(q), Regs.qbtch(q));
        }
    }

    /** Clears the registers and forgets what they held (after a reset). */
    public synchronized void reset() {
        update();
        gprc = gptc = gorc = gotc = mpc = rnbc = 0;
        java.util.Arrays.fill(qprc, 0);
        java.util.Arrays.fill(qbrc, 0);
        java.util.Arrays.fill(qprdc, 0);
        java.util.Arrays.fill(qptc, 0);
        java.util.Arrays.fill(qbtc, 0);
    }

    public synchronized long goodPacketsReceived() {
        return gprc;
    }

    public synchronized long goodPacketsTransmitted() {
        return gptc;
    }

    /** Octets of good frames received, destination address through FCS. */
    public synchronized long goodOctetsReceived() {
        return gorc;
    }

    public synchronized long goodOctetsTransmitted() {
        return gotc;
    }

    /** Frames missed for lack of packet buffer space (MPC 0..7). */
    public synchronized long missed() {
        return mpc;
    }

    /** Receive-no-buffer events (RNBC 0..7): a frame found its ring full. */
    public synchronized long noBuffer() {
        return rnbc;
    }

    public synchronized long queueReceived(int q) {
        return qprc[q];
    }

    public synchronized long queueReceivedBytes(int q) {
        return qbrc[q];
    }

    public synchronized long queueDropped(int q) {
        return qprdc[q];
    }

    public synchronized long queueTransmitted(int q) {
        return qptc[q];
    }

    public synchronized long queueTransmittedBytes(int q) {
        return qbtc[q];
    }

    /** Frames lost in the device: missed, or dropped by a queue whose ring was full (DROP_EN). */
    public synchronized long receiveDrops() {
        long drops = mpc;
        for (long d : qprdc) {
            drops += d;
        }
        return drops;
    }

    /** Every total by register name, for the shell. */
    public synchronized Map<String, Long> totals() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("GPRC", gprc);
        m.put("GORC", gorc);
        m.put("GPTC", gptc);
        m.put("GOTC", gotc);
        m.put("MPC", mpc);
        m.put("RNBC", rnbc);
        for (int q = 0; q < queues; q++) {
            m.put("QPRC[" + q + "]", qprc[q]);
            m.put("QBRC[" + q + "]", qbrc[q]);
            m.put("QPRDC[" + q + "]", qprdc[q]);
            m.put("QPTC[" + q + "]", qptc[q]);
            m.put("QBTC[" + q + "]", qbtc[q]);
        }
        return m;
    }
}
