package dev.junction.drivers.vhost;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/**
 * The configuration statement {@code vhost NAME socket=PATH [mode=server|client] [queues=N]}, stored as a
 * {@code junction.vhost} factory configuration (the same one {@code vhost:add} writes).
 */
@Component(service = StatementType.class)
public final class VhostStatement extends StatementSpec {

    public VhostStatement() {
        super(named("vhost", VhostDevices.PID)
                .key("socket", "PATH", "the vhost-user Unix socket path (absolute)", VhostStatement::checkSocket)
                .key("mode", "server|client",
                        "server (Junction listens, the default) or client (Junction connects, retrying every second)",
                        choice("server", "client"), "server")
                .key("queues", "N", "queue pairs offered to the guest (1.." + VhostUserBackend.MAX_QUEUE_PAIRS
                        + ", default 1): QEMU's netdev queues=N with mq=on on the device; give each worker one",
                        number(1, VhostUserBackend.MAX_QUEUE_PAIRS), 1L));
    }

    /** An absolute path of at most 107 bytes in an existing directory. */
    static String checkSocket(String socket) {
        Path p = Path.of(socket);
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("socket must be an absolute path, not '" + socket + "'");
        }
        if (socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw new IllegalArgumentException("a Unix socket path has at most 107 bytes: " + socket);
        }
        if (p.getParent() == null || !Files.isDirectory(p.getParent())) {
            throw new IllegalArgumentException("no directory " + p.getParent() + " for socket " + socket);
        }
        return socket;
    }
}
