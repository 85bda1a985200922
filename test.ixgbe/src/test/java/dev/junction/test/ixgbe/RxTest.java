package dev.junction.test.ixgbe;

import static dev.junction.test.ixgbe.ModelRig.MS;
import static dev.junction.test.ixgbe.ModelRig.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class RxTest {
    private static final int ADV = Registers.SRRCTL_DESCTYPE_ADV_ONEBUF;
    private static final int DD = Descriptors.RX_STATUS_DD;
    private static final int EOP = Descriptors.RX_STATUS_EOP;

    static byte[] frame(long dst, int length, int fill) {
        byte[] f = new byte[length];
        Arrays.fill(f, (byte) fill);
        Frames.putMac(f, 0, dst);
        Frames.putMac(f, 6, 0x02_00_00_00_00_99L);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xB5;
        return f;
    }

    @Test
    void aFrameLandsInTheBufferAtRdhWithItsWriteBackAndRdhMoves() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 2, 2048);
            rig.enableRx(r, 63);
            byte[] f = frame(rig.model.config().mac(), 300, 0x5A);
            rig.model.injectRx(f);
            assertTrue(r.awaitDone(0));
            assertEquals(DD | EOP, r.status(0));
            assertEquals(300, r.length(0));
            assertEquals(Descriptors.RSS_TYPE_NONE, r.rssType(0));
            assertArrayEquals(f, r.bytes(0, 300));
            assertTrue(rig.bar.await(Registers.rdh(0), -1, 1, SECOND));
            assertEquals(0, r.status(1), "the next descriptor untouched");
            rig.model.assertNoFaults();
        }
    }

    @Test
    void aDelayedWriteBackShowsGarbageUntilDdIsStoredLast() {
        try (ModelRig rig = new ModelRig(ModelConfig.defaults().withDelays(MS, MS, MS, MS, MS)
                .withRxWriteBackNanos(300 * MS))) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 2, 2048);
            rig.enableRx(r, 63);
            byte[] f = frame(rig.model.config().mac(), 200, 0x33);
            rig.model.injectRx(f);
            rig.await(() -> r.length(0) == ModelConfig.RX_POISON_LENGTH, "the bytes to land");
            assertEquals(0, r.status(0) & DD, "no DD while the write-back is held");
            assertEquals(ModelConfig.RX_POISON_HASH, r.rssHash(0));
            assertArrayEquals(f, r.bytes(0, 200), "the frame is in the buffer already");
            assertEquals(0, rig.bar.read(Registers.rdh(0)), "RDH moves with the write-back");
            assertTrue(r.awaitDone(0));
            assertEquals(200, r.length(0));
            rig.await(() -> rig.bar.read(Registers.rdh(0)) == 1, "RDH at 1");
        }
    }

    @Test
    void withDropEnableAFullRingDropsAndCountsInRnbcAndQprdc() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 8, ADV | Registers.SRRCTL_DROP_EN | 2, 2048);
            rig.enableRx(r, 3);
            for (int i = 0; i < 10; i++) {
                rig.model.injectRx(frame(rig.model.config().mac(), 100, i));
            }
            rig.await(() -> rig.model.peekStatistic(Registers.rnbc(0)) == 7, "7 frames without a descriptor");
            assertEquals(7, rig.model.peekStatistic(Registers.qprdc(0)));
            assertEquals(10, rig.model.peekStatistic(Registers.GPRC), "all passed the filter");
            assertEquals(3, rig.model.peekStatistic(Registers.qprc(0)));
            assertEquals(0, rig.model.peekStatistic(Registers.mpc(0)));
            rig.await(() -> rig.bar.read(Registers.rdh(0)) == 3, "RDH stops at RDT");
            assertEquals(7, rig.bar.read(Registers.rnbc(0)), "the count is mirrored into BAR0");
        }
    }

    @Test
    void withoutDropEnableFramesWaitInThePacketBufferAndOverflowIntoMpc() {
        try (ModelRig rig = new ModelRig(ModelConfig.defaults().withDelays(MS, MS, MS, MS, MS)
                .withRxPacketBufferBytes(4096))) {
            ModelRig.RxRing r = rig.rx(0, 16, ADV | 2, 2048);
            rig.enableRx(r, 2);
            for (int i = 0; i < 12; i++) {
                rig.model.injectRx(frame(rig.model.config().mac(), 1000, i));
            }
            // 2 delivered at once; at most 4 (4 KiB) wait for descriptors; the rest are missed. How
            // many of each depends on when the device drained the wire, not what is asserted.
            rig.await(() -> rig.model.peekStatistic(Registers.qprc(0)) == 2
                    && rig.model.peekStatistic(Registers.mpc(0)) >= 6, "2 delivered, at least 6 missed");
            assertEquals(1, rig.model.peekStatistic(Registers.rnbc(0)), "the held head counted once");
            assertEquals(0, rig.model.peekStatistic(Registers.qprdc(0)), "nothing dropped for the queue");
            long missed = rig.model.peekStatistic(Registers.mpc(0));
            rig.bar.write(Registers.rdt(0), 15);
            rig.await(() -> rig.model.peekStatistic(Registers.qprc(0)) == 12 - missed, "the held frames delivered");
            int previous = -1;
            for (int i = 0; i < 12 - missed; i++) {
                assertTrue(r.awaitDone(i));
                int fill = r.bytes(i, 1000)[100];
                assertTrue(fill > previous, "in arrival order");
                previous = fill;
            }
            assertEquals(missed, rig.model.peekStatistic(Registers.mpc(0)), "none lost once there were descriptors");
        }
    }

    @Test
    void theAddressFilterFollowsFctrlAndReceiveAddressZero() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 2, 2048);
            rig.enableRx(r, 63);
            long own = rig.model.config().mac();
            rig.model.injectRx(frame(0x02_11_22_33_44_55L, 64, 1));   // someone else
            rig.model.injectRx(frame(0xFF_FF_FF_FF_FF_FFL, 64, 2));   // broadcast, BAM clear
            rig.model.injectRx(frame(0x01_00_5E_00_00_01L, 64, 3));   // multicast, MPE clear
            rig.model.injectRx(frame(own, 64, 4));
            rig.await(() -> rig.model.filtered() == 3, "three refused");
            assertTrue(r.awaitDone(0));
            assertEquals(4, r.bytes(0, 64)[20]);
            rig.bar.write(Registers.FCTRL, Registers.FCTRL_BAM | Registers.FCTRL_MPE);
            rig.model.injectRx(frame(0xFF_FF_FF_FF_FF_FFL, 64, 5));
            rig.model.injectRx(frame(0x01_00_5E_00_00_01L, 64, 6));
            assertTrue(r.awaitDone(2));
            rig.bar.write(Registers.FCTRL, Registers.FCTRL_UPE);
            rig.model.injectRx(frame(0x02_11_22_33_44_55L, 64, 7));
            assertTrue(r.awaitDone(3));
            assertEquals(7, r.bytes(3, 64)[20], "unicast promiscuous");
            rig.bar.write(Registers.FCTRL, 0);
            rig.bar.clear(Registers.RAH0, Registers.RAH_AV);
            rig.model.injectRx(frame(own, 64, 8));
            rig.await(() -> rig.model.filtered() == 4, "own address refused without RAH.AV");
            assertEquals(4, rig.model.peekStatistic(Registers.qprc(0)), "own, broadcast, multicast, promiscuous");
        }
    }

    @Test
    void withoutCrcStripTheDeviceDeliversTheFcs() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 2, 2048);
            rig.bar.clear(Registers.HLREG0, Registers.HLREG0_RXCRCSTRP);
            rig.bar.clear(Registers.RDRXCTL, Registers.RDRXCTL_CRCSTRIP);
            rig.enableRx(r, 63);
            byte[] f = frame(rig.model.config().mac(), 100, 0x77);
            rig.model.injectRx(f);
            assertTrue(r.awaitDone(0));
            assertEquals(104, r.length(0));
            CRC32 crc = new CRC32();
            crc.update(f);
            byte[] got = r.bytes(0, 104);
            assertArrayEquals(f, Arrays.copyOf(got, 100));
            int fcs = (got[100] & 0xFF) | (got[101] & 0xFF) << 8 | (got[102] & 0xFF) << 16 | (got[103] & 0xFF) << 24;
            assertEquals((int) crc.getValue(), fcs);
            // The queue's counters follow the write-back: wait for them rather than sample.
            rig.await(() -> rig.model.peekStatistic(Registers.qbrcl(0)) == 104, "104 bytes counted for the queue");
        }
    }

    @Test
    void crcStripSettingsThatDisagreeAreAFault() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 2, 2048);
            rig.bar.clear(Registers.RDRXCTL, Registers.RDRXCTL_CRCSTRIP);
            rig.bar.write(Registers.rxdctl(0), Registers.DCTL_ENABLE);
            assertNotNull(rig.model.awaitFault(ModelFault.Kind.CRC_STRIP, SECOND));
        }
    }

    @Test
    void aFrameLongerThanTheBufferSpansDescriptorsWithEopOnTheLast() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 1, 1024);
            rig.enableRx(r, 63);
            byte[] f = frame(rig.model.config().mac(), 2500, 0);
            for (int i = 14; i < f.length; i++) {
                f[i] = (byte) i;
            }
            rig.model.injectRx(f);
            assertTrue(r.awaitDone(2));
            assertEquals(DD, r.status(0));
            assertEquals(DD, r.status(1));
            assertEquals(DD | EOP, r.status(2));
            assertEquals(1024, r.length(0));
            assertEquals(1024, r.length(1));
            assertEquals(452, r.length(2));
            byte[] joined = new byte[2500];
            System.arraycopy(r.bytes(0, 1024), 0, joined, 0, 1024);
            System.arraycopy(r.bytes(1, 1024), 0, joined, 1024, 1024);
            System.arraycopy(r.bytes(2, 452), 0, joined, 2048, 452);
            assertArrayEquals(f, joined);
            rig.await(() -> rig.bar.read(Registers.rdh(0)) == 3, "RDH at 3");
        }
    }

    @Test
    void aDescriptorHandedOverWithDdSetIsAFault() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 2, 2048);
            r.ring.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 1L);
            rig.enableRx(r, 63);
            rig.model.injectRx(frame(rig.model.config().mac(), 64, 1));
            ModelFault fault = rig.model.awaitFault(ModelFault.Kind.STALE_RX_DESCRIPTOR, SECOND);
            assertNotNull(fault);
            assertEquals(0, fault.value(), "descriptor 0");
        }
    }

    @Test
    void aBufferOutsideDmaMemoryStopsTheDevice() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing r = rig.rx(0, 64, ADV | 2, 2048);
            r.ring.set(java.lang.foreign.ValueLayout.JAVA_LONG, 16, 0xDEAD_0000L);
            rig.enableRx(r, 63);
            rig.model.injectRx(frame(rig.model.config().mac(), 64, 1));
            rig.model.injectRx(frame(rig.model.config().mac(), 64, 2));
            rig.model.injectRx(frame(rig.model.config().mac(), 64, 3));
            ModelFault fault = rig.model.awaitFault(ModelFault.Kind.DMA_UNMAPPED, SECOND);
            assertNotNull(fault);
            assertEquals(0xDEAD_0000L, fault.value());
            assertTrue(rig.model.halted());
            assertTrue(r.awaitDone(0));
            assertEquals(0, r.status(2), "nothing after the fault: the device hangs");
            rig.await(() -> rig.bar.read(Registers.rdh(0)) == 1, "RDH at 1");
        }
    }

    @Test
    void legacyDescriptorsAndAZeroBufferSizeAreRefused() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing legacy = rig.rx(0, 64, 2, 2048);
            rig.bar.write(Registers.rxdctl(0), Registers.DCTL_ENABLE);
            ModelFault fault = rig.model.awaitFault(ModelFault.Kind.SRRCTL, SECOND);
            assertNotNull(fault);
            assertEquals(Registers.srrctl(0), fault.register());
            ModelRig.RxRing zero = rig.rx(1, 64, ADV, 2048);
            rig.bar.write(Registers.rxdctl(1), Registers.DCTL_ENABLE);
            rig.await(() -> rig.model.faults().stream().filter(x -> x.kind() == ModelFault.Kind.SRRCTL).count() == 2,
                    "the second SRRCTL fault");
            assertTrue(!rig.model.rxQueueRunning(0) && !rig.model.rxQueueRunning(1));
            assertTrue(legacy.count == 64 && zero.count == 64);
        }
    }
}
