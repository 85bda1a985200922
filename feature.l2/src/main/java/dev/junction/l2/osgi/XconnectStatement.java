package dev.junction.l2.osgi;

import dev.junction.config.StatementType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Component;

/**
 * The statement {@code cross-connect NAME peer=PEER}: every frame received on NAME goes out of PEER,
 * unchanged (one direction; write two for both). Stored as a {@code junction.xconnect} factory
 * configuration, the one {@code l2:xconnect} writes. Applied with interface settings, before the
 * devices, so a device configured at boot meets its cross-connect before its first frame.
 */
@Component
public final class XconnectStatement implements StatementType {
    static final String PID = "junction.xconnect";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    @Override
    public String kind() {
        return "cross-connect";
    }

    @Override
    public boolean named() {
        return true;
    }

    @Override
    public String pid() {
        return PID;
    }

    @Override
    public Map<String, String> keys() {
        return Map.of("peer", "the interface every frame received on NAME is sent out of");
    }

    @Override
    public String usage() {
        return "cross-connect NAME peer=PEER";
    }

    @Override
    public Map<String, Object> check(String name, Map<String, String> words) {
        String peer = words.get("peer");
        if (peer == null) {
            throw new IllegalArgumentException("peer= is missing: the interface to send NAME's frames out of");
        }
        if (!NAME.matcher(peer).matches()) {
            throw new IllegalArgumentException("peer must be an interface name, not '" + peer + "'");
        }
        if (peer.equals(name)) {
            throw new IllegalArgumentException("an interface cannot be cross-connected to itself");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("peer", peer);
        return out;
    }

    @Override
    public int order(Map<String, Object> settings) {
        return 0;
    }
}
