package dev.junction.examples.passthrough;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * The example is written against Junction's exported API packages only: the manifest bnd made for
 * it imports no package of the core's, routing's or any bundle's private implementation.
 */
class ApiOnlyTest {
    /** The exported API packages there are (a bundle may import no other dev.junction package). */
    private static final List<String> API = List.of("dev.junction.packet", "dev.junction.graph", "dev.junction.device",
            "dev.junction.device.memory", "dev.junction.dataplane", "dev.junction.config", "dev.junction.commands",
            "dev.junction.routing", "dev.junction.l2", "dev.junction.shell.cli");

    @Test
    void importsOnlyExportedApiPackages() throws Exception {
        Manifest mf;
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            mf = new Manifest(in);
        }
        String imports = mf.getMainAttributes().getValue("Import-Package");
        List<String> junction = new ArrayList<>();
        for (String clause : imports.split(",(?=[a-zA-Z])")) {
            String pkg = clause.split(";")[0].strip();
            if (pkg.startsWith("dev.junction.")) {
                junction.add(pkg);
                assertTrue(API.contains(pkg), "imports " + pkg + ", which is not an exported API package");
            }
        }
        assertTrue(junction.contains("dev.junction.routing"), "steers through routing's API: " + junction);
    }
}
