package dev.junction.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Manifest;

/**
 * The check every function bundle's {@code ApiOnlyTest} makes on the manifest bnd wrote: it imports
 * Junction's exported API packages only (the platform's, routing's, the shell's option parser, and
 * its own, which bnd imports too), and exports its one API package and nothing below it.
 */
public final class ApiOnly {
    /** The exported packages of platform.core, feature.routing and the shell a function may use. */
    public static final List<String> PLATFORM_API = List.of("dev.junction.packet", "dev.junction.graph",
            "dev.junction.device", "dev.junction.dataplane", "dev.junction.config", "dev.junction.commands",
            "dev.junction.routing", "dev.junction.shell.cli");

    private ApiOnly() {
    }

    /** Asserts it of the module whose build directory is the working directory, {@code apiPackage} its own. */
    public static void assertImportsApiOnly(String apiPackage) throws IOException {
        Manifest mf;
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            mf = new Manifest(in);
        }
        List<String> junction = new ArrayList<>();
        for (String clause : mf.getMainAttributes().getValue("Import-Package").split(",(?=[a-zA-Z])")) {
            String pkg = clause.split(";")[0].strip();
            if (pkg.startsWith("dev.junction.")) {
                junction.add(pkg);
                assertTrue(PLATFORM_API.contains(pkg) || pkg.equals(apiPackage),
                        "imports " + pkg + ", which is not an exported API package");
            }
        }
        assertTrue(junction.contains("dev.junction.graph") && junction.contains("dev.junction.routing"), junction.toString());
        String exports = mf.getMainAttributes().getValue("Export-Package");
        assertTrue(exports.startsWith(apiPackage + ";") && !exports.contains(apiPackage + "."),
                "only the API package is exported: " + exports);
    }
}
