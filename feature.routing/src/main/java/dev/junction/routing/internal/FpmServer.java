package dev.junction.routing.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import dev.junction.routing.LabelRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes routes from a routing daemon over FPM (the Forwarding Plane Manager protocol that FRR's zebra
 * speaks with its dplane_fpm_nl module): Junction listens, zebra connects and streams its RIB as
 * netlink route messages, each in a 4-byte FPM header (version 1, type 1 netlink, big-endian total
 * length). Routes become learned routes of kind {@code frr} in the FIB of the VRF that stands for
 * their kernel table (main: the default VRF; see {@link VrfControl}): added, replaced, deleted,
 * multipath as ECMP; those of a table no VRF has are kept aside for the VRF that takes it. When zebra
 * reconnects it sends its whole RIB again; routes not sent again within {@link #SWEEP_NANOS} of a
 * (re)connection, or all of them that long after a disconnection with no new connection, are
 * removed, table by table. Label switched paths (AF_MPLS routes) and the labels of labelled IP routes
 * go to {@link VrfControl#labelRoutes} for other bundles (an MPLS one), with the same withdrawal and
 * sweep. Control path: one virtual thread per connection.
 */
public final class FpmServer implements AutoCloseable {
    public static final String KIND = "frr";
    static final long SWEEP_NANOS = 30_000_000_000L;
    private static final System.Logger LOG = System.getLogger("dev.junction.routing");

    private final VrfControl vrfs;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final long sweepNanos;
    private volatile SocketChannel connection;
    private volatile String peer = "-";
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Map<String, AtomicLong> refused = new ConcurrentHashMap<>();
    /** Kernel table to each prefix learned for it and the connection number that last sent it. */
    private final Map<Long, Map<String, Long>> seen = new HashMap<>();
    private long generation;

    /** Listens on {@code address}; throws IOException when it cannot (port taken, no such address). */
    public FpmServer(VrfControl vrfs, InetSocketAddress address) throws IOException {
        this(vrfs, address, SWEEP_NANOS);
    }

    /**
     * With a sweep delay of its own: {@code sweepNanos} after a (re)connection or a disconnection the
     * routes not sent again are removed (tests with a real daemon use a short one).
     */
    public FpmServer(VrfControl vrfs, InetSocketAddress address, long sweepNanos) throws IOException {
        this.vrfs = vrfs;
        this.sweepNanos = sweepNanos;
        this.server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(address);
        acceptor = Thread.ofPlatform().daemon().name("junction-fpm").start(this::acceptLoop);
    }

    /** Where it listens (the port is the real one when 0 was asked for). */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                SocketChannel old = connection;
                if (old != null) {
                    old.close(); // one daemon at a time: the newest wins
                }
                connection = c;
                peer = String.valueOf(c.getRemoteAddress());
                long gen;
                synchronized (this) {
                    gen = ++generation;
                }
                connections.incrementAndGet();
                LOG.log(System.Logger.Level.INFO, "FPM: " + peer + " connected");
                scheduleSweep(gen, false);
                Thread.ofVirtual().name("junction-fpm-" + gen).start(() -> serve(c, gen));
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.log(System.Logger.Level.WARNING, "FPM accept: " + e);
                }
            }
        }
    }

    private void serve(SocketChannel c, long gen) {
        ByteBuffer header = ByteBuffer.allocate(4);
        ByteBuffer body = ByteBuffer.allocate(65536);
        try (c) {
            while (true) {
                header.clear();
                readFully(c, header);
                int version = header.get(0) & 0xFF;
                int type = header.get(1) & 0xFF;
                int length = Short.toUnsignedInt(header.getShort(2));
                if (version != 1 || type != 1 || length < 4) {
                    count("bad FPM header (version " + version + ", type " + type + ", length " + length + "): connection closed");
                    return;
                }
                body.clear().limit(length - 4);
                readFully(c, body);
                body.flip();
                while (body.hasRemaining()) {
                    messages.incrementAndGet();
                    try {
                        FpmMessage m = FpmMessage.parse(body);
                        apply(m, gen);
                    } catch (FpmMessage.Refused r) {
                        count(r.reason);
                    }
                }
            }
        } catch (EOFException e) {
            LOG.log(System.Logger.Level.INFO, "FPM: " + peer + " closed the connection");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.INFO, "FPM: " + peer + ": " + e.getMessage());
        } finally {
            if (connection == c) {
                connection = null;
                peer = "-";
                scheduleSweep(gen, true);
            }
        }
    }

    /**
     * Under the lock, so that a sweep never removes a route from the FIB while this connection puts
     * it back (the lock is always taken before VrfControl's, never inside it).
     */
    private synchronized void apply(FpmMessage m, long gen) throws FpmMessage.Refused {
        if (m.family() == FpmMessage.AF_MPLS) {
            applyPath(m, gen);
            return;
        }
        if (m.table() != VrfControl.TABLE_MAIN && !VrfControl.mayStandFor(m.table())) {
            throw new FpmMessage.Refused("route of table " + m.table() + " (the kernel's own, or none: no VRF takes it)");
        }
        try {
            if (!m.add()) {
                Map<String, Long> prefixes = seen.get(m.table());
                if (prefixes != null && prefixes.remove(m.prefix()) != null && prefixes.isEmpty()) {
                    seen.remove(m.table());
                }
                vrfs.removeLearnedRoute(m.table(), m.prefix());
                vrfs.labelRoutes.remove(LabelRoutes.routeKey(m.table(), m.prefix()));
                return;
            }
            if (m.routeType() != FpmMessage.RTN_UNICAST) {
                throw new FpmMessage.Refused("route type " + m.routeType() + " (only unicast routes are taken)");
            }
            if (m.gateways().isEmpty()) {
                throw new FpmMessage.Refused("route without a gateway (the daemon's interfaces are not Junction's)");
            }
            VrfControl.Placement placed = vrfs.replaceLearnedRoute(m.table(), m.prefix(), m.gateways());
            if (placed == VrfControl.Placement.DROPPED) {
                throw new FpmMessage.Refused("route of a table no VRF has, dropped: " + vrfs.maxKeptAside()
                        + " such routes are kept aside already");
            }
            seen.computeIfAbsent(m.table(), t -> new HashMap<>()).put(m.prefix(), gen);
            String key = LabelRoutes.routeKey(m.table(), m.prefix());
            if (!m.labelled()) {
                vrfs.labelRoutes.remove(key); // replaced by a route without labels
            } else if (placed == VrfControl.Placement.IN_VRF) {
                vrfs.labelRoutes.put(key, new LabelRoute(-1, vrfs.vrfOfTable(m.table()), m.prefix(), paths(m)), gen);
            } else {
                vrfs.labelRoutes.remove(key);
                count("labelled route of table " + m.table() + ", which no VRF has: installed without its labels");
            }
            if (placed == VrfControl.Placement.KEPT_ASIDE) {
                count("route of table " + m.table() + ", which no VRF has: kept aside until one takes it (vrf NAME table="
                        + m.table() + ")");
            }
        } catch (IllegalArgumentException e) {
            throw new FpmMessage.Refused("refused by the FIB: " + e.getMessage());
        }
    }

    /** A label switched path (an AF_MPLS route): for the {@link LabelRoutes} listeners only. */
    private void applyPath(FpmMessage m, long gen) throws FpmMessage.Refused {
        String key = LabelRoutes.pathKey(m.label());
        if (!m.add()) {
            vrfs.labelRoutes.remove(key);
            return;
        }
        if (m.routeType() != FpmMessage.RTN_UNICAST) {
            throw new FpmMessage.Refused("label switched path of route type " + m.routeType() + " (only unicast ones are taken)");
        }
        if (m.gateways().isEmpty()) {
            throw new FpmMessage.Refused("label switched path without a gateway (RTA_VIA)");
        }
        vrfs.labelRoutes.put(key, new LabelRoute(m.label(), null, null, paths(m)), gen);
    }

    private static List<LabelRoute.Path> paths(FpmMessage m) {
        List<LabelRoute.Path> out = new ArrayList<>();
        for (int i = 0; i < m.gateways().size(); i++) {
            out.add(new LabelRoute.Path(m.gateways().get(i), m.stacks().get(i)));
        }
        return out;
    }

    /**
     * After the sweep delay: drops the routes not sent since connection {@code gen} began (a
     * reconnection replays the RIB), or, after a disconnection with no newer connection, all of them.
     */
    private void scheduleSweep(long gen, boolean disconnected) {
        Thread.ofVirtual().start(() -> {
            java.util.concurrent.locks.LockSupport.parkNanos(sweepNanos);
            int stale = 0;
            synchronized (this) {
                if (generation != gen || (disconnected && connection != null) || !server.isOpen()) {
                    return; // a newer connection has its own sweep
                }
                for (var table = seen.entrySet().iterator(); table.hasNext(); ) {
                    Map.Entry<Long, Map<String, Long>> t = table.next();
                    for (var route = t.getValue().entrySet().iterator(); route.hasNext(); ) {
                        Map.Entry<String, Long> r = route.next();
                        if (disconnected || r.getValue() < gen) {
                            route.remove();
                            vrfs.removeLearnedRoute(t.getKey(), r.getKey());
                            stale++;
                        }
                    }
                    if (t.getValue().isEmpty()) {
                        table.remove();
                    }
                }
                stale += vrfs.labelRoutes.sweep(gen, disconnected);
            }
            if (stale > 0) {
                LOG.log(System.Logger.Level.INFO, "FPM: " + stale + " routes not refreshed by the daemon removed");
            }
        });
    }

    private void count(String reason) {
        refused.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new EOFException();
            }
        }
    }

    /**
     * What the shell shows: {@code routes} the daemon sent that Junction holds (in VRFs or kept
     * aside), {@code keptAside} by table, the messages not applied as sent, counted by reason, and
     * {@code labelRoutes}: the label switched paths and labelled routes held for other bundles.
     */
    public record Status(String listen, String peer, long connections, long messages, int routes,
                         Map<Long, Integer> keptAside, Map<String, Long> refused, int labelRoutes) {
    }

    public Status status() {
        Map<String, Long> r = new TreeMap<>();
        refused.forEach((k, v) -> r.put(k, v.get()));
        int routes = 0;
        synchronized (this) {
            for (Map<String, Long> prefixes : seen.values()) {
                routes += prefixes.size();
            }
        }
        return new Status(String.valueOf(address()), peer, connections.get(), messages.get(), routes, vrfs.keptAside(), r,
                vrfs.labelRoutes.routes().size());
    }

    /** Stops listening and drops the connection; the learned routes stay until {@code removeRoutes}. */
    @Override
    public void close() {
        try {
            server.close();
            SocketChannel c = connection;
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "FPM close: " + e);
        }
        acceptor.interrupt();
    }

    /**
     * Takes routes the previous instance learned (handed over across a bundle update), kernel table
     * to prefixes, as if sent before the first connection: the daemon's replay after it reconnects
     * keeps those it still has, the sweep removes the rest (all of them if it does not reconnect in
     * time).
     */
    public void adopt(Map<Long, ? extends java.util.Collection<String>> prefixes) {
        synchronized (this) {
            prefixes.forEach((table, ps) -> {
                Map<String, Long> known = seen.computeIfAbsent(table, t -> new HashMap<>());
                for (String p : ps) {
                    known.putIfAbsent(p, 0L);
                }
            });
        }
        scheduleSweep(0, true);
    }

    /** Removes every route learned from the daemon. */
    public synchronized void removeRoutes() {
        seen.clear();
        vrfs.removeLearnedRoutes();
        vrfs.labelRoutes.clear();
    }
}
