package dev.junction.drivers.vhost;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dpdk-testpmd as a real vhost-user peer: a virtio-user frontend (the guest side) or a vhost backend.
 * Always with its own file prefix, no PCI, no huge pages; stopped with SIGINT (then it prints its
 * final counters) and waited for; its runtime directory is removed after.
 */
final class Testpmd implements AutoCloseable {
    private static final Pattern RX = Pattern.compile("RX-packets:\\s+(\\d+)");
    private static final Pattern TX = Pattern.compile("TX-packets:\\s+(\\d+)");
    private static int instances;
    private final Process process;
    private final String prefix;
    private final StringBuffer out = new StringBuffer();
    private final Thread reader;

    private Testpmd(Process p, String prefix) {
        this.process = p;
        this.prefix = prefix;
        this.reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                out.append(e);
            }
        });
    }

    /**
     * Starts testpmd with one virtual device {@code vdev} and forwarding mode {@code mode}, printing
     * port statistics every second.
     */
    static Testpmd start(String vdev, String mode, String... extra) throws IOException {
        String prefix = "jvhost-" + ProcessHandle.current().pid() + "-" + (instances++);
        List<String> cmd = new ArrayList<>(List.of("dpdk-testpmd", "-l", "0-1", "--no-pci", "--no-huge", "-m", "512",
                "--file-prefix=" + prefix, "--log-level=lib.eal:error", "--vdev", vdev, "--", "--forward-mode=" + mode,
                "--stats-period=1", "--nb-cores=1", "--rxq=1", "--txq=1", "--total-num-mbufs=16384"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return new Testpmd(p, prefix);
    }

    String output() {
        return out.toString();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The last RX-packets count printed (periodic or final statistics), -1 if none yet. */
    long lastRx() {
        return last(RX);
    }

    long lastTx() {
        return last(TX);
    }

    private long last(Pattern p) {
        Matcher m = p.matcher(out);
        long v = -1;
        while (m.find()) {
            v = Long.parseLong(m.group(1));
        }
        return v;
    }

    /** SIGINT, then waits (10 s) for it to print its final statistics and exit. Returns the output. */
    String stop() throws IOException, InterruptedException {
        if (process.isAlive()) {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        reader.join(5000);
        return out.toString();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop();
        Path run = Path.of("/var/run/dpdk", prefix);
        if (Files.isDirectory(run)) {
            try (var s = Files.walk(run)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
