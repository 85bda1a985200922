package dev.junction.l2.xconnect;

import java.util.LinkedHashMap;
import java.util.Map;

/** The cross-connects by interface name, immutable: the control side replaces it whole. */
final class PeerTable {
    static final PeerTable EMPTY = new PeerTable(Map.of());
    private final Map<String, String> peers;

    PeerTable(Map<String, String> peers) {
        this.peers = Map.copyOf(peers);
    }

    String peerOf(String name) {
        return peers.get(name);
    }

    PeerTable with(String from, String to) {
        Map<String, String> m = new LinkedHashMap<>(peers);
        if (to == null) {
            m.remove(from);
        } else {
            m.put(from, to);
        }
        return new PeerTable(m);
    }
}
