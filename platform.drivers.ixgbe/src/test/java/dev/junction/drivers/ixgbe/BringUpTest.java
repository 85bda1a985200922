package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.test.ixgbe.Ixgbe82599Model;
import dev.junction.test.ixgbe.ModelConfig;
import dev.junction.test.ixgbe.Registers;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The driver's bring-up (datasheet 4.6) against the model: no fault, and the registers it leaves. */
class BringUpTest {

    @Test
    void bringUpLeavesTheDeviceRunningWithNoFault() {
        ModelConfig config = ModelConfig.defaults().withQueues(4).withPowerOfTwoRings(true);
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults().withQueues(4))) {
            Ixgbe82599Model m = port.model;
            IxgbeDevice d = port.device;
            assertEquals(config.mac(), d.mac(), "the MAC the EEPROM put in RAL/RAH(0)");
            assertTrue(d.linkUp());
            assertEquals(10000, d.speedMbps());
            for (int q = 0; q < 4; q++) {
                assertTrue(m.rxQueueRunning(q), "rx queue " + q);
                assertTrue(m.txQueueRunning(q), "tx queue " + q);
            }
            DriverView bar = new DriverView(port);
            int srrctl = bar.read(Registers.srrctl(0));
            assertEquals(Registers.SRRCTL_DESCTYPE_ADV_ONEBUF, srrctl & Registers.SRRCTL_DESCTYPE_MASK);
            assertEquals(2, srrctl & Registers.SRRCTL_BSIZEPACKET_MASK, "2 KiB: a pool buffer's data room");
            assertTrue((srrctl & Registers.SRRCTL_DROP_EN) != 0);
            int fctrl = bar.read(Registers.FCTRL);
            assertEquals(Registers.FCTRL_BAM | Registers.FCTRL_MPE | Registers.FCTRL_UPE,
                    fctrl & (Registers.FCTRL_BAM | Registers.FCTRL_MPE | Registers.FCTRL_UPE), "broadcast, promiscuous");
            assertTrue((bar.read(Registers.HLREG0) & Registers.HLREG0_RXCRCSTRP) != 0);
            assertTrue((bar.read(Registers.RDRXCTL) & Registers.RDRXCTL_CRCSTRIP) != 0);
            assertEquals(3 << 25, bar.read(Registers.RDRXCTL) & (3 << 25 | 0x1F << 17), "RSCACKC, FCOE_WRFIX set; RSCFRSTSIZE 0");
            assertTrue((bar.read(Registers.RDRXCTL) & Registers.RDRXCTL_DMAIDONE) != 0, "DMAIDONE kept");
            assertEquals(Registers.HLREG0_TXCRCEN | Registers.HLREG0_TXPADEN,
                    bar.read(Registers.HLREG0) & (Registers.HLREG0_TXCRCEN | Registers.HLREG0_TXPADEN));
            assertTrue((bar.read(Registers.DMATXCTL) & Registers.DMATXCTL_TE) != 0);
            assertEquals(0, bar.read(Registers.RTTDCS) & Registers.RTTDCS_ARBDIS, "the arbiter back on");
            assertEquals(Registers.MRQC_MRQE_RSS, bar.read(Registers.MRQC) & Registers.MRQC_MRQE_MASK);
            assertEquals(512 * 16, bar.read(Registers.rdlen(0)));
            assertEquals(0, bar.read(Registers.rdt(0)), "RDT moves only when a worker's buffers are in the ring");
            m.assertNoFaults();
        }
    }

    @Test
    void aDeviceThatNeverFinishesItsResetFailsWithOneLine() {
        // A BAR that is a plain file: nothing clears CTRL.RST.
        try (Arena arena = Arena.ofConfined()) {
            java.lang.foreign.MemorySegment dead = arena.allocate(dev.junction.drivers.ixgbe.regs.Regs.BAR0_SIZE, 4096);
            IxgbeDevice.Settings s = new IxgbeDevice.Settings(1, 64, 64, true, 50_000_000L);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new IxgbeDevice("dead",
                    new dev.junction.drivers.ixgbe.regs.Bar(dead), new NativeDma(), s));
            assertTrue(e.getMessage().startsWith("ixgbe dead: timed out after 50 ms waiting for the global reset"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
    }

    /** Reads BAR0 as the test sees it (a plain load: clears nothing). */
    record DriverView(ModelPort port) {
        int read(int offset) {
            return port.device.bar().read(offset);
        }
    }
}
