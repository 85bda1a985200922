package dev.junction.drivers.vhost;

import dev.junction.config.StatementType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The configuration statement {@code vhost NAME socket=PATH [mode=server|client]}, stored as a
 * {@code junction.vhost} factory configuration (the same one {@code vhost:add} writes).
 */
@Component
public final class VhostStatement implements StatementType {

    @Override
    public String kind() {
        return "vhost";
    }

    @Override
    public boolean named() {
        return true;
    }

    @Override
    public String pid() {
        return VhostDevices.PID;
    }

    @Override
    public Map<String, String> keys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("socket", "the vhost-user Unix socket path (absolute)");
        keys.put("mode", "server (Junction listens, the default) or client (Junction connects, retrying every second)");
        return keys;
    }

    @Override
    public String usage() {
        return "vhost NAME socket=PATH [mode=server|client]";
    }

    @Override
    public Map<String, Object> check(String name, Map<String, String> words) {
        String socket = words.get("socket");
        if (socket == null) {
            throw new IllegalArgumentException("a vhost device needs socket=PATH");
        }
        String mode = words.getOrDefault("mode", "server");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("socket", checkSocket(socket));
        out.put("mode", VhostUserDevice.Mode.parse(mode).toString());
        return out;
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
