package dev.junction.itests;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Commands on the host and in network namespaces for the in-framework tests (which keep their own
 * helpers: test.support is not a bundle), and the root-only rule: a failure in CI, a loud skip
 * elsewhere.
 */
final class Netns {
    private Netns() {
    }

    /** Runs {@code cmd}; returns "EXIT:OUTPUT". */
    static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return p.exitValue() + ":" + out;
    }

    /** {@code cmd} run in namespace {@code n}. */
    static String[] ns(String n, String... cmd) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", n));
        c.addAll(List.of(cmd));
        return c.toArray(String[]::new);
    }

    /** Goes on only as root; says so loudly where the machine cannot run {@code test}. */
    static void requireRoot(String test, String why) {
        if (!"root".equals(System.getProperty("user.name"))) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI runs as root: " + test + " must run there");
            }
            System.err.println("SKIPPED LOUDLY: " + test + " needs root (" + why + ")");
            Assumptions.abort("needs root");
        }
    }
}
