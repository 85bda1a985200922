package dev.junction.test.ixgbe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The clean scratch driver against the model: bring-up, then 10^5 frames each way, byte for byte. */
class ScratchDriverTest {
    static final int FRAMES = 100_000;
    private static final long MS = 1_000_000;

    private Ixgbe82599Model model;
    private ScratchDriver driver;

    static ModelConfig fast() {
        return ModelConfig.defaults().withDelays(2 * MS, 1 * MS, 2 * MS, 2 * MS, 1 * MS);
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

    @Test
    void bringUpThenFramesBothWaysByteIdenticalAndTheStatisticsAgree() {
        model = new Ixgbe82599Model(fast());
        driver = new ScratchDriver(model, 512, 512, Set.of());
        driver.bringUp();

        long[] rxBytes = new long[1];
        assertEquals(FRAMES, receiveAll(model, driver, FRAMES, 256, 7, rxBytes));
        long[] tx = transmitAll(model, driver, FRAMES, 11);
        long txBytes = tx[0];
        long txWireBytes = tx[1];

        assertEquals(FRAMES, model.readToClear(Registers.GPRC));
        assertEquals(rxBytes[0] + 4L * FRAMES, octets(Registers.GORCL, Registers.GORCH), "GORC counts the FCS");
        assertEquals(FRAMES, model.readToClear(Registers.qprc(0)));
        assertEquals(rxBytes[0], octets(Registers.qbrcl(0), Registers.qbrch(0)), "QBRC: CRC stripped");
        assertEquals(FRAMES, model.readToClear(Registers.GPTC));
        assertEquals(txWireBytes, octets(Registers.GOTCL, Registers.GOTCH));
        assertEquals(FRAMES, model.readToClear(Registers.qptc(0)));
        assertEquals(txBytes, octets(Registers.qbtcl(0), Registers.qbtch(0)));
        assertEquals(0, model.readToClear(Registers.mpc(0)));
        assertEquals(0, model.readToClear(Registers.rnbc(0)));
        assertEquals(0, model.readToClear(Registers.GPRC), "read-to-clear cleared it");
        assertEquals(0, driver.rxWithoutEop);
        model.assertNoFaults();
    }

    private long octets(int low, int high) {
        return octets(model, low, high);
    }

    /** A split counter read as a driver must: the low half first (it latches the high half). */
    static long octets(Ixgbe82599Model model, int low, int high) {
        long lo = Integer.toUnsignedLong(model.readToClear(low));
        long hi = Integer.toUnsignedLong(model.readToClear(high));
        return (hi << 32) | lo;
    }

    /**
     * Sends frames {@code 0..count-1} of {@code seed} through the driver and checks each on the
     * transmit wire byte for byte; returns {bytes sent, bytes on the wire with FCS}.
     */
    static long[] transmitAll(Ixgbe82599Model model, ScratchDriver driver, int count, long seed) {
        long mac = model.config().mac();
        long bytes = 0;
        long wire = 0;
        int checked = 0;
        long progress = System.nanoTime();
        for (int i = 0; i < count; ) {
            byte[] f = Frames.frame(mac, seed, i);
            if (driver.transmit(f)) {
                i++;
                bytes += f.length;
                wire += Math.max(f.length, 60) + 4;
            }
            for (byte[] sent; (sent = model.pollTx()) != null; checked++) {
                assertArrayEquals(Frames.frame(mac, seed, checked), sent, "frame " + checked + " sent");
                progress = System.nanoTime();
            }
            assertTrue(System.nanoTime() - progress < 2_000 * MS, "transmit stalled at " + checked + ": " + model.faults());
        }
        while (checked < count) {
            byte[] sent = model.awaitTx(Duration.ofSeconds(2));
            assertNotNull(sent, "frame " + checked + " never sent; faults " + model.faults());
            assertArrayEquals(Frames.frame(mac, seed, checked), sent, "frame " + checked + " sent");
            checked++;
        }
        return new long[]{bytes, wire};
    }

    /**
     * Injects frames {@code 0..count-1} of {@code seed}, at most {@code window} ahead of the driver,
     * and checks each received frame byte for byte; returns how many arrived, their bytes in
     * {@code bytes[0]}. Stops when nothing moves for a second.
     */
    static int receiveAll(Ixgbe82599Model model, ScratchDriver driver, int count, int window, long seed, long[] bytes) {
        int[] received = {0};
        int injected = 0;
        long mac = model.config().mac();
        long progress = System.nanoTime();
        while (received[0] < count) {
            while (injected < count && injected - received[0] < window) {
                model.injectRx(Frames.frame(mac, seed, injected++));
            }
            int n = driver.receive((memory, offset, length) -> {
                byte[] expected = Frames.frame(mac, seed, received[0]);
                byte[] got = memory.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(expected, got, () -> "frame " + received[0] + " received; RNBC " + model.peekStatistic(Registers.rnbc(0)) + " MPC " + model.peekStatistic(Registers.mpc(0)) + " wire drops " + model.wireDrops() + " filtered " + model.filtered() + " faults " + model.faults());
                bytes[0] += length;
                received[0]++;
            }, 64);
            if (n > 0) {
                progress = System.nanoTime();
            } else if (System.nanoTime() - progress > 1_000 * MS) {
                break;
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
        return received[0];
    }
}
