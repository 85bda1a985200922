package dev.junction.firewall.e2e;

import static dev.junction.testing.Commands.ns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One end of a TCP connection in a host namespace, driven line by line: {@code listen PORT} accepts one
 * connection, {@code connect ADDR PORT [SPORT]} opens one (from a fixed source port if given). Each
 * line written to {@link #send} goes out on the socket; each line that arrives comes back as
 * {@code got LINE}; {@code shut} sends a FIN ({@code shutdown(SHUT_WR)}); the peer's FIN prints
 * {@code eof}; any socket error prints {@code error ...}. The socket never times out on its own.
 */
final class Peer implements AutoCloseable {
    private static final String PY = String.join("\n",
            "import socket, sys, threading",
            "if sys.argv[1] == 'listen':",
            "    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "    l.bind(('0.0.0.0', int(sys.argv[2]))); l.listen(4); print('listening', flush=True)",
            "    c, a = l.accept(); print('accepted', a[1], flush=True)",
            "else:",
            "    c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "    if len(sys.argv) > 4: c.bind(('0.0.0.0', int(sys.argv[4])))",
            "    c.settimeout(5)",
            "    try:",
            "        c.connect((sys.argv[2], int(sys.argv[3])))",
            "    except OSError as e:",
            "        print('error', e, flush=True); sys.exit(1)",
            "    c.settimeout(None); print('connected', c.getsockname()[1], flush=True)",
            "def rx():",
            "    f = c.makefile('rb')",
            "    try:",
            "        for line in f: print('got', line.decode().strip(), flush=True)",
            "        print('eof', flush=True)",
            "    except OSError as e: print('error', e, flush=True)",
            "threading.Thread(target=rx, daemon=True).start()",
            "for line in sys.stdin:",
            "    try:",
            "        if line.strip() == 'shut': c.shutdown(socket.SHUT_WR)",
            "        else: c.sendall(line.encode())",
            "    except OSError as e: print('error', e, flush=True)",
            "threading.Event().wait()");

    private final Process process;
    private final OutputStream in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Peer(String host, String... args) throws IOException {
        String[] cmd = new String[3 + args.length];
        cmd[0] = "/usr/bin/python3";
        cmd[1] = "-c";
        cmd[2] = PY;
        System.arraycopy(args, 0, cmd, 3, args.length);
        process = new ProcessBuilder(ns(host, cmd)).redirectErrorStream(true).start();
        in = process.getOutputStream();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("error reading: " + e);
            }
            lines.add("exit");
        }, "peer-" + host);
        t.setDaemon(true);
        t.start();
    }

    static Peer listen(String host, int port) throws Exception {
        Peer p = new Peer(host, "listen", Integer.toString(port));
        p.expect("listening", 10);
        return p;
    }

    static Peer connect(String host, String address, int port, int sourcePort) throws IOException {
        return new Peer(host, "connect", address, Integer.toString(port), Integer.toString(sourcePort));
    }

    /** Writes one line (or {@code shut}). */
    void send(String line) throws IOException {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** The next line printed, or null when none came within the deadline. */
    String next(double seconds) throws InterruptedException {
        return lines.poll((long) (seconds * 1000), TimeUnit.MILLISECONDS);
    }

    /** Waits for a line starting with {@code prefix}; fails naming what came instead. */
    String expect(String prefix, double seconds) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        StringBuilder seen = new StringBuilder();
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            String l = lines.poll(left, TimeUnit.NANOSECONDS);
            if (l == null) {
                break;
            }
            if (l.startsWith(prefix)) {
                return l;
            }
            seen.append('[').append(l).append(']');
        }
        throw new AssertionError("expected '" + prefix + "' within " + seconds + " s, saw " + seen);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
}
