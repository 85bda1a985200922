package dev.junction.routing.internal;

import dev.junction.routing.LocalService;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Other bundles' services on the router's own addresses ({@link LocalService}), shared by ip4-local
 * and ip6-local: by protocol, and for UDP (and TCP, where a port is claimed) by destination port, the
 * target node a packet leaves for.
 * Each target node gets an index after a local node's own next nodes, once, and keeps it (next nodes
 * may only grow). The control thread publishes new arrays with one volatile write; workers read one
 * array element per packet, no lock. Of two claims on one protocol and port the earlier holds; the
 * later waits and takes over when the first goes.
 */
public final class LocalServices {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** What a lookup returns for a packet no service claims. */
    public static final int NONE = -1;
    private volatile List<String> names = List.of();
    /** By protocol: target + 1, 0 for none. UDP's entry is unused: UDP goes by {@link #udp}. */
    private volatile short[] protocols = new short[256];
    /** By UDP destination port: target + 1, 0 for none. */
    private volatile short[] udp = new short[65536];
    /** By TCP destination port: target + 1, 0 for none (then TCP's entry of {@link #protocols}); null while no TCP port is claimed. */
    private volatile short[] tcp;
    /** By key (protocol << 16 | port): the claims in the order they came, the first holding. */
    private final Map<Integer, List<LocalService>> claims = new LinkedHashMap<>();

    /** A local node's next nodes: its own, then every target. */
    public List<String> next(List<String> own) {
        List<String> out = new ArrayList<>(own);
        out.addAll(names);
        return List.copyOf(out);
    }

    /**
     * The target a packet goes to, or {@link #NONE}: {@code l4} is the offset of its transport header,
     * {@code l4Length} the bytes of it that the packet holds (a UDP packet too short for its ports
     * matches no port). Fast path.
     */
    public int target(MemorySegment m, int protocol, long l4, int l4Length) {
        int t;
        if (protocol == LocalService.UDP) {
            if (l4Length < 8) {
                return NONE;
            }
            t = udp[Short.toUnsignedInt(m.get(NET_SHORT, l4 + 2))];
        } else if (protocol == LocalService.TCP) {
            short[] byPort = tcp;
            t = byPort != null && l4Length >= 20 ? byPort[Short.toUnsignedInt(m.get(NET_SHORT, l4 + 2))] : 0;
            if (t == 0) {
                t = protocols[LocalService.TCP];
            }
        } else {
            t = protocols[protocol & 0xFF];
        }
        return t - 1;
    }

    /**
     * Claims a service (it waits behind an earlier claim of its protocol and port). A node new to the
     * targets is added to them and {@code refresh} runs (the local nodes re-read their next nodes)
     * before any packet is sent there. Throws for a malformed one, which is not kept.
     */
    public synchronized void add(LocalService s, Runnable refresh) {
        int key = key(s);
        List<LocalService> c = claims.computeIfAbsent(key, k -> new ArrayList<>());
        c.add(s);
        if (c.size() == 1) {
            install(key, s.node(), refresh);
        }
    }

    /** The claim that holds {@code s}'s protocol and port (s itself, or an earlier one it waits behind). */
    public synchronized LocalService holder(LocalService s) {
        List<LocalService> c = claims.get(key(s));
        return c == null || c.isEmpty() ? null : c.getFirst();
    }

    /** Gives a claim back; a waiting claim takes over (with {@code refresh} first if its node is new). */
    public synchronized void remove(LocalService s, Runnable refresh) {
        int key = key(s);
        List<LocalService> c = claims.get(key);
        if (c == null) {
            return;
        }
        boolean held = !c.isEmpty() && c.getFirst() == s;
        c.removeIf(x -> x == s);
        if (c.isEmpty()) {
            claims.remove(key);
            set(key, 0);
        } else if (held) {
            install(key, c.getFirst().node(), refresh);
        }
    }

    /** What is claimed: by "protocol/port" (port -1 for any), the holding node. */
    public synchronized Map<String, String> holders() {
        Map<String, String> out = new LinkedHashMap<>();
        claims.forEach((k, c) -> out.put((k >>> 16) + "/" + ((k & 0xFFFF) == 0 ? -1 : k & 0xFFFF), c.getFirst().node()));
        return out;
    }

    private void install(int key, String node, Runnable refresh) {
        int i = names.indexOf(node);
        if (i < 0) {
            List<String> n = new ArrayList<>(names);
            n.add(node);
            names = List.copyOf(n);
            i = n.size() - 1;
            refresh.run();
        }
        set(key, i + 1);
    }

    private void set(int key, int value) {
        int protocol = key >>> 16, port = key & 0xFFFF;
        if (protocol == LocalService.UDP) {
            short[] a = udp.clone();
            a[port] = (short) value;
            udp = a;
        } else if (protocol == LocalService.TCP && port != 0) {
            short[] a = tcp == null ? new short[65536] : tcp.clone();
            a[port] = (short) value;
            tcp = a;
        } else {
            short[] a = protocols.clone();
            a[protocol] = (short) value;
            protocols = a;
        }
    }

    /** Checks a service and gives its key; throws saying what is wrong and the right form. */
    static int key(LocalService s) {
        if (s.node() == null || s.node().isBlank()) {
            throw new IllegalArgumentException("a local service needs the name of its node");
        }
        int p = s.protocol();
        if (p < 0 || p > 255) {
            throw new IllegalArgumentException("a local service's protocol is 0 to 255, not " + p);
        }
        if (p == 1 || p == 58) {
            throw new IllegalArgumentException("ICMP and ICMPv6 are routing's own (echo, errors, neighbour discovery)");
        }
        if (p == LocalService.UDP) {
            if (s.port() < 1 || s.port() > 65535) {
                throw new IllegalArgumentException("a UDP service needs a port from 1 to 65535, not " + s.port());
            }
            return p << 16 | s.port();
        }
        if (p == LocalService.TCP && s.port() != LocalService.ANY_PORT) {
            if (s.port() < 1 || s.port() > 65535) {
                throw new IllegalArgumentException("a TCP service takes a port from 1 to 65535, or -1 for every port, not "
                        + s.port());
            }
            return p << 16 | s.port();
        }
        if (s.port() != LocalService.ANY_PORT) {
            throw new IllegalArgumentException("only UDP and TCP services have ports; protocol " + p + " takes port -1 (any)");
        }
        return p << 16;
    }
}
