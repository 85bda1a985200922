package dev.junction.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * The rule for tests that need root (network namespaces, veth pairs, TAP, AF_PACKET, QEMU): as
 * another user they are skipped, loudly, so that a developer sees what did not run; in CI, which
 * runs as root, a missing root is a failure, so that they can never be skipped there unnoticed.
 */
public final class RootOnly {
    private RootOnly() {
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Returns when running as root; otherwise fails in CI ({@code CI} set) and elsewhere aborts the
     * test after saying {@code SKIPPED LOUDLY: <test> needs root (<needs>)} on stderr.
     */
    public static void require(String test, String needs) {
        if (isRoot()) {
            return;
        }
        if (System.getenv("CI") != null) {
            throw new AssertionError("CI runs as root: " + test + " must run there");
        }
        System.err.println("SKIPPED LOUDLY: " + test + " needs root (" + needs + ")");
        Assumptions.abort("needs root");
    }
}
