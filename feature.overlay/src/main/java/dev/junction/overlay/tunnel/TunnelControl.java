package dev.junction.overlay.tunnel;

import dev.junction.dataplane.Dataplane;
import dev.junction.graph.PacketNode;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.TunnelStatus;
import dev.junction.overlay.Tunnels;
import dev.junction.overlay.nvgre.NvgreDecapNode;
import dev.junction.overlay.nvgre.NvgreEncapNode;
import dev.junction.overlay.vxlan.VxlanDecapNode;
import dev.junction.overlay.vxlan.VxlanEncapNode;
import dev.junction.routing.LocalService;
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
 * {@code register}, so that in OSGi it leaves with the bundle.
 */
public final class TunnelControl implements Tunnels, AutoCloseable {
    private final Consumer<Object> register;
    private final Consumer<Object> unregister;
    private final Dataplane dataplane;
    private final ToIntFunction<String> vrfId;
    private final List<PacketNode> nodes;
    private final Map<String, TunnelConfig.Entry> tunnels = new LinkedHashMap<>();
    /** The local services claimed, by UDP port (0 for GRE). */
    private final Map<Integer, LocalService> claimed = new LinkedHashMap<>();
    private volatile TunnelConfig config = TunnelConfig.EMPTY;
    private int workers = 1;

    /**
     * {@code vrfId} gives a VRF's number from its name, throwing IllegalArgumentException when there
     * is no such VRF (routing's {@code Routing.vrfs()}).
     */
    public TunnelControl(Consumer<Object> register, Consumer<Object> unregister, Dataplane dataplane, ToIntFunction<String> vrfId) {
        this.register = register;
        this.unregister = unregister;
        this.dataplane = dataplane;
        this.vrfId = vrfId;
        this.nodes = List.of(new VxlanEncapNode(this), new NvgreEncapNode(this), new VxlanDecapNode(this),
                new NvgreDecapNode(this));
        nodes.forEach(register);
    }

    /** What the nodes read, once per vector. */
    TunnelConfig config() {
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
        if (dataplane.interfaces().indexOf(s.name()) >= 0 && !tunnels.containsKey(s.name())) {
            throw new IllegalArgumentException("interface " + s.name() + " exists and is not a tunnel: choose another name");
        }
        TunnelConfig.Entry old = tunnels.get(s.name());
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
        dataplane.enableFeature(encapNode(s), s.name(), true);
        register.accept(d);
    }

    @Override
    public synchronized boolean remove(String name) {
        TunnelConfig.Entry e = tunnels.get(name);
        if (e == null) {
            return false;
        }
        unregister.accept(e.device());
        dataplane.enableFeature(encapNode(e.settings()), name, false);
        tunnels.remove(name);
        publish();
        return true;
    }

    @Override
    public synchronized List<TunnelStatus> tunnels() {
        List<TunnelStatus> out = new ArrayList<>();
        for (TunnelConfig.Entry e : tunnels.values()) {
            TunnelDevice d = e.device();
            out.add(new TunnelStatus(e.settings(), dataplane.interfaces().indexOf(e.settings().name()) >= 0,
                    d.counter(TunnelDevice.RX_PACKETS), d.counter(TunnelDevice.RX_BYTES), d.counter(TunnelDevice.TX_PACKETS),
                    d.counter(TunnelDevice.TX_BYTES), d.counter(TunnelDevice.TOO_BIG)));
        }
        return out;
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
        config = new TunnelConfig(List.copyOf(tunnels.values()));
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

    /** Every tunnel, its interface and claims go; then the nodes. */
    @Override
    public synchronized void close() {
        for (String name : new ArrayList<>(tunnels.keySet())) {
            remove(name);
        }
        for (int i = nodes.size() - 1; i >= 0; i--) {
            unregister.accept(nodes.get(i));
        }
    }
}
