package dev.junction.testing;

import static dev.junction.testing.Commands.ns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * 4 MiB of random bytes over TCP from a host in one namespace to a server in another, each end
 * printing the byte count and SHA-256 it saw: equal lines mean every byte crossed intact, which
 * pings alone do not show (segmentation, checksums, reordering under load).
 *
 * @param sent           the sender's run: exit status, and its line {@code <bytes> <sha256>}
 * @param serverFinished whether the server ended within 60 s of the sender
 * @param received       the server's line {@code <bytes> <sha256>}, stripped
 */
public record TcpTransfer(Commands.Result sent, boolean serverFinished, String received) {
    private static final String SERVER = """
            import hashlib, socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
            c, _ = s.accept(); c.settimeout(30); h = hashlib.sha256(); n = 0
            while True:
                b = c.recv(65536)
                if not b: break
                h.update(b); n += len(b)
            print(n, h.hexdigest(), flush=True)
            """;

    // Retries the connection for up to 10 s: the server in the other namespace may not listen yet.
    private static final String CLIENT = """
            import hashlib, os, socket, sys, time
            data = os.urandom(4 << 20)
            for i in range(100):
                try:
                    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5); break
                except OSError: time.sleep(0.1)
            c.sendall(data); c.close()
            print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
            """;

    /**
     * Starts the server on {@code address:port} in namespace {@code to}, sends from namespace
     * {@code from} and waits for both; the server is killed at the end whatever happened.
     */
    public static TcpTransfer send(String from, String to, String address, int port) throws IOException, InterruptedException {
        String p = Integer.toString(port);
        Process server = new ProcessBuilder(ns(to, "/usr/bin/python3", "-c", SERVER, address, p)).redirectErrorStream(true).start();
        try {
            Commands.Result sent = Commands.run(60, ns(from, "/usr/bin/python3", "-c", CLIENT, address, p));
            if (sent.exit() != 0) {
                return new TcpTransfer(sent, false, "");
            }
            boolean finished = server.waitFor(60, TimeUnit.SECONDS);
            String received = finished ? new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip() : "";
            return new TcpTransfer(sent, finished, received);
        } finally {
            server.destroyForcibly().waitFor();
        }
    }
}
