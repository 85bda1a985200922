package dev.junction.l2.xconnect;

import dev.junction.graph.ArcDefinition;
import dev.junction.graph.Arcs;
import dev.junction.graph.InterfaceMode;
import dev.junction.l2.CrossConnects;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The cross-connects: ends the core's l2-input arc with {@link L2XconnectNode} and owns each
 * cross-connected interface's layer 2 (an {@link InterfaceMode} per interface, so that its frames
 * enter l2-input whatever their ethertype). It registers and unregisters those through the two
 * callbacks it is given: OSGi services in the bundle, the engine's methods in tests. Control path.
 */
public final class XconnectControl implements CrossConnects, AutoCloseable {
    private final Consumer<Object> register;
    private final Consumer<Object> unregister;
    private final L2XconnectNode node = new L2XconnectNode();
    private final ArcDefinition arc = ArcDefinition.of(Arcs.L2_INPUT, L2XconnectNode.NAME, ArcDefinition.Direction.INPUT);
    private final Map<String, String> peers = new LinkedHashMap<>();
    private final Map<String, InterfaceMode> modes = new LinkedHashMap<>();

    public XconnectControl(Consumer<Object> register, Consumer<Object> unregister) {
        this.register = register;
        this.unregister = unregister;
        register.accept(node);
        register.accept(arc);
    }

    @Override
    public synchronized void connect(String from, String to) {
        if (from == null || from.isBlank() || to == null || to.isBlank()) {
            throw new IllegalArgumentException("a cross-connect needs two interface names");
        }
        if (from.equals(to)) {
            throw new IllegalArgumentException("an interface cannot be cross-connected to itself (" + from + ")");
        }
        peers.put(from, to);
        node.table(new PeerTable(peers));
        InterfaceMode old = modes.put(from, InterfaceMode.of(from, Arcs.L2_INPUT, "l2 cross-connect " + to));
        register.accept(modes.get(from));
        if (old != null) {
            unregister.accept(old);
        }
    }

    @Override
    public synchronized boolean disconnect(String from) {
        if (peers.remove(from) == null) {
            return false;
        }
        unregister.accept(modes.remove(from));
        node.table(new PeerTable(peers));
        return true;
    }

    @Override
    public synchronized Map<String, String> peers() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(peers));
    }

    /** Takes everything out of the graph again. */
    @Override
    public synchronized void close() {
        for (InterfaceMode m : modes.values()) {
            unregister.accept(m);
        }
        modes.clear();
        unregister.accept(arc);
        unregister.accept(node);
    }
}
