package dev.junction.lb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** feature.lb imports Junction's exported API packages only (and its own, as bnd does). */
class ApiOnlyTest {
    private static final List<String> API = List.of("dev.junction.packet", "dev.junction.graph", "dev.junction.device",
            "dev.junction.dataplane", "dev.junction.config", "dev.junction.commands", "dev.junction.routing",
            "dev.junction.shell.cli", "dev.junction.lb");

    @Test
    void importsOnlyExportedApiPackages() throws Exception {
        Manifest mf;
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            mf = new Manifest(in);
        }
        List<String> junction = new ArrayList<>();
        for (String clause : mf.getMainAttributes().getValue("Import-Package").split(",(?=[a-zA-Z])")) {
            String pkg = clause.split(";")[0].strip();
            if (pkg.startsWith("dev.junction.")) {
                junction.add(pkg);
                assertTrue(API.contains(pkg), "imports " + pkg + ", which is not an exported API package");
            }
        }
        assertTrue(junction.contains("dev.junction.graph") && junction.contains("dev.junction.routing"), junction.toString());
        String exports = mf.getMainAttributes().getValue("Export-Package");
        assertTrue(exports.startsWith("dev.junction.lb;") && !exports.contains("dev.junction.lb."),
                "only the API package is exported: " + exports);
    }
}
