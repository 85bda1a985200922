package dev.junction.drivers.vhost.guest;

import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.testing.Commands.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * TCP between a QEMU guest (busybox nc) and a Linux host in a network namespace (Python), port 5001,
 * random bytes with their SHA-256 compared on both ends: the assertions fail with {@code state}'s
 * account of Junction appended.
 */
public final class HostTransfer {
    private static final String RECEIVER = """
            import hashlib, socket
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", 5001)); s.listen(1); s.settimeout(120)
            print("listening", flush=True)
            c, _ = s.accept(); c.settimeout(120); h = hashlib.sha256(); n = 0
            while True:
                b = c.recv(65536)
                if not b: break
                h.update(b); n += len(b)
            c.close(); print(n, h.hexdigest(), flush=True)
            """;

    private static final String SENDER = """
            import hashlib, os, socket, sys
            data = os.urandom(int(sys.argv[2]) * 1024)
            c = socket.create_connection((sys.argv[1], 5001), timeout=120)
            c.sendall(data); c.shutdown(socket.SHUT_WR)
            while c.recv(65536): pass
            print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
            """;

    private HostTransfer() {
    }

    /** Guest {@code g} sends {@code kib} KiB to a receiver in {@code namespace} at {@code hostAddr}; the rate. */
    public static String guestToHost(QemuGuest g, String namespace, String hostAddr, int kib, Supplier<String> state)
            throws Exception {
        Process rx = new ProcessBuilder(ns(namespace, "/usr/bin/python3", "-c", RECEIVER)).redirectErrorStream(true).start();
        try {
            var out = new BufferedReader(new InputStreamReader(rx.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("listening", out.readLine(), "the receiver in " + namespace + " listens");
            String sent = g.must(Duration.ofSeconds(120), "dd if=/dev/urandom of=/tmp/tx bs=1024 count=" + kib
                    + " 2>/dev/null && sha256sum /tmp/tx | cut -d' ' -f1").strip();
            long t = System.nanoTime();
            QemuGuest.Result send = g.run(Duration.ofSeconds(130), "timeout 120 nc -w 5 " + hostAddr + " 5001 </tmp/tx");
            double secs = (System.nanoTime() - t) / 1e9;
            assertTrue(rx.waitFor(60, TimeUnit.SECONDS), "the receiver in " + namespace + " ends");
            String got = out.readLine();
            assertEquals((kib * 1024) + " " + sent, got, g.name() + " -> " + namespace + ": sender " + send + state.get());
            return String.format("%d KiB, %.1f Mbit/s", kib, kib * 8.0 / 1024 / secs);
        } finally {
            rx.destroyForcibly().waitFor();
        }
    }

    /** A sender in {@code namespace} sends {@code kib} KiB to guest {@code g} at {@code guestAddr}; the rate. */
    public static String hostToGuest(QemuGuest g, String namespace, String guestAddr, int kib, Supplier<String> state)
            throws Exception {
        g.must(Duration.ofSeconds(10), "rm -f /tmp/rx; sleep 300 | nc -l -p 5001 >/tmp/rx 2>/tmp/rx.err & echo $! >/tmp/rx.pid");
        long t = System.nanoTime();
        Result send = run(150, ns(namespace, "/usr/bin/python3", "-c", SENDER, guestAddr, Integer.toString(kib)));
        double secs = (System.nanoTime() - t) / 1e9;
        assertEquals(0, send.exit(), namespace + " -> " + g.name() + ": " + send.out() + state.get());
        QemuGuest.Result got = g.run(Duration.ofSeconds(60), "kill $(cat /tmp/rx.pid) $(pidof sleep) 2>/dev/null; "
                + "echo $(wc -c </tmp/rx) $(sha256sum /tmp/rx | cut -d' ' -f1)");
        assertEquals(send.out().strip(), got.output().strip(),
                namespace + " -> " + g.name() + ": the guest received " + got + state.get());
        return String.format("%d KiB, %.1f Mbit/s", kib, kib * 8.0 / 1024 / secs);
    }
}
