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

    /** Fails in CI (which runs as root) and elsewhere skips loudly when not root. */
    static void requireRoot(String test) {
        if (!isRoot()) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI runs as root: " + test + " must run there");
            }
            System.err.println("SKIPPED LOUDLY: " + test + " needs root (network namespaces, veth, TAP, AF_PACKET)");
            org.junit.jupiter.api.Assumptions.abort("needs root");
        }
    }

    /**
     * A Linux host: namespace {@code ns} whose {@code e0} is the peer of {@code veth} (left up in this
     * namespace, without IPv6, for Junction to attach to), with address {@code cidr} and segmentation
     * offloads off (a GSO super-frame does not fit a buffer; checksum offload stays on).
     */
    static void addHost(String ns, String veth, String cidr) throws IOException, InterruptedException {
        must("ip", "netns", "add", ns);
        must("ip", "link", "add", veth, "type", "veth", "peer", "name", "e0", "netns", ns);
        must("sysctl", "-qw", "net.ipv6.conf." + veth + ".disable_ipv6=1");
        must("ip", "link", "set", veth, "up");
        must(inNs(ns, "ip", "link", "set", "lo", "up"));
        must(inNs(ns, "ip", "link", "set", "e0", "up"));
        must(inNs(ns, "ip", "addr", "add", cidr, "dev", "e0"));
        must(inNs(ns, "ethtool", "-K", "e0", "tso", "off", "gso", "off"));
    }

    /** Removes a host made by {@link #addHost} (the veth pair goes with the namespace); never fails. */
    static void removeHost(String ns, String veth) throws IOException, InterruptedException {
        run(20, "ip", "netns", "del", ns);
        run(20, "ip", "link", "del", veth);
    }
}
