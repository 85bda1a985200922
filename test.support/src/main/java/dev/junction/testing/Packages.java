package dev.junction.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The external programs a test drives, installed through {@code tools/packages.sh} from
 * {@code tools/packages.list}: the one list of which Debian package holds which tool, checked
 * against dpkg by {@code ./junction test}. No test names a package itself.
 */
public final class Packages {
    private static final long INSTALL_SECONDS = 15 * 60;

    private Packages() {
    }

    /**
     * Returns when every one of {@code tools} (names from tools/packages.list) is on this machine,
     * installing their packages first as root. Otherwise fails in CI ({@code CI} set) and elsewhere
     * aborts the test after saying {@code SKIPPED LOUDLY: <test> needs <tools>} on stderr.
     */
    public static void require(String test, String... tools) {
        String why = install(tools);
        if (why == null) {
            return;
        }
        if (System.getenv("CI") != null) {
            throw new AssertionError(test + " needs " + String.join(", ", tools) + ": " + why);
        }
        System.err.println("SKIPPED LOUDLY: " + test + " needs " + String.join(", ", tools) + ": " + why);
        Assumptions.abort("needs " + String.join(", ", tools));
    }

    /** Installs what is missing of {@code tools}; null when all are there, else why not. */
    public static synchronized String install(String... tools) {
        Path script;
        try {
            script = script();
        } catch (IOException e) {
            return e.getMessage();
        }
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), "need"));
        command.addAll(List.of(tools));
        try {
            Commands.Result r = Commands.run(INSTALL_SECONDS, command.toArray(String[]::new));
            String out = r.out().strip();
            if (!out.isEmpty()) {
                System.err.println(out);
            }
            return r.exit() == 0 ? null : (out.isEmpty() ? "tools/packages.sh need failed (" + r.exit() + ")" : out);
        } catch (IOException e) {
            return "cannot run " + script + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while installing " + String.join(", ", tools);
        }
    }

    /** tools/packages.sh, found from the working directory (a module's folder) upwards. */
    public static Path script() throws IOException {
        String given = System.getProperty("junction.packages.script");
        if (given != null) {
            return Path.of(given);
        }
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("tools/packages.sh");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IOException("tools/packages.sh not found in " + System.getProperty("user.dir")
                + " or its parents (set -Djunction.packages.script=PATH)");
    }
}
