package dev.junction.test.ixgbe;

import static dev.junction.test.ixgbe.ModelRig.MS;
import static dev.junction.test.ixgbe.ModelRig.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.test.ixgbe.ScratchDriver.Bug;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scratch driver with one classic bug at a time: each is caught, by the check the clean
 * driver passes (frames byte for byte, counts) failing, or by a fault the model records.
 */
class BugInjectionTest {
    private Ixgbe82599Model model;
    private ScratchDriver driver;

    private ScratchDriver start(ModelConfig config, int rxDescriptors, Bug... bugs) {
        model = new Ixgbe82599Model(config);
        driver = new ScratchDriver(model, rxDescriptors, 64, Set.of(bugs));
        return driver;
    }

    @AfterEach
    void close() {
        if (model != null) {
            model.close();
        }
        if (driver != null) {
            driver.close();
        }
    }

    private void assertReceiveFails(int frames, int window) {
        assertThrows(AssertionError.class, () -> assertEquals(frames,
                ScratchDriverTest.receiveAll(model, driver, frames, window, 3, new long[1])));
    }

    @Test
    void rdtWrittenEqualToRdhLeavesTheRingEmptyAndEveryFrameIsDroppedAndCounted() {
        start(ScratchDriverTest.fast(), 64, Bug.RDT_EQUALS_RDH).bringUp();
        assertReceiveFails(100, 100);
        assertEquals(100, model.readToClear(Registers.rnbc(0)));
        assertEquals(100, model.readToClear(Registers.qprdc(0)), "dropped: SRRCTL.DROP_EN is set");
        assertEquals(0, model.readToClear(Registers.qprc(0)));
        assertEquals(100, model.readToClear(Registers.GPRC), "the frames did reach the port");
        model.assertNoFaults();
    }

    @Test
    void ddNotClearedOnRefillIsAStaleDescriptorAndFramesGoWrong() {
        start(ScratchDriverTest.fast(), 64, Bug.NO_DD_CLEAR_ON_REFILL).bringUp();
        assertReceiveFails(300, 32);
        // The driver took a stale descriptor for a frame; keep it running and the device, handed
        // that descriptor back, finds DD still set when it fetches it.
        long deadline = System.nanoTime() + SECOND.toNanos();
        while (model.faults().isEmpty() && System.nanoTime() < deadline) {
            model.injectRx(Frames.frame(model.config().mac(), 4, 0));
            driver.receive((memory, offset, length) -> { }, 64);
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        ModelFault fault = model.awaitFault(ModelFault.Kind.STALE_RX_DESCRIPTOR, SECOND);
        assertNotNull(fault, "the device fetched a descriptor whose DD the driver never cleared");
    }

    @Test
    void fieldsReadBeforeDdAreGarbageWhenTheWriteBackIsLate() {
        start(ScratchDriverTest.fast().withRxWriteBackNanos(2 * MS), 64, Bug.LENGTH_BEFORE_DD).bringUp();
        int frames = 20;
        int[] lengths = new int[frames];
        int[] n = {0};
        for (int i = 0; i < frames; i++) {
            model.injectRx(Frames.frame(model.config().mac(), 3, i));
        }
        long deadline = System.nanoTime() + 5 * SECOND.toNanos();
        while (n[0] < frames && System.nanoTime() < deadline) {
            driver.receive((memory, offset, length) -> lengths[n[0]++] = length, frames);
        }
        assertEquals(frames, n[0]);
        int wrong = 0;
        for (int i = 0; i < frames; i++) {
            if (lengths[i] != Frames.frame(model.config().mac(), 3, i).length) {
                wrong++;
                // A driver that looked late (descheduled past the write-back) got lucky; the
                // others saw the read format's 0 or the model's poison.
                assertTrue(lengths[i] == 0 || lengths[i] == Math.min(ModelConfig.RX_POISON_LENGTH, ScratchDriver.BUFFER_SIZE),
                        "frame " + i + ": stale (0) or unfinished (poison) length, not " + lengths[i]);
            }
        }
        assertTrue(wrong > 0, "lengths read before DD: " + java.util.Arrays.toString(lengths));
        assertReceiveFails(50, 8);
        model.assertNoFaults();
    }

    @Test
    void theCleanDriverPassesTheSameLateWriteBack() {
        start(ScratchDriverTest.fast().withRxWriteBackNanos(200_000), 64).bringUp();
        assertEquals(200, ScratchDriverTest.receiveAll(model, driver, 200, 32, 3, new long[1]));
        model.assertNoFaults();
    }

    @Test
    void tdtWrittenBeforeTheDescriptorsIsAFaultAndTheFramesNeverLeave() {
        start(ScratchDriverTest.fast(), 64, Bug.TDT_BEFORE_DESCRIPTORS).bringUp();
        assertThrows(AssertionError.class, () -> ScratchDriverTest.transmitAll(model, driver, 200, 5));
        ModelFault fault = model.awaitFault(ModelFault.Kind.BAD_TX_DESCRIPTOR, SECOND);
        assertNotNull(fault);
        assertEquals(Registers.tdt(0), fault.register());
    }

    @Test
    void aRingLengthNotAMultipleOf128BytesIsRefused() {
        start(ScratchDriverTest.fast(), 64, Bug.RING_NOT_128_MULTIPLE).bringUp();
        ModelFault fault = model.awaitFault(ModelFault.Kind.RING_LENGTH, SECOND);
        assertNotNull(fault);
        assertEquals(65 * 16, fault.value());
        assertTrue(!model.rxQueueRunning(0));
        assertReceiveFails(10, 10);
    }

    @Test
    void aRingNotAPowerOfTwoIsRefusedByTheStrictModel() {
        start(ScratchDriverTest.fast().withPowerOfTwoRings(true), 24).bringUp();
        ModelFault fault = model.awaitFault(ModelFault.Kind.RING_LENGTH, SECOND);
        assertNotNull(fault);
        assertEquals(24 * 16, fault.value());
    }

    @Test
    void legacyDescriptorsInSrrctlAreRefused() {
        start(ScratchDriverTest.fast(), 64, Bug.LEGACY_SRRCTL).bringUp();
        ModelFault fault = model.awaitFault(ModelFault.Kind.SRRCTL, SECOND);
        assertNotNull(fault);
        assertEquals(Registers.srrctl(0), fault.register());
        assertReceiveFails(10, 10);
    }

    @Test
    void aBufferSizeSmallerThanTheFramesSplitsThemAndTheOneBufferDriverBreaks() {
        start(ScratchDriverTest.fast(), 64, Bug.SMALL_BUFFER_SIZE).bringUp();
        assertReceiveFails(100, 16);
        assertTrue(driver.rxWithoutEop > 0, "frames over 1 KiB came without EOP");
        model.assertNoFaults();
    }
}
