package dev.junction.test.ixgbe;

import static dev.junction.test.ixgbe.ModelRig.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

class StatisticsTest {

    @Test
    void aReadThroughTheHookReturnsTheCountAndClearsItAPlainReadClearsNothing() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, Registers.SRRCTL_DESCTYPE_ADV_ONEBUF | 2, 2048);
            rig.enableRx(r, 63);
            for (int i = 0; i < 5; i++) {
                rig.model.injectRx(RxTest.frame(rig.model.config().mac(), 100, i));
            }
            // GPRC counts at the MAC, QPRC/QBRC when the queue has written the frame to the host:
            // later, on the device thread. Wait for both (plain reads, which clear nothing).
            rig.await(() -> rig.bar.read(Registers.GPRC) == 5 && rig.bar.read(Registers.qprc(0)) == 5
                    && rig.bar.read(Registers.qbrcl(0)) == 500, "GPRC and queue 0's counters mirrored into BAR0");
            assertEquals(5, rig.bar.read(Registers.GPRC), "a plain read clears nothing");
            assertEquals(5 * 104, rig.bar.read(Registers.GORCL));
            assertEquals(5, rig.model.readToClear(Registers.GPRC));
            assertEquals(0, rig.model.readToClear(Registers.GPRC));
            assertEquals(0, rig.bar.read(Registers.GPRC), "the clear shows in BAR0");
            assertEquals(5, rig.model.readToClear(Registers.qprc(0)));
            assertEquals(500, rig.model.readToClear(Registers.qbrcl(0)));
            assertEquals(0, rig.model.readToClear(Registers.qbrch(0)));
        }
    }

    @Test
    void theLowHalfOfASplitCounterLatchesTheHighHalf() {
        try (Bar0 bar = new Bar0()) {
            Statistics stats = new Statistics(bar);
            for (int i = 0; i < 3; i++) {
                stats.goodReceived(Integer.MAX_VALUE);
            }
            long total = 3L * Integer.MAX_VALUE;
            assertEquals((int) total, bar.read(Registers.GORCL));
            assertEquals((int) (total >>> 32), bar.read(Registers.GORCH));
            long low = stats.readToClear(Registers.GORCL);
            stats.goodReceived(Integer.MAX_VALUE);             // arrives between the two reads
            stats.goodReceived(Integer.MAX_VALUE);
            stats.goodReceived(Integer.MAX_VALUE);
            long high = stats.readToClear(Registers.GORCH);
            assertEquals(total, (high << 32) | low, "the pair read is the value at the low read");
            assertEquals(total, stats.peek(Registers.GORCL), "what came after is kept for the next read");
            assertEquals(1, bar.read(Registers.GORCH));
        }
    }

    @Test
    void splitCountersWrapAt36BitsAndOthersAt32() {
        try (Bar0 bar = new Bar0()) {
            Statistics stats = new Statistics(bar);
            long count = 0;
            while (count < (1L << 36)) {
                stats.transmitted(0, Integer.MAX_VALUE, Integer.MAX_VALUE);
                count += Integer.MAX_VALUE;
            }
            assertEquals(count & 0xF_FFFF_FFFFL, stats.peek(Registers.GOTCL));
            assertEquals(count / Integer.MAX_VALUE, stats.peek(Registers.GPTC));
        }
    }

    @Test
    void noCountIsLostBetweenAReadAndItsClear() throws InterruptedException {
        try (Bar0 bar = new Bar0()) {
            Statistics stats = new Statistics(bar);
            int frames = 1_000_000;
            Thread device = new Thread(() -> {
                for (int i = 0; i < frames; i++) {
                    stats.goodReceived(64);
                }
            });
            device.start();
            long seen = 0;
            while (device.isAlive()) {
                seen += stats.readToClear(Registers.GPRC);
            }
            device.join();
            seen += stats.readToClear(Registers.GPRC);
            assertEquals(frames, seen);
        }
    }

    @Test
    void aReadToClearOfAnUncountedRegisterIsAFault() {
        try (ModelRig rig = new ModelRig()) {
            assertEquals(0, rig.model.readToClear(Registers.CTRL));
            ModelFault fault = rig.model.awaitFault(ModelFault.Kind.UNKNOWN_STATISTIC, SECOND);
            assertNotNull(fault);
            assertEquals(Registers.CTRL, fault.register());
        }
    }

    @Test
    void aResetClearsTheCounts() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, true);
            t.data(0, new byte[64], Descriptors.TX_DCMD_EOP | Descriptors.TX_DCMD_RS, 64);
            t.tail(1);
            assertNotNull(rig.model.awaitTx(SECOND));
            assertEquals(1, rig.model.peekStatistic(Registers.GPTC));
            rig.bar.write(Registers.CTRL, Registers.CTRL_RST);
            rig.await(() -> (rig.bar.read(Registers.CTRL) & Registers.CTRL_RST) == 0, "the reset");
            assertEquals(0, rig.model.peekStatistic(Registers.GPTC));
            assertEquals(0, rig.bar.read(Registers.GPTC));
        }
    }
}
