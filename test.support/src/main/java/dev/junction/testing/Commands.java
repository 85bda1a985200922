package dev.junction.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the commands that tests drive real peers with (ip, ping, ethtool, python3, tshark, vtysh),
 * on the host or in a network namespace. Every run has a time limit, so that a peer that hangs
 * fails its test instead of stopping the suite.
 */
public final class Commands {
    /** How a command ended: its exit status (-1 when it ran out of time) and its output, stderr included. */
    public record Result(int exit, String out) {
    }

    private Commands() {
    }

    /**
     * Runs {@code cmd} with no input for at most {@code timeoutSeconds}; a command still running then
     * is killed. Its output is read on another thread while it runs, so that a command that writes
     * more than a pipe holds does not block.
     */
    public static Result run(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append(e);
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join();
            return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd) + "\n" + out);
        }
        reader.join();
        return new Result(p.exitValue(), out.toString());
    }

    /** Runs a command that must succeed (within 60 s) and returns its output; a failure names the command. */
    public static String must(String... cmd) throws IOException, InterruptedException {
        Result r = run(60, cmd);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.out());
        }
        return r.out();
    }

    /** {@code cmd} as run inside network namespace {@code namespace} ({@code ip netns exec}). */
    public static String[] ns(String namespace, String... cmd) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        c.addAll(List.of(cmd));
        return c.toArray(String[]::new);
    }
}
