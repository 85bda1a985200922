package dev.junction.overlay.tunnel;

import dev.junction.dataplane.Dataplane;
import dev.junction.graph.PacketNode;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.TunnelStatus;
import dev.junction.overlay.Tunnels;
import dev.junction.overlay.nvgre.NvgreDecapNode;
import dev.junction.overlay.nvgre.NvgreEncapNode;
import dev.junction.overlay.vxlan.VxlanBypassNode;
import dev.junction.overlay.vxlan.VxlanDecapNode;
import dev.junction.overlay.vxlan.VxlanEncapNode;
import dev.junction.routing.Ip4Neighbours;
import dev.junction.routing.LocalService;
import dev.junction.routing.Routing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * The tunnels, control path: each one an interface ({@link TunnelDevice}, registered as a driver's
 * device would be) with its encapsulation node enabled on it; the nodes read one immutable
 * {@link TunnelConfig}, replaced whole on each change. The router's addresses are claimed for the
 * decapsulation nodes ({@link LocalService}: a VXLAN UDP port while a tunnel uses it, GRE while an
 * NVGRE tunnel exists). What it registers (nodes, devices, local services) goes through
 * {@code register}, so that in OSGi it leaves with the bundle. The nodes join at {@link #start}:
 * after an update, the stored tunnels are made first, so that the core's swap window (held until the
 * bundle's nodes are back) closes on a graph whose tunnels are already there.
 */
public final class TunnelControl implements Tunnels, AutoCloseable {
    private final Consumer<Object> register;
    private final Consumer<Object> unregister;
    private final Interfaces interfaces;
    private final ToIntFunction<String> vrfId;
    private final Underlay underlay;
    private final Ip4Neighbours neighbours;
    private final List<PacketNode> encapNodes;
    private final List<PacketNode> decapNodes;
    /** ip4-vxlan-bypass: in the graph while started and an IPv4 VXLAN tunnel exists. */
    private final VxlanBypassNode bypass = new VxlanBypassNode(this);
    private boolean bypassRegistered;
    private final Map<String, TunnelConfig.Entry> tunnels = new LinkedHashMap<>();
    /** The local services claimed, by UDP port (0 for GRE). */
    private final Map<Integer, LocalService> claimed = new LinkedHashMap<>();
    private volatile TunnelConfig config = TunnelConfig.EMPTY;
    private int workers = 1;

    /** What the control needs of the dataplane: per-interface features, and which interfaces exist. */
    public interface Interfaces {
        void enableFeature(String node, String iface, boolean enabled);

        boolean exists(String iface);

        static Interfaces of(Dataplane d) {
            return new Interfaces() {
                @Override
                public void enableFeature(String node, String iface, boolean enabled) {
                    d.enableFeature(node, iface, enabled);
                }

                @Override
                public boolean exists(String iface) {
                    for (dev.junction.dataplane.InterfaceStatus i : d.interfaces()) {
                        if (i.name().equals(iface)) {
                            return true;
                        }
                    }
                    return false;
                }
            };
        }
    }

    /**
     * Where routing sends an address now ({@code Routing.resolve}): the underlay's next hop for a
     * tunnel's remote end, or null (no route) to let ip4-lookup decide per packet.
     */
    @FunctionalInterface
    public interface Underlay {
        Routing.AdjacencyEntry resolve(String vrf, String address);

        /**
         * Routing's IPv4 neighbours ({@code Routing.ip4Neighbours}): with them the encapsulation
         * node writes a resolved next hop's MAC itself and skips ip4-rewrite. Default: none, every
         * outer packet through ip4-rewrite.
         */
        default Ip4Neighbours neighbours() {
            return Ip4Neighbours.NONE;
        }

        /** No resolution: every outer packet through ip4-lookup. */
        Underlay LOOKUP = (vrf, address) -> null;

        /** Routing's own answers: {@code Routing.resolve} and {@code Routing.ip4Neighbours}. */
        static Underlay of(Routing routing) {
            Ip4Neighbours n = routing.ip4Neighbours();
            return new Underlay() {
                @Override
                public Routing.AdjacencyEntry resolve(String vrf, String address) {
                    return routing.resolve(vrf, address);
                }

                @Override
                public Ip4Neighbours neighbours() {
                    return n;
                }
            };
        }
    }

    /**
     * {@code vrfId} gives a VRF's number from its name, throwing IllegalArgumentException when there
     * is no such VRF (routing's {@code Routing.vrfs()}); with {@link Underlay#LOOKUP}.
     */
    public TunnelControl(Consumer<Object> register, Consumer<Object> unregister, Interfaces interfaces, ToIntFunction<String> vrfId) {
        this(register, unregister, interfaces, vrfId, Underlay.LOOKUP);
    }

    /**
     * As above; {@code underlay} resolves each IPv4 tunnel's remote end, again on each
     * {@link #routesChanged} of its VRF (a RouteListener's call).
     */
    public TunnelControl(Consumer<Object> register, Consumer<Object> unregister, Interfaces interfaces, ToIntFunction<String> vrfId,
            Underlay underlay) {
        this.register = register;
        this.unregister = unregister;
        this.interfaces = interfaces;
        this.vrfId = vrfId;
        this.underlay = Objects.requireNonNull(underlay, "underlay");
        this.neighbours = Objects.requireNonNull(underlay.neighbours(), "underlay neighbours");
        this.encapNodes = List.of(new VxlanEncapNode(this), new NvgreEncapNode(this));
        this.decapNodes = List.of(new VxlanDecapNode(this), new NvgreDecapNode(this));
    }

    public TunnelControl(Consumer<Object> register, Consumer<Object> unregister, Dataplane dataplane, ToIntFunction<String> vrfId) {
        this(register, unregister, Interfaces.of(dataplane), vrfId);
    }

    public TunnelControl(Consumer<Object> register, Consumer<Object> unregister, Dataplane dataplane, ToIntFunction<String> vrfId,
            Underlay underlay) {
        this(register, unregister, Interfaces.of(dataplane), vrfId, underlay);
    }

    /**
     * A VRF's routes changed (routing's RouteListener): its tunnels' next hops are resolved again,
     * and the nodes get a new configuration if one moved. Until then (routing's coalescing delay,
     * about 10 ms) the encapsulation node sends to the next hop it had.
     */
    public synchronized void routesChanged(String vrf) {
        boolean moved = false;
        for (TunnelConfig.Entry e : tunnels.values()) {
            if (e.settings().vrf().equals(vrf) && !Objects.equals(e.next(), nextHop(e.settings()))) {
                moved = true;
            }
        }
        if (moved) {
            publish();
        }
    }

    @Override
    public synchronized String underlay(String tunnel) {
        TunnelConfig.Entry e = tunnels.get(tunnel);
        if (e == null) {
            return null;
        }
        TunnelConfig.NextHop n = e.next();
        return n != null ? dev.junction.packet.Ipv4.format(n.address()) + " out of " + n.iface()
                : e.settings().ipv6() ? "ip6-lookup" : "ip4-lookup";
    }

    /** The single next hop routing gives an IPv4 tunnel's remote end, or null to look it up per packet. */
    private TunnelConfig.NextHop nextHop(TunnelSettings s) {
        if (s.ipv6()) {
            return null; // ip6-rewrite works from ip6-lookup's adjacency: IPv6 underlays keep the lookup
        }
        Routing.AdjacencyEntry a;
        try {
            a = underlay.resolve(s.vrf(), s.remote());
        } catch (IllegalArgumentException e) {
            return null; // the VRF went: the lookup per packet says what happens
        }
        if (a == null || a.family() != 4 || !"forward".equals(a.kind()) || a.iface() == null || a.iface().startsWith("#")) {
            return null; // no route, local, ECMP (the lookup hashes the flow) or steered: ip4-lookup decides
        }
        String via = a.via() != null ? a.via() : s.remote();
        return new TunnelConfig.NextHop(a.iface(), dev.junction.packet.Ipv4.parse(via));
    }

    /** The nodes join the graph. */
    public synchronized void start() {
        if (!started) {
            started = true;
            encapNodes.forEach(register);
            decapNodes.forEach(register);
            bypass();
        }
    }

    /**
     * ip4-vxlan-bypass joins the graph with the first IPv4 VXLAN tunnel and leaves with the last (or
     * at {@link #close}, before the node it feeds), so that routed traffic pays for it only where
     * VXLAN ends here.
     */
    private void bypass() {
        boolean wanted = started && config.anyVtep4();
        if (wanted != bypassRegistered) {
            bypassRegistered = wanted;
            (wanted ? register : unregister).accept(bypass);
        }
    }

    /** The nodes, as {@link #start} registers them (for a graph built by hand), ip4-vxlan-bypass last. */
    public List<PacketNode> nodes() {
        List<PacketNode> all = new ArrayList<>(encapNodes);
        all.addAll(decapNodes);
        all.add(bypass);
        return all;
    }

    private boolean started;

    /** Routing's IPv4 neighbours, for the encapsulation node's resolved next hops (asked once: no allocation per vector). */
    Ip4Neighbours neighbours() {
        return neighbours;
    }

    /** What the nodes read, once per vector. */
    public TunnelConfig config() {
        return config;
    }

    /** The nodes size their state for {@code count} workers: the devices' counters too. */
    synchronized void workers(int count) {
        if (count > workers) {
            workers = count;
            for (TunnelConfig.Entry e : tunnels.values()) {
                e.device().workers(count);
            }
        }
    }

    @Override
    public synchronized void tunnel(TunnelSettings s) {
        Objects.requireNonNull(s, "settings");
        int vrf = vrfId.applyAsInt(s.vrf());
        for (TunnelConfig.Entry e : tunnels.values()) {
            TunnelSettings o = e.settings();
            if (!o.name().equals(s.name()) && o.encapsulation().equals(s.encapsulation()) && o.vni() == s.vni()
                    && o.port() == s.port() && e.vrf() == vrf && same(o.local(), s.local()) && same(o.remote(), s.remote())) {
                throw new IllegalArgumentException("tunnel " + o.name() + " already carries " + s.encapsulation() + " id "
                        + s.vni() + " from " + s.local() + " to " + s.remote() + "; a receiver could not tell the two apart");
            }
        }
        if (!tunnels.containsKey(s.name()) && interfaceExists(s.name())) {
            throw new IllegalArgumentException("interface " + s.name() + " exists and is not a tunnel: choose another name");
        }
        TunnelConfig.Entry old = tunnels.get(s.name());
        if (old != null && old.settings().equals(s) && old.vrf() == vrf) {
            return; // as it runs (ConfigAdmin's delivery after the stored ones were applied at start)
        }
        if (old != null && old.settings().encapsulation().equals(s.encapsulation()) && old.settings().ipv6() == s.ipv6()) {
            old.device().mtu(s.effectiveMtu());
            tunnels.put(s.name(), new TunnelConfig.Entry(s, vrf, old.device()));
            publish();
            return;
        }
        if (old != null) {
            remove(s.name());
        }
        TunnelDevice d = new TunnelDevice(s, workers);
        tunnels.put(s.name(), new TunnelConfig.Entry(s, vrf, d));
        publish(); // the nodes know the tunnel before its interface appears
        interfaces.enableFeature(encapNode(s), s.name(), true);
        register.accept(d);
    }

    @Override
    public synchronized boolean remove(String name) {
        TunnelConfig.Entry e = tunnels.get(name);
        if (e == null) {
            return false;
        }
        unregister.accept(e.device());
        interfaces.enableFeature(encapNode(e.settings()), name, false);
        tunnels.remove(name);
        publish();
        return true;
    }

    @Override
    public synchronized List<TunnelStatus> tunnels() {
        List<TunnelStatus> out = new ArrayList<>();
        for (TunnelConfig.Entry e : tunnels.values()) {
            TunnelDevice d = e.device();
            out.add(new TunnelStatus(e.settings(), interfaceExists(e.settings().name()),
                    d.counter(TunnelDevice.RX_PACKETS), d.counter(TunnelDevice.RX_BYTES), d.counter(TunnelDevice.TX_PACKETS),
                    d.counter(TunnelDevice.TX_BYTES), d.counter(TunnelDevice.TOO_BIG)));
        }
        return out;
    }

    private boolean interfaceExists(String name) {
        return interfaces.exists(name);
    }

    /** The encapsulation node of a tunnel's kind. */
    static String encapNode(TunnelSettings s) {
        return TunnelSettings.VXLAN.equals(s.encapsulation()) ? VxlanEncapNode.NAME : NvgreEncapNode.NAME;
    }

    private static boolean same(String a, String b) {
        return java.net.InetAddress.ofLiteral(a).equals(java.net.InetAddress.ofLiteral(b));
    }

    /** A new config for the nodes, then the local services it needs claimed and those it no longer needs given back. */
    private void publish() {
        for (Map.Entry<String, TunnelConfig.Entry> e : tunnels.entrySet()) {
            e.setValue(e.getValue().withNext(nextHop(e.getValue().settings())));
        }
        config = new TunnelConfig(List.copyOf(tunnels.values()));
        bypass();
        Map<Integer, String> wanted = new LinkedHashMap<>();
        for (TunnelConfig.Entry e : tunnels.values()) {
            boolean vxlan = TunnelSettings.VXLAN.equals(e.settings().encapsulation());
            wanted.put(vxlan ? e.settings().port() : 0, vxlan ? VxlanDecapNode.NAME : NvgreDecapNode.NAME);
        }
        for (Integer port : new ArrayList<>(claimed.keySet())) {
            if (!wanted.containsKey(port)) {
                unregister.accept(claimed.remove(port));
            }
        }
        wanted.forEach((port, node) -> {
            if (!claimed.containsKey(port)) {
                LocalService s = port == 0 ? LocalService.of(LocalService.GRE, LocalService.ANY_PORT, node)
                        : LocalService.of(LocalService.UDP, port, node);
                claimed.put(port, s);
                register.accept(s);
            }
        });
    }

    /**
     * Everything goes. The decapsulation nodes leave first: the core opens its swap window (receiving
     * held) as a bundle's first node leaves, so during an update no frame meets a bridge whose tunnel
     * ports are gone; then the tunnels, their interfaces and claims; then the encapsulation nodes.
     */
    @Override
    public synchronized void close() {
        boolean was = started;
        started = false;
        bypass(); // it feeds vxlan-input: it leaves first
        if (was) {
            decapNodes.reversed().forEach(unregister);
        }
        for (String name : new ArrayList<>(tunnels.keySet())) {
            remove(name);
        }
        if (was) {
            encapNodes.reversed().forEach(unregister);
        }
    }
}
