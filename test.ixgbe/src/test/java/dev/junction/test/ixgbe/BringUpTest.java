package dev.junction.test.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BringUpTest {
    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final long MS = 1_000_000;

    private Ixgbe82599Model model;
    private DriverBar bar;
    private final Arena arena = Arena.ofShared();

    private void start(ModelConfig config) {
        model = new Ixgbe82599Model(config);
        bar = new DriverBar(model.bar0Path());
    }

    private void startAndInit() {
        start(ModelConfig.defaults().withDelays(2 * MS, 2 * MS, 3 * MS, 3 * MS, 2 * MS));
        assertTrue(bar.await(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, Registers.RDRXCTL_DMAIDONE, SECOND));
    }

    @AfterEach
    void close() {
        if (bar != null) {
            bar.close();
        }
        if (model != null) {
            model.close();
        }
        arena.close();
    }

    @Test
    void resetSelfClearsAfterItsDelayThenEepromAndDmaInitFinish() {
        start(ModelConfig.defaults().withDelays(100 * MS, 10 * MS, 20 * MS, 3 * MS, 1 * MS));
        assertTrue(bar.await(Registers.EEC, Registers.EEC_ARD, Registers.EEC_ARD, SECOND), "power-on loads the EEPROM");
        long start = System.nanoTime();
        bar.write(Registers.CTRL, Registers.CTRL_RST | Registers.CTRL_LRST);
        assertTrue(bar.await(Registers.EEC, Registers.EEC_ARD, 0, SECOND), "a reset starts the EEPROM load again");
        assertTrue((bar.read(Registers.CTRL) & Registers.CTRL_RST) != 0, "RST reads set while the reset runs");
        assertTrue(bar.await(Registers.CTRL, Registers.CTRL_RST | Registers.CTRL_LRST, 0, SECOND));
        long cleared = System.nanoTime() - start;
        assertTrue(cleared >= 100 * MS, "RST cleared after " + cleared + " ns, before its 100 ms");
        assertTrue(bar.await(Registers.EEC, Registers.EEC_ARD, Registers.EEC_ARD, SECOND));
        assertTrue(bar.await(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, Registers.RDRXCTL_DMAIDONE, SECOND));
        assertTrue(System.nanoTime() - start >= 120 * MS, "DMA init done 20 ms after the reset ended");
        model.assertNoFaults();
    }

    @Test
    void theEepromLoadsTheMacIntoReceiveAddressZero() {
        start(ModelConfig.defaults().withMac(0x00_1B_21_3A_4B_5CL).withDelays(1 * MS, 1 * MS, 1 * MS, 1 * MS, 1 * MS));
        assertTrue(bar.await(Registers.EEC, Registers.EEC_ARD, Registers.EEC_ARD, SECOND));
        assertEquals(0x3A211B00, bar.read(Registers.RAL0));
        assertEquals(Registers.RAH_AV | 0x5C4B, bar.read(Registers.RAH0));
    }

    @Test
    void theLinkComesUpAt10GbAfterAutonegotiationRestarts() {
        startAndInit();
        assertEquals(0, bar.read(Registers.LINKS), "no link before the driver restarts negotiation");
        long start = System.nanoTime();
        bar.set(Registers.AUTOC, Registers.AUTOC_AN_RESTART);
        assertTrue(bar.await(Registers.LINKS, Registers.LINKS_UP, Registers.LINKS_UP, SECOND));
        assertTrue(System.nanoTime() - start >= 3 * MS);
        assertEquals(Registers.LINKS_SPEED_10G, (bar.read(Registers.LINKS) >>> Registers.LINKS_SPEED_SHIFT) & 3);
        assertEquals(0, bar.read(Registers.AUTOC) & Registers.AUTOC_AN_RESTART, "AN restart self-clears");
        bar.write(Registers.CTRL, Registers.CTRL_LRST);
        assertTrue(bar.await(Registers.CTRL, Registers.CTRL_LRST, 0, SECOND));
        assertEquals(0, bar.read(Registers.LINKS), "a link reset drops the link");
        assertTrue((bar.read(Registers.RDRXCTL) & Registers.RDRXCTL_DMAIDONE) != 0, "and resets nothing else");
    }

    /** A ring of {@code descriptors} at a registered, aligned place, set up on RX queue q. */
    private long rxRing(int q, int descriptors) {
        MemorySegment ring = arena.allocate(Math.max(4096, descriptors * 16L), 4096);
        long iova = model.dma().registerIdentity(ring);
        bar.write(Registers.rdbal(q), (int) iova);
        bar.write(Registers.rdbah(q), (int) (iova >>> 32));
        bar.write(Registers.rdlen(q), descriptors * 16);
        bar.write(Registers.srrctl(q), Registers.SRRCTL_DESCTYPE_ADV_ONEBUF | 2);
        bar.set(Registers.RDRXCTL, Registers.RDRXCTL_CRCSTRIP);
        return iova;
    }

    @Test
    void aQueueEnableReadsBackSetOnlyAfterItsDelay() {
        start(ModelConfig.defaults().withDelays(1 * MS, 1 * MS, 1 * MS, 1 * MS, 100 * MS));
        assertTrue(bar.await(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, Registers.RDRXCTL_DMAIDONE, SECOND));
        rxRing(2, 64);
        long start = System.nanoTime();
        bar.write(Registers.rxdctl(2), Registers.DCTL_ENABLE);
        // The model cannot intercept a read: until its thread has seen the store, the driver reads
        // its own bit back. Once seen, the bit is cleared, and set again when the queue runs.
        boolean sawCleared = false;
        while (!model.rxQueueRunning(2)) {
            sawCleared |= (bar.read(Registers.rxdctl(2)) & Registers.DCTL_ENABLE) == 0;
            assertTrue(System.nanoTime() - start < SECOND.toNanos(), "never enabled: " + model.faults());
        }
        assertTrue(System.nanoTime() - start >= 100 * MS, "the queue ran before its 100 ms");
        assertTrue(sawCleared, "ENABLE read back clear while the queue was starting");
        assertTrue((bar.read(Registers.rxdctl(2)) & Registers.DCTL_ENABLE) != 0, "and set once it runs");
        model.assertNoFaults();
    }

    @Test
    void ringLengthAndAlignmentAreChecked() {
        startAndInit();
        rxRing(0, 64);
        bar.write(Registers.rdlen(0), 100);
        bar.write(Registers.rxdctl(0), Registers.DCTL_ENABLE);
        ModelFault length = model.awaitFault(ModelFault.Kind.RING_LENGTH, SECOND);
        assertNotNull(length);
        assertEquals(Registers.rdlen(0), length.register());
        assertEquals(100, length.value());
        assertTrue(bar.await(Registers.rxdctl(0), Registers.DCTL_ENABLE, 0, SECOND), "a refused ring never enables");

        long iova = rxRing(1, 64);
        bar.write(Registers.rdbal(1), (int) iova + 64);
        bar.write(Registers.rxdctl(1), Registers.DCTL_ENABLE);
        ModelFault alignment = model.awaitFault(ModelFault.Kind.RING_ALIGNMENT, SECOND);
        assertNotNull(alignment);
        assertEquals(iova + 64, alignment.value());
        assertFalse(model.halted());
    }

    @Test
    void aRingOutsideRegisteredMemoryIsADmaFaultThatStopsTheDevice() {
        startAndInit();
        rxRing(0, 64);
        bar.write(Registers.rdbal(0), 0x1000);
        bar.write(Registers.rdbah(0), 0x7);
        bar.write(Registers.rxdctl(0), Registers.DCTL_ENABLE);
        ModelFault fault = model.awaitFault(ModelFault.Kind.DMA_UNMAPPED, SECOND);
        assertNotNull(fault);
        assertEquals(0x7_0000_1000L, fault.value());
        assertTrue(model.halted());
    }

    @Test
    void strictRingsMustHoldAPowerOfTwoDescriptors() {
        start(ModelConfig.defaults().withDelays(1 * MS, 1 * MS, 1 * MS, 1 * MS, 1 * MS).withPowerOfTwoRings(true));
        assertTrue(bar.await(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, Registers.RDRXCTL_DMAIDONE, SECOND));
        rxRing(0, 24);
        bar.write(Registers.rxdctl(0), Registers.DCTL_ENABLE);
        ModelFault fault = model.awaitFault(ModelFault.Kind.RING_LENGTH, SECOND);
        assertNotNull(fault);
        assertEquals(24 * 16, fault.value());
    }

    @Test
    void queueRegistersWrittenBeforeDmaInitAreFaults() {
        start(ModelConfig.defaults().withDelays(1 * MS, 1 * MS, 200 * MS, 1 * MS, 1 * MS));
        bar.write(Registers.rdlen(5), 4096);
        ModelFault fault = model.awaitFault(ModelFault.Kind.BEFORE_DMA_INIT, SECOND);
        assertNotNull(fault);
        assertEquals(Registers.rdlen(5), fault.register());
        assertEquals(0, bar.read(Registers.RDRXCTL) & Registers.RDRXCTL_DMAIDONE, "DMA init was still running");
    }

    @Test
    void aTailMovedOnAQueueNotEnabledIsAFault() {
        startAndInit();
        rxRing(3, 64);
        bar.write(Registers.rdt(3), 63);
        ModelFault fault = model.awaitFault(ModelFault.Kind.QUEUE_NOT_ENABLED, SECOND);
        assertNotNull(fault);
        assertEquals(Registers.rdt(3), fault.register());
        assertEquals(63, fault.value());
    }

    @Test
    void failFastThrowsTheFirstFaultFromTheNextCall() {
        start(ModelConfig.defaults().withDelays(1 * MS, 1 * MS, 1 * MS, 1 * MS, 1 * MS).withFailFast(true));
        assertTrue(bar.await(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, Registers.RDRXCTL_DMAIDONE, SECOND));
        bar.write(Registers.tdt(0), 5);
        assertNotNull(model.awaitFault(ModelFault.Kind.QUEUE_NOT_ENABLED, SECOND));
        assertTrue(model.halted());
        ModelFaultException thrown = assertThrows(ModelFaultException.class, () -> model.injectRx(new byte[64]));
        assertEquals(ModelFault.Kind.QUEUE_NOT_ENABLED, thrown.fault().kind());
        bar.close();
        bar = null;
        Ixgbe82599Model m = model;
        model = null;
        assertThrows(ModelFaultException.class, m::close, "close rethrows it too");
    }
}
