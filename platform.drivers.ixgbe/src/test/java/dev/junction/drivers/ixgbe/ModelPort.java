package dev.junction.drivers.ixgbe;

import dev.junction.drivers.ixgbe.dma.DmaMemory;
import dev.junction.drivers.ixgbe.dma.DmaRegion;
import dev.junction.drivers.ixgbe.pci.Resource0;
import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.test.ixgbe.Ixgbe82599Model;
import dev.junction.test.ixgbe.ModelConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One model 82599 and the driver on it, reached as on a card: BAR0 mapped like sysfs resource0
 * (through the driver's own {@link Resource0}), DMA memory registered in the model at its own
 * address (as a VFIO IOMMU mapping would be), statistics read through the model's read-to-clear.
 */
final class ModelPort implements AutoCloseable {
    final Ixgbe82599Model model;
    final IxgbeDevice device;
    private final Arena arena = Arena.ofShared();

    ModelPort(String name, ModelConfig config, IxgbeDevice.Settings settings) {
        model = new Ixgbe82599Model(config);
        try {
            MemorySegment bar0 = Resource0.map(model.bar0Path(), arena);
            DmaMemory dma = new DmaMemory() {
                @Override
                public MemorySegment allocate(Arena a, long bytes) {
                    return a.allocate(bytes, 4096);
                }

                @Override
                public DmaRegion map(MemorySegment segment) {
                    return DmaRegion.contiguous(segment, model.dma().registerIdentity(segment));
                }

                @Override
                public void unmap(DmaRegion region) {
                    model.dma().unregister(region.iova(0));
                }
            };
            device = new IxgbeDevice(name, new Bar(bar0, model::readToClear), dma, settings);
        } catch (RuntimeException e) {
            model.close();
            arena.close();
            throw e;
        }
    }

    /** The driver first (its reset stops the device's DMA), then the model's thread. */
    @Override
    public void close() {
        try {
            device.close();
        } finally {
            model.close();
            arena.close();
        }
    }
}
