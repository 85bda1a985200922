package dev.junction.drivers.ixgbe.init;

import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Regs;
import dev.junction.drivers.ixgbe.rx.RxRing;

/**
 * The 82599's initialisation as the datasheet's section 4.6 orders it, for {@code queues} queue
 * pairs whose rings are already allocated: reset (4.6.3), link (4.6.4), statistics (4.6.5), receive
 * (4.6.7), transmit (4.6.8), then each queue enabled and read back enabled before its tail moves.
 * Receive tails move on the first poll, when the worker's pool buffers go into the ring.
 */
public final class BringUp {
    /** How long the device may take for each step before bring-up fails. */
    private final long timeoutNanos;
    private final Bar bar;
    private final String who;

    public BringUp(Bar bar, String who, long timeoutNanos) {
        this.bar = bar;
        this.who = who;
        this.timeoutNanos = timeoutNanos;
    }

    /** A ring's place in the device's address space. */
    public record Ring(long iova, int descriptors) {
    }

    /** 4.6.3: interrupts masked, global reset, masked again (reset unmasks), EEPROM and DMA ready. */
    public void reset() {
        bar.write(Regs.EIMC, Regs.EIMC_ALL);
        bar.write(Regs.CTRL, bar.read(Regs.CTRL) | Regs.CTRL_RST_MASK);
        await(Regs.CTRL, Regs.CTRL_RST_MASK, 0, "the global reset (CTRL.RST) to clear");
        bar.write(Regs.EIMC, Regs.EIMC_ALL);
        await(Regs.EEC, Regs.EEC_ARD, Regs.EEC_ARD, "EEPROM auto-read done (EEC.ARD)");
        await(Regs.RDRXCTL, Regs.RDRXCTL_DMAIDONE, Regs.RDRXCTL_DMAIDONE, "DMA init done (RDRXCTL.DMAIDONE)");
    }

    /** 4.6.4: 10 Gb/s serial link mode, XAUI PMA/PMD, restart auto-negotiation. The link comes up later. */
    public void link() {
        int autoc = bar.read(Regs.AUTOC);
        autoc = (autoc & ~Regs.AUTOC_LMS_MASK) | Regs.AUTOC_LMS_10G_SERIAL;
        autoc &= ~Regs.AUTOC_10G_PMA_PMD_MASK;
        bar.write(Regs.AUTOC, autoc);
        bar.write(Regs.AUTOC, autoc | Regs.AUTOC_AN_RESTART);
    }

    /**
     * 4.6.7: receive off, all the packet buffer to traffic class 0, CRC stripped (in both HLREG0
     * and RDRXCTL, which must agree), broadcast accepted (and everything, promiscuous), then per
     * queue: advanced one-buffer descriptors of a pool buffer's size with drop enable, the ring,
     * head and tail 0. Receive is enabled again at the end; queues start in {@link #enableQueues}.
     */
    public void receive(Ring[] rings, boolean promiscuous) {
        bar.clear(Regs.RXCTRL, Regs.RXCTRL_RXEN);
        bar.write(Regs.rxpbsize(0), 512 << 10);
        for (int i = 1; i < 8; i++) {
            bar.write(Regs.rxpbsize(i), 0);
        }
        bar.set(Regs.HLREG0, Regs.HLREG0_RXCRCSTRP);
        // CRC strip, and the reserved fields the datasheet says to write against their reset values.
        int rdrxctl = bar.read(Regs.RDRXCTL) & ~Regs.RDRXCTL_RSCFRSTSIZE;
        bar.write(Regs.RDRXCTL, rdrxctl | Regs.RDRXCTL_CRCSTRIP | Regs.RDRXCTL_RSCACKC | Regs.RDRXCTL_FCOE_WRFIX);
        bar.set(Regs.FCTRL, Regs.FCTRL_BAM | (promiscuous ? Regs.FCTRL_MPE | Regs.FCTRL_UPE : 0));
        for (int q = 0; q < rings.length; q++) {
            int srrctl = bar.read(Regs.srrctl(q));
            srrctl &= ~(Regs.SRRCTL_DESCTYPE_MASK | Regs.SRRCTL_BSIZEPACKET_MASK);
            srrctl |= Regs.SRRCTL_DESCTYPE_ADV_ONEBUF | RxRing.BUFFER_KIB | Regs.SRRCTL_DROP_EN;
            bar.write(Regs.srrctl(q), srrctl);
            bar.write(Regs.rdbal(q), (int) rings[q].iova());
            bar.write(Regs.rdbah(q), (int) (rings[q].iova() >>> 32));
            bar.write(Regs.rdlen(q), rings[q].descriptors() * 16);
            bar.write(Regs.rdh(q), 0);
            bar.write(Regs.rdt(q), 0);
            // 4.6.7: a reserved bit set at reset that must be cleared (relaxed ordering of write-backs).
            bar.clear(Regs.dcaRxctrl(q), Regs.DCA_RXCTRL_BIT12);
        }
        bar.set(Regs.CTRL_EXT, Regs.CTRL_EXT_NS_DIS);
        bar.set(Regs.RXCTRL, Regs.RXCTRL_RXEN);
    }

