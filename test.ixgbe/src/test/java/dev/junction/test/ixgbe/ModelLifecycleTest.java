package dev.junction.test.ixgbe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelLifecycleTest {

    private static boolean deviceThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("ixgbe-model") && t.isAlive());
    }

    @Test
    void closeStopsTheDeviceThreadAndDeletesTheBarFile() {
        Ixgbe82599Model model = new Ixgbe82599Model(ModelConfig.defaults());
        Path bar = model.bar0Path();
        assertTrue(Files.exists(bar));
        assertTrue(deviceThreadAlive());
        model.close();
        assertFalse(deviceThreadAlive(), "no device thread left behind");
        assertFalse(Files.exists(bar));
        assertFalse(Files.exists(bar.getParent()));
    }
}
