package dev.junction.drivers.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs commands for tests: on the host or in a network namespace, with a time limit. */
final class Host {
    record Result(int exit, String out) {
    }

    private Host() {
    }

    static Result run(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
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

    /** Runs a command that must succeed. */
    static String must(String... cmd) throws IOException, InterruptedException {
        Result r = run(60, cmd);
        if (r.exit != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + r.exit + "): " + r.out);
        }
        return r.out;
    }

    static String[] inNs(String ns, String... cmd) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return c.toArray(String[]::new);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
