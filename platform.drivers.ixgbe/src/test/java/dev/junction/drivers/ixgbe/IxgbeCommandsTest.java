package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.packet.PacketPool;
import dev.junction.test.ixgbe.ModelConfig;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the ixgbe: commands print, over a fake sysfs tree and a model port. */
class IxgbeCommandsTest {
    @TempDir
    Path sys;

    @Test
    void devicesShowsBindStateAndWhatEachAllows() throws Exception {
        for (String[] d : new String[][]{{"0000:01:00.0", "ixgbe", "12"}, {"0000:01:00.1", "vfio-pci", "13"}, {"0000:02:00.0", null, null}}) {
            Path dir = Files.createDirectories(sys.resolve(d[0]));
            Files.writeString(dir.resolve("vendor"), "0x8086\n");
            Files.writeString(dir.resolve("device"), "0x10fb\n");
            if (d[1] != null) {
                Files.createSymbolicLink(dir.resolve("driver"), Path.of("../../../bus/pci/drivers/" + d[1]));
                Files.createSymbolicLink(dir.resolve("iommu_group"), Path.of("../../../kernel/iommu_groups/" + d[2]));
            }
        }
        String out = IxgbeCommands.devicesTable(sys);
        String[] lines = out.split("\n");
        assertEquals(4, lines.length, out);
        assertTrue(lines[1].matches("0000:01:00\\.0 +8086:10fb +ixgbe +12 +none: unbind ixgbe first *"), lines[1]);
        assertTrue(lines[2].matches("0000:01:00\\.1 +8086:10fb +vfio-pci +13 +vfio *"), lines[2]);
        assertTrue(lines[3].matches("0000:02:00\\.0 +8086:10fb +- +- +resource0 \\(root\\) *"), lines[3]);
        assertEquals("no Intel 82599 in " + sys.resolve("none"), IxgbeCommands.devicesTable(sys.resolve("none")));
    }

    @Test
    void queuesRegistersAndStatisticsOfARunningPort() {
        ModelConfig config = ModelConfig.defaults().withQueues(1);
        try (ModelPort port = new ModelPort("x0", config, IxgbeDevice.Settings.defaults());
                Arena arena = Arena.ofShared()) {
            PacketPool pool = new PacketPool(arena, 2048);
            RxTxTest.loop(port.model, port.device, pool, 10, 100);
            String queues = IxgbeCommands.queuesText(port.device);
            assertTrue(queues.startsWith("rx 0: 512 descriptors, RDH 10 RDT 9 next 10"), queues);
            assertTrue(queues.contains("tx 0: 512 descriptors, TDH 10 TDT 10"), queues);
            String regs = IxgbeCommands.registersText(port.device);
            assertTrue(regs.lines().anyMatch(l -> l.matches("RDLEN\\(0\\) +0x01008 +0x00002000 *")), regs);
            assertTrue(regs.lines().anyMatch(l -> l.matches("LINKS +0x042A4 +0x7\\p{XDigit}{7} *")), regs);
            String stats = IxgbeCommands.statisticsText(port.device);
            assertTrue(stats.lines().anyMatch(l -> l.matches("GPRC +10 *")), stats);
            assertTrue(stats.lines().anyMatch(l -> l.matches("GPTC +10 *")), stats);
            // A second look adds nothing: what was read is in the totals, not read again.
            assertTrue(IxgbeCommands.statisticsText(port.device).lines().anyMatch(l -> l.matches("GPRC +10 *")));
            port.model.assertNoFaults();
        }
    }
}