    /**
     * 4.6.8: CRC appended and short frames padded, the transmit packet buffer to traffic class 0,
     * the largest DMA request, the DCB arbiter off while the rings are set, thresholds, transmit on.
     */
    public void transmit(Ring[] rings) {
        bar.set(Regs.HLREG0, Regs.HLREG0_TXCRCEN | Regs.HLREG0_TXPADEN);
        bar.write(Regs.txpbsize(0), 160 << 10);
        for (int i = 1; i < 8; i++) {
            bar.write(Regs.txpbsize(i), 0);
        }
        bar.write(Regs.DTXMXSZRQ, 0xFFFF);
        bar.set(Regs.RTTDCS, Regs.RTTDCS_ARBDIS);
        for (int q = 0; q < rings.length; q++) {
            bar.write(Regs.tdbal(q), (int) rings[q].iova());
            bar.write(Regs.tdbah(q), (int) (rings[q].iova() >>> 32));
            bar.write(Regs.tdlen(q), rings[q].descriptors() * 16);
            bar.write(Regs.tdh(q), 0);
            bar.write(Regs.tdt(q), 0);
            // Prefetch when 36 are free and 8 ready, write back 4 at a time (7.2.3.4.1's suggested use).
            int txdctl = bar.read(Regs.txdctl(q)) & ~Regs.TXDCTL_THRESHOLD_MASK;
            bar.write(Regs.txdctl(q), txdctl | Regs.txdctlThresholds(36, 8, 4));
        }
        bar.clear(Regs.RTTDCS, Regs.RTTDCS_ARBDIS);
        bar.set(Regs.DMATXCTL, Regs.DMATXCTL_TE);
    }

    /** Each queue enabled and waited for until the device reads it back enabled (4.6.7, 4.6.8). */
    public void enableQueues(int queues) {
        for (int q = 0; q < queues; q++) {
            bar.set(Regs.rxdctl(q), Regs.DCTL_ENABLE);
            await(Regs.rxdctl(q), Regs.DCTL_ENABLE, Regs.DCTL_ENABLE, "receive queue " + q + " enabled (RXDCTL.ENABLE)");
            bar.set(Regs.txdctl(q), Regs.DCTL_ENABLE);
            await(Regs.txdctl(q), Regs.DCTL_ENABLE, Regs.DCTL_ENABLE, "transmit queue " + q + " enabled (TXDCTL.ENABLE)");
        }
    }

    /** Waits for the link; false (not an error: a cable may come later) after {@code nanos}. */
    public boolean awaitLink(long nanos) {
        return bar.await(Regs.LINKS, Regs.LINKS_UP, Regs.LINKS_UP, nanos);
    }

    /** The MAC the EEPROM put in receive address 0, first byte on the wire in bits 47:40. */
    public long mac() {
        int low = bar.read(Regs.ral(0));
        int high = bar.read(Regs.rah(0));
        long mac = 0;
        for (int i = 0; i < 4; i++) {
            mac = mac << 8 | ((low >>> (8 * i)) & 0xFF);
        }
        for (int i = 0; i < 2; i++) {
            mac = mac << 8 | ((high >>> (8 * i)) & 0xFF);
        }
        return mac;
    }

    private void await(int offset, int mask, int expected, String what) {
        if (!bar.await(offset, mask, expected, timeoutNanos)) {
            throw new IllegalStateException(String.format("%s: timed out after %d ms waiting for %s (0x%05X reads 0x%08X)",
                    who, timeoutNanos / 1_000_000, what, offset, bar.read(offset)));
        }
    }
}
