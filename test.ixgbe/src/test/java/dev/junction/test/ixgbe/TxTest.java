package dev.junction.test.ixgbe;

import static dev.junction.test.ixgbe.ModelRig.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TxTest {
    private static final int EOP = Descriptors.TX_DCMD_EOP;
    private static final int RS = Descriptors.TX_DCMD_RS;

    private static byte[] bytes(int length, int from) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void descriptorsAreGatheredUntilEopAndOnlyRsDescriptorsGetDd() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, true);
            byte[] a = bytes(100, 0);
            byte[] b = bytes(200, 100);
            byte[] c = bytes(50, 300);
            t.data(0, a, 0, 350);
            t.data(1, b, RS, 350);          // RS on a middle descriptor: DD there too
            t.data(2, c, EOP, 350);         // no RS: no DD
            t.data(3, bytes(80, 7), EOP | RS, 80);
            t.tail(4);
            byte[] first = rig.model.awaitTx(SECOND);
            assertNotNull(first);
            byte[] expected = new byte[350];
            System.arraycopy(a, 0, expected, 0, 100);
            System.arraycopy(b, 0, expected, 100, 200);
            System.arraycopy(c, 0, expected, 300, 50);
            assertArrayEquals(expected, first);
            assertArrayEquals(bytes(80, 7), rig.model.awaitTx(SECOND));
            assertTrue(rig.bar.await(Registers.tdh(0), -1, 4, SECOND));
            assertFalse(t.done(0));
            assertTrue(t.done(1));
            assertFalse(t.done(2));
            assertTrue(t.done(3));
            assertEquals(2, rig.model.peekStatistic(Registers.GPTC));
            assertEquals(2, rig.model.peekStatistic(Registers.qptc(0)));
            assertEquals(430, rig.model.peekStatistic(Registers.qbtcl(0)));
            assertEquals(350 + 4 + 80 + 4, rig.model.peekStatistic(Registers.GOTCL));
            rig.model.assertNoFaults();
        }
    }

    @Test
    void aFrameWaitsForItsEopDescriptorAndContextDescriptorsAreSkipped() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, true);
            t.put(0, 0, Descriptors.TX_DTYP_CONTEXT | Descriptors.TX_DCMD_DEXT, 0);
            t.data(1, bytes(64, 1), 0, 128);
            t.tail(2);
            assertTrue(rig.bar.await(Registers.tdh(0), -1, 2, SECOND));
            assertNull(rig.model.pollTx(), "no EOP yet");
            t.data(2, bytes(64, 65), EOP | RS, 128);
            t.tail(3);
            assertArrayEquals(bytes(128, 1), rig.model.awaitTx(SECOND));
            rig.model.assertNoFaults();
        }
    }

    @Test
    void shortFramesArePaddedWhenHlreg0AsksForIt() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, true);
            t.data(0, bytes(42, 9), EOP | RS, 42);
            t.tail(1);
            byte[] sent = rig.model.awaitTx(SECOND);
            assertEquals(60, sent.length);
            assertArrayEquals(bytes(42, 9), Arrays.copyOf(sent, 42));
            assertEquals(64, rig.model.peekStatistic(Registers.GOTCL));
            assertEquals(42, rig.model.peekStatistic(Registers.qbtcl(0)));
            rig.bar.clear(Registers.HLREG0, Registers.HLREG0_TXPADEN);
            t.data(1, bytes(42, 9), EOP | RS, 42);
            t.tail(2);
            assertEquals(42, rig.model.awaitTx(SECOND).length);
        }
    }

    @Test
    void aWrongPaylenIsAFault() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, true);
            t.data(0, bytes(100, 0), EOP | RS, 99);
            t.tail(1);
            ModelFault fault = rig.model.awaitFault(ModelFault.Kind.TX_RULE, SECOND);
            assertNotNull(fault);
            assertEquals(99, fault.value());
        }
    }

    @Test
    void withoutTransmitEnableNothingGoesOutAndThatIsAFault() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, false);
            t.data(0, bytes(100, 0), EOP | RS, 100);
            t.tail(1);
            ModelFault fault = rig.model.awaitFault(ModelFault.Kind.TX_RULE, SECOND);
            assertNotNull(fault);
            assertEquals(Registers.DMATXCTL, fault.register());
            assertEquals(0, rig.bar.read(Registers.tdh(0)));
            rig.bar.set(Registers.DMATXCTL, Registers.DMATXCTL_TE);
            assertNotNull(rig.model.awaitTx(SECOND), "sent once TE is set");
        }
    }

    @Test
    void aDescriptorThatIsNotAdvancedOrAlreadyDoneIsAFault() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, true);
            t.tail(1);                       // descriptor 0 is all zero
            ModelFault zero = rig.model.awaitFault(ModelFault.Kind.BAD_TX_DESCRIPTOR, SECOND);
            assertNotNull(zero);
            assertEquals(0, zero.value());
            t.data(1, bytes(64, 0), EOP | RS, 64);
            t.put(1, t.buffers.address() + 2048, 64 | Descriptors.TX_DTYP_DATA | Descriptors.TX_DCMD_DEXT | EOP | RS,
                    (64 << Descriptors.TX_PAYLEN_SHIFT) | Descriptors.TX_STATUS_DD);
            t.tail(2);
            rig.await(() -> rig.model.faults().size() == 2, "the second fault");
            assertEquals(1, rig.model.faults().get(1).value(), "descriptor 1 came with DD set");
            assertNull(rig.model.awaitTx(Duration.ofMillis(1)));
        }
    }

    @Test
    void aDataBufferOutsideDmaMemoryStopsTheDevice() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.TxRing t = rig.tx(0, 64, true);
            t.put(0, 0x1234_0000L, 64 | Descriptors.TX_DTYP_DATA | Descriptors.TX_DCMD_DEXT | EOP | RS,
                    64 << Descriptors.TX_PAYLEN_SHIFT);
            t.tail(1);
            ModelFault fault = rig.model.awaitFault(ModelFault.Kind.DMA_UNMAPPED, SECOND);
            assertNotNull(fault);
            assertEquals(0x1234_0000L, fault.value());
            assertTrue(rig.model.halted());
            assertFalse(t.done(0));
        }
    }
}
