package dev.junction.drivers.vhost.guest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throw-away QEMU guest (TCG, 1 CPU, 256 MiB) whose NICs are virtio-net devices on vhost-user
 * sockets, for tests that need a real VM as the peer of a vhost-user backend.
 *
 * <p>The guest is the tiny Linux that {@code tools/guest/build-guest.sh} builds (kernel plus busybox
 * initramfs, cached per kernel version). Its {@code eth0} is configured from {@link Builder#ipv4} and
 * friends; once up it prints {@code JN-READY} on the serial console and then runs commands sent over
 * that console, one at a time, and reports their output and exit status ({@link #run}).
 *
 * <pre>{@code
 * try (QemuGuest g = QemuGuest.builder("g1")
 *         .nic(sock, QemuGuest.Mode.CLIENT, "52:54:00:00:00:04")  // the backend listens on sock
 *         .ipv4("10.1.0.2/24", "10.1.0.1")
 *         .boot(Duration.ofSeconds(60))) {
 *     assertEquals(0, g.run(Duration.ofSeconds(20), "ping -c 3 -W 2 10.1.0.1").exit());
 * }
 * }</pre>
 *
 * <p>With {@link Mode#SERVER} QEMU makes and listens on the socket and does not start the guest until
 * the backend has connected: call {@link Builder#start}, {@link #awaitSocket}, connect the backend,
 * then {@link #awaitReady}. With {@link Mode#CLIENT} the backend must listen first; QEMU reconnects
 * (every second) when the backend goes away and comes back, without a guest reboot.
 *
 * <p>{@link #close} kills QEMU (and waits for it) and removes the guest's directory, also when a test
 * fails; a JVM shutdown hook does the same for a guest that was never closed. Set the system property
 * {@code junction.guest.keep=true} to keep the directory (serial log, QEMU's stderr) for a look.
 *
 * <p>Plain Java, no dependencies. Needs {@code qemu-system-x86_64} (installed through tools/packages.sh when
 * missing and running as root) and a guest image: {@code -Djunction.guest.dir=DIR} (or
 * {@code JN_GUEST_DIR}) naming a directory with {@code vmlinux} and {@code initrd.gz}, otherwise
 * {@code build-guest.sh} is run once per JVM, found through {@code -Djunction.guest.script=PATH} or
 * as {@code tools/guest/build-guest.sh} in the working directory or one of its parents.
 */
public final class QemuGuest implements AutoCloseable {

    /** QEMU's side of a vhost-user socket. */
    public enum Mode {
        /** QEMU listens ({@code server=on}); the backend connects. */
        SERVER,
        /** QEMU connects ({@code reconnect=1}); the backend listens. */
        CLIENT
    }

    /** A command's exit status (-1: no answer in time) and its output (stdout and stderr). */
    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }
    }

    /** A virtio-net NIC on a vhost-user socket, with {@code queues} queue pairs (more than one: multiqueue). */
    public record Nic(Path socket, Mode mode, String mac, int queues) {
        public Nic {
            Objects.requireNonNull(socket);
            Objects.requireNonNull(mode);
            Objects.requireNonNull(mac);
        }
    }

    private static final String READY = "JN-READY";
    private static final AtomicInteger MAC_SEQ = new AtomicInteger(0x10);
    private static Path image;

    private final String name;
    private final Path dir;
    private final List<Nic> nics;
    private final Process qemu;
    private final OutputStream console;
    private final Thread reader;
    private final Thread shutdownHook;
    private final long startNanos;
    private final Object lock = new Object();
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder serial = new StringBuilder();
    private long readyNanos = -1;
    private String readyUptime;
    private boolean eof;
    private boolean broken;
    private int nextId = 1;
    private boolean closed;

    private QemuGuest(Builder b, Path dir) throws IOException {
        this.name = b.name;
        this.dir = dir;
        this.nics = List.copyOf(b.nics);
        Path img = image();
        List<String> cmd = new ArrayList<>(List.of(
                "qemu-system-x86_64", "-name", "jn-" + name,
                "-accel", "tcg", "-m", Integer.toString(b.memoryMiB), "-smp", Integer.toString(b.cpus),
                "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot",
                "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0",
                "-kernel", img.resolve("vmlinux").toString(),
                "-initrd", img.resolve("initrd.gz").toString(),
                "-append", appendLine(b),
                // vhost-user needs the guest's memory in a shared file the backend can map.
                "-object", "memory-backend-memfd,id=mem,size=" + b.memoryMiB + "M,share=on",
                "-numa", "node,memdev=mem"));
        for (int i = 0; i < nics.size(); i++) {
            Nic n = nics.get(i);
            String chardev = "socket,id=vu" + i + ",path=" + n.socket()
                    + (n.mode() == Mode.SERVER ? ",server=on" : ",reconnect=1");
            cmd.addAll(List.of("-chardev", chardev,
                    "-netdev", "vhost-user,id=n" + i + ",chardev=vu" + i + (n.queues() > 1 ? ",queues=" + n.queues() : ""),
                    // vectors=0: QEMU 7.2 crashes in vhost_net_start with MSI-X on; romfile=: no iPXE.
                    "-device", "virtio-net-pci,netdev=n" + i + ",mac=" + n.mac() + ",vectors=0,romfile="
                            + (n.queues() > 1 ? ",mq=on" : "")));
        }
        cmd.addAll(b.extraArgs);
        Files.writeString(dir.resolve("qemu.cmd"), String.join(" ", cmd) + "\n");
        this.startNanos = System.nanoTime();
        this.qemu = new ProcessBuilder(cmd)
                .redirectError(dir.resolve("qemu.err").toFile())
                .start();
        this.console = qemu.getOutputStream();
        this.shutdownHook = new Thread(this::kill, "qemu-guest-" + name + "-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.reader = Thread.ofPlatform().daemon().name("qemu-guest-" + name + "-serial").start(this::readSerial);
    }

    private static String appendLine(Builder b) {
        StringBuilder s = new StringBuilder("console=ttyS0 quiet loglevel=1 panic=-1");
        if (b.ipv4 != null) {
            s.append(" jn.ip=").append(b.ipv4);
        }
        if (b.gw4 != null) {
            s.append(" jn.gw=").append(b.gw4);
        }
        if (b.ipv6 != null) {
            s.append(" jn.ip6=").append(b.ipv6);
        }
        if (b.gw6 != null) {
            s.append(" jn.gw6=").append(b.gw6);
        }
        if (b.mtu > 0) {
            s.append(" jn.mtu=").append(b.mtu);
        }
        for (String w : b.extraAppend) {
            s.append(' ').append(w);
        }
        return s.toString();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** What a guest looks like; {@link #start} launches it, {@link #boot} also waits until it is ready. */
    public static final class Builder {
        private final String name;
        private final List<Nic> nics = new ArrayList<>();
        private final List<String> extraArgs = new ArrayList<>();
        private final List<String> extraAppend = new ArrayList<>();
        private String ipv4;
        private String gw4;
        private String ipv6;
        private String gw6;
        private int mtu;
        private int memoryMiB = 256;
        private int cpus = 1;

        private Builder(String name) {
            if (!name.matches("[A-Za-z0-9_.-]{1,32}")) {
                throw new IllegalArgumentException("guest name must be 1-32 of [A-Za-z0-9_.-]: " + name);
            }
            this.name = name;
        }

        /** Adds a NIC (the first is the guest's eth0, the one the address options configure). */
        public Builder nic(Path socket, Mode mode, String mac) {
            nics.add(new Nic(socket.toAbsolutePath(), mode, mac, 1));
            return this;
        }

        /**
         * Adds a multiqueue NIC: {@code queues=N} on the netdev, {@code mq=on} on the device (with
         * {@link #cpus} at least N, the guest's driver turns all N pairs on at boot).
         */
        public Builder multiQueueNic(Path socket, Mode mode, int queues) {
            int n = MAC_SEQ.getAndIncrement();
            nics.add(new Nic(socket.toAbsolutePath(), mode, String.format("52:54:00:4a:%02x:%02x", (n >> 8) & 0xff, n & 0xff), queues));
            return this;
        }

        /** Virtual CPUs (default 1; TCG runs them on threads of their own). */
        public Builder cpus(int n) {
            this.cpus = n;
            return this;
        }

        /** Adds a NIC with a locally administered MAC made up for it (52:54:00:4a:xx:yy). */
        public Builder nic(Path socket, Mode mode) {
            int n = MAC_SEQ.getAndIncrement();
            return nic(socket, mode, String.format("52:54:00:4a:%02x:%02x", (n >> 8) & 0xff, n & 0xff));
        }

        /** eth0's IPv4 address ({@code A/LEN}) and default gateway (may be null). */
        public Builder ipv4(String cidr, String gateway) {
            this.ipv4 = cidr;
            this.gw4 = gateway;
            return this;
        }

        /** eth0's IPv6 address ({@code A/LEN}, added without DAD) and default gateway (may be null). */
        public Builder ipv6(String cidr, String gateway) {
            this.ipv6 = cidr;
            this.gw6 = gateway;
            return this;
        }

        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        public Builder memoryMiB(int mib) {
            this.memoryMiB = mib;
            return this;
        }

        /** More words for the kernel command line. */
        public Builder append(String... words) {
            extraAppend.addAll(List.of(words));
            return this;
        }

        /** More QEMU arguments. */
        public Builder qemuArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        /** Launches QEMU and returns at once (see {@link QemuGuest#awaitReady}). */
        public QemuGuest start() throws IOException {
            if (nics.isEmpty()) {
                throw new IllegalStateException("a guest needs at least one NIC");
            }
            requireQemu();
            Path dir = Files.createTempDirectory("jn-guest-" + name + "-");
            try {
                return new QemuGuest(this, dir);
            } catch (IOException | RuntimeException e) {
                deleteTree(dir);
                throw e;
            }
        }

        /** Launches QEMU and waits until the guest is ready; kills it when it is not ready in time. */
        public QemuGuest boot(Duration timeout) throws IOException, InterruptedException {
            QemuGuest g = start();
            try {
                g.awaitReady(timeout);
                return g;
            } catch (IOException | InterruptedException | RuntimeException e) {
                g.close();
                throw e;
            }
        }
    }

    private void readSerial() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(qemu.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
                synchronized (lock) {
                    lines.add(line);
                    serial.append(line).append('\n');
                    if (readyNanos < 0 && line.startsWith(READY)) {
                        readyNanos = System.nanoTime();
                        readyUptime = line.length() > READY.length() ? line.substring(READY.length()).trim() : "";
                    }
                    lock.notifyAll();
                }
            }
        } catch (IOException e) {
            // QEMU went away.
        } finally {
            synchronized (lock) {
                eof = true;
                lock.notifyAll();
            }
            try {
                Files.writeString(dir.resolve("serial.log"), serialLog());
            } catch (IOException | UncheckedIOException e) {
                // the directory may be gone already
            }
        }
    }

    /** Waits for the socket file of a {@link Mode#SERVER} NIC (QEMU listens on it). */
    public void awaitSocket(Path socket, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(socket)) {
            if (!qemu.isAlive()) {
                throw new IOException(describe("QEMU exited (" + qemu.exitValue() + ") before listening on " + socket));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(describe("QEMU did not listen on " + socket + " within " + timeout));
            }
            Thread.sleep(20);
        }
    }

    /** Waits for {@code JN-READY}: the guest booted and configured eth0. */
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (readyNanos < 0) {
                if (eof) {
                    throw new IOException(describe("the guest stopped before it was ready"));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException(describe("the guest was not ready within " + timeout));
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            String errors = lines.stream().filter(l -> l.startsWith("JN-ERROR")).reduce((a, b) -> a + "; " + b).orElse(null);
            if (errors != null) {
                throw new IOException(describe("the guest reported " + errors));
            }
        }
    }

    /** Wall time from launching QEMU to {@code JN-READY}; null before that. */
    public Duration bootTime() {
        synchronized (lock) {
            return readyNanos < 0 ? null : Duration.ofNanos(readyNanos - startNanos);
        }
    }

    /** The guest kernel's uptime (seconds) when it printed {@code JN-READY}. */
    public String readyUptime() {
        synchronized (lock) {
            return readyUptime;
        }
    }

    /**
     * Runs a shell command in the guest and waits for its exit status. Commands run one at a time;
     * a command still running when the timeout expires leaves the guest unusable (exit -1, and later
     * calls fail at once): bound long commands in the guest ({@code ping -c N -W S}, {@code timeout}).
     * A command may start background jobs ({@code cmd >/tmp/x 2>&1 &}) and read their output later.
     */
    public Result run(Duration timeout, String command) throws IOException, InterruptedException {
        int id;
        int from;
        synchronized (lock) {
            if (closed || broken) {
                throw new IllegalStateException("guest " + name + " is " + (closed ? "closed" : "stuck in an earlier command"));
            }
            if (readyNanos < 0) {
                throw new IllegalStateException("guest " + name + " is not ready (call awaitReady first)");
            }
            id = nextId++;
            from = lines.size();
        }
        String line = id + " " + Base64.getEncoder().encodeToString(command.getBytes(StandardCharsets.UTF_8)) + "\n";
        try {
            console.write(line.getBytes(StandardCharsets.US_ASCII));
            console.flush();
        } catch (IOException e) {
            throw new IOException(describe("cannot write to the guest's console: " + e), e);
        }
        String begin = "JN-BEGIN " + id;
        String exit = "JN-EXIT " + id + " ";
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            int scanned = from;
            int beginAt = -1;
            while (true) {
                for (; scanned < lines.size(); scanned++) {
                    String l = lines.get(scanned);
                    if (beginAt < 0 && l.equals(begin)) {
                        beginAt = scanned;
                    } else if (beginAt >= 0 && l.startsWith(exit)) {
                        String out = String.join("\n", lines.subList(beginAt + 1, scanned));
                        return new Result(Integer.parseInt(l.substring(exit.length()).trim()), out.isEmpty() ? out : out + "\n");
                    }
                }
                long left = deadline - System.nanoTime();
                if (eof || left <= 0) {
                    broken = true;
                    String out = beginAt < 0 ? "" : String.join("\n", lines.subList(beginAt + 1, lines.size()));
                    return new Result(-1, (eof ? "the guest stopped" : "no exit status within " + timeout)
                            + " running: " + command + "\n" + out);
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    /** Runs a command that must exit 0; otherwise throws with its output and the serial log's tail. */
    public String must(Duration timeout, String command) throws IOException, InterruptedException {
        Result r = run(timeout, command);
        if (r.exit() != 0) {
            throw new AssertionError("guest " + name + ": '" + command + "' exited " + r.exit() + ":\n" + r.output());
        }
        return r.output();
    }

    /** {@code ping -c count -W 2 addr} (busybox ping; IPv6 addresses work too) within count * 2 + 10 s. */
    public Result ping(String addr, int count) throws IOException, InterruptedException {
        return run(Duration.ofSeconds(count * 2L + 10), "ping -c " + count + " -W 2 " + addr);
    }

    /**
     * Pings {@code addr} once a second ({@code ping -c 1 -W 1}) until an echo comes back, at most
     * {@code seconds} times: for a path that needs ARP or a vhost-user (re)connection first. The output
     * says {@code answered after N} (N failed attempts before the answer).
     */
    public Result awaitPing(String addr, int seconds) throws IOException, InterruptedException {
        return run(Duration.ofSeconds(seconds * 2L + 10), "i=0; while [ $i -lt " + seconds + " ]; do ping -c 1 -W 1 "
                + addr + " >/dev/null 2>&1 && { echo answered after $i; exit 0; }; i=$((i+1)); done; "
                + "echo no answer from " + addr + " in " + seconds + " attempts; exit 1");
    }

    /** What {@link #transfer} measured: equal SHA-256 on both ends, the sender's wall time. */
    public record Transfer(boolean equal, int kib, double seconds, String detail) {
        public double mbitPerSecond() {
            return kib * 8.0 / 1024 / seconds;
        }
    }

    /**
     * Sends {@code kib} KiB of random data over TCP from guest {@code from} to guest {@code to}
     * (listening on {@code to}'s {@code toAddr}, port 5001) with busybox nc, and compares SHA-256 sums.
     */
    public static Transfer transfer(QemuGuest from, QemuGuest to, String toAddr, int kib) throws IOException, InterruptedException {
        // busybox nc half-closes when its stdin ends, and its peer then stops sending: keep stdin open.
        to.must(Duration.ofSeconds(10), "rm -f /tmp/rx; sleep 300 | nc -l -p 5001 >/tmp/rx 2>/tmp/rx.err & echo $! >/tmp/rx.pid");
        String sent = from.must(Duration.ofSeconds(120), "dd if=/dev/urandom of=/tmp/tx bs=1024 count=" + kib
                + " 2>/dev/null && sha256sum /tmp/tx | cut -d' ' -f1").strip();
        long t = System.nanoTime();
        // The sender ends once the receiver has everything and closed (it waits for the receiver's EOF).
        Result send = from.run(Duration.ofSeconds(130), "timeout 120 nc -w 5 " + toAddr + " 5001 </tmp/tx");
        double secs = (System.nanoTime() - t) / 1e9;
        Result done = to.run(Duration.ofSeconds(60),
                "i=0; while kill -0 $(cat /tmp/rx.pid) 2>/dev/null && [ $i -lt 100 ]; do usleep 200000; i=$((i+1)); done; "
                + "cat /tmp/rx.err; kill $(cat /tmp/rx.pid) $(pidof sleep) 2>/dev/null; ls -l /tmp/rx; sha256sum /tmp/rx | cut -d' ' -f1");
        String got = done.output().strip().lines().reduce((x, y) -> y).orElse("");
        return new Transfer(send.ok() && sent.equals(got), kib, secs,
                "sent " + sent + ", received " + got + "; sender " + send + "; receiver " + done);
    }

    public String name() {
        return name;
    }

    public List<Nic> nics() {
        return nics;
    }

    /** The guest's directory (serial.log when it ends, qemu.err, qemu.cmd); removed by {@link #close}. */
    public Path dir() {
        return dir;
    }

    public boolean isAlive() {
        return qemu.isAlive();
    }

    public long pid() {
        return qemu.pid();
    }

    /** Everything the guest printed on its serial console so far. */
    public String serialLog() {
        synchronized (lock) {
            return serial.toString();
        }
    }

    private String describe(String what) {
        String err = "";
        try {
            err = Files.readString(dir.resolve("qemu.err"));
        } catch (IOException e) {
            // none
        }
        String log = serialLog();
        if (log.length() > 4000) {
            log = "..." + log.substring(log.length() - 4000);
        }
        return "guest " + name + ": " + what + "\n--- serial ---\n" + log + "--- qemu stderr ---\n" + err;
    }

    private void kill() {
        if (qemu.isAlive()) {
            qemu.destroy();
            try {
                if (!qemu.waitFor(3, TimeUnit.SECONDS)) {
                    qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                qemu.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills QEMU, waits for it, removes the guest's directory (unless junction.guest.keep=true). */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // The guest holds no state worth a clean shutdown: SIGTERM (QEMU exits at once), then SIGKILL.
        kill();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
        for (Nic n : nics) {
            if (n.mode() == Mode.SERVER) {
                try {
                    Files.deleteIfExists(n.socket()); // QEMU removes it on a clean exit, not on SIGKILL
                } catch (IOException e) {
                    // leave it
                }
            }
        }
        if (Boolean.getBoolean("junction.guest.keep")) {
            System.err.println("guest " + name + ": kept " + dir);
        } else {
            deleteTree(dir);
        }
    }

    // ---- the image and the tools ----

    /** The directory with vmlinux and initrd.gz, built (or found in the cache) once per JVM. */
    public static synchronized Path image() throws IOException {
        if (image != null) {
            return image;
        }
        String given = System.getProperty("junction.guest.dir", System.getenv("JN_GUEST_DIR"));
        if (given != null && !given.isEmpty()) {
            Path d = Path.of(given);
            if (!Files.isRegularFile(d.resolve("vmlinux")) || !Files.isRegularFile(d.resolve("initrd.gz"))) {
                throw new IOException("junction.guest.dir / JN_GUEST_DIR=" + d + " has no vmlinux and initrd.gz");
            }
            return image = d;
        }
        Path script = findScript();
        Path log = Files.createTempFile("jn-guest-build-", ".log");
        try {
            Process p = new ProcessBuilder(script.toString())
                    .redirectError(log.toFile())
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean done = p.waitFor(15, TimeUnit.MINUTES);
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            if (!done || p.exitValue() != 0) {
                throw new IOException(script + " failed" + (done ? " (" + p.exitValue() + ")" : " (timed out)")
                        + ":\n" + Files.readString(log));
            }
            String[] outLines = out.strip().split("\n");
            Path d = Path.of(outLines[outLines.length - 1].strip());
            if (!Files.isRegularFile(d.resolve("vmlinux")) || !Files.isRegularFile(d.resolve("initrd.gz"))) {
                throw new IOException(script + " printed " + d + ", which has no vmlinux and initrd.gz");
            }
            return image = d;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the guest", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Path findScript() throws IOException {
        String given = System.getProperty("junction.guest.script");
        if (given != null && !given.isEmpty()) {
            return Path.of(given);
        }
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("tools/guest/build-guest.sh");
            if (Files.isExecutable(s)) {
                return s;
            }
        }
        throw new IOException("tools/guest/build-guest.sh not found in " + System.getProperty("user.dir")
                + " or its parents (set -Djunction.guest.script=PATH or -Djunction.guest.dir=DIR)");
    }

    /** Installs qemu-system-x86_64's package when it is missing (as root, tools/packages.sh). */
    public static synchronized void requireQemu() throws IOException {
        requireTool("qemu-system-x86_64");
    }

    /**
     * Makes sure {@code tool} (a name from tools/packages.list) is here: {@code tools/packages.sh need
     * TOOL} installs its package when it is missing (needs root) and fails when it cannot.
     */
    public static synchronized void requireTool(String tool) throws IOException {
        if (onPath(tool)) {
            return;
        }
        Path script = findScript().getParent().resolveSibling("packages.sh");
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "need", tool).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("tools/packages.sh need " + tool + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while installing " + tool, e);
        }
        if (!onPath(tool)) {
            throw new IOException("tools/packages.sh installed " + tool + "'s package but it is still not on the PATH");
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/bin", command)) || Files.isExecutable(Path.of("/usr/sbin", command));
    }

    /** Removes a directory tree, best effort (for tests' own temporary directories too). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
