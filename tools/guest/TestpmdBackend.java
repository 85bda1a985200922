package dev.junction.drivers.vhost.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * dpdk-testpmd as a vhost-user backend (a reference to test guests against): {@code net_vhostN}
 * ports on the given sockets, listening ({@code client=false}) or connecting, forwarding in
 * {@code icmpecho} (answers ARP and ICMPv4 echo on each port) or {@code io} (port 0 <-> port 1) mode.
 * Its polling thread takes a whole core. {@link #close} stops it (SIGTERM; it prints its counters)
 * and waits for it; the sockets it made are removed.
 */
public final class TestpmdBackend implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final List<Path> sockets;
    private final boolean client;
    private final String prefix;
    private String finalLog = "";

    private TestpmdBackend(Process process, Path log, List<Path> sockets, boolean client, String prefix) {
        this.prefix = prefix;
        this.process = process;
        this.log = log;
        this.sockets = sockets;
        this.client = client;
    }

    public static TestpmdBackend start(String forwardMode, boolean client, Path... sockets) throws IOException, InterruptedException {
        QemuGuest.requireTool("dpdk-testpmd");
        String prefix = "jnguest" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
        List<String> cmd = new ArrayList<>(List.of("dpdk-testpmd", "-l", "0-1", "--no-pci", "--no-huge", "-m", "512",
                "--file-prefix=" + prefix));
        for (int i = 0; i < sockets.length; i++) {
            cmd.addAll(List.of("--vdev", "net_vhost" + i + ",iface=" + sockets[i].toAbsolutePath() + (client ? ",client=1" : "")));
        }
        cmd.addAll(List.of("--", "--forward-mode=" + forwardMode, "--total-num-mbufs=8192", "--stats-period=0", "-a"));
        Path log = Files.createTempFile("jn-testpmd-", ".log");
        // Non-interactive testpmd runs until its stdin ends: the pipe stays open until close().
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        TestpmdBackend t = new TestpmdBackend(p, log, List.of(sockets), client, prefix);
        if (!client) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (Path s : sockets) {
                while (!Files.exists(s)) {
                    if (!p.isAlive() || System.nanoTime() > deadline) {
                        t.close();
                        throw new IOException("testpmd did not listen on " + s + ":\n" + t.finalLog);
                    }
                    Thread.sleep(20);
                }
            }
        }
        return t;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** testpmd's output so far (all of it after close). */
    public String log() {
        if (!process.isAlive()) {
            return finalLog;
        }
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            finalLog = Files.readString(log);
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // leave it
        }
        // DPDK leaves its runtime directory (config, fbarrays: about 6 MB) behind.
        QemuGuest.deleteTree(Path.of("/var/run/dpdk", prefix));
        if (!client) {
            for (Path s : sockets) {
                try {
                    Files.deleteIfExists(s);
                } catch (IOException e) {
                    // leave it
                }
            }
        }
    }

    /** Waits up to {@code timeout} for testpmd to exit (e.g. after close). */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
