package dev.junction.overlay.e2e;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.NetDevice;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.graph.PacketNode;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.overlay.tunnel.TunnelControl;
import dev.junction.routing.LocalService;
import dev.junction.routing.internal.RoutingControl;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.Vrfs;
import java.util.ArrayList;
import java.util.List;

/**
 * Junction as the overlay tests run it, without OSGi: one worker, routing's nodes and control, the
 * bridge control of feature.l2 and the tunnel control of this bundle, AF_PACKET devices on the links
 * the test made. What the controls register goes where the OSGi bundles would put it: nodes into the
 * graph, devices into the engine, local services into routing's table.
 */
final class OverlayRig implements AutoCloseable {
    final Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
    final Vrfs vrfs = new Vrfs();
    final RoutingControl routing;
    final BridgeControl bridges;
    final TunnelControl tunnels;
    /** BVIs of feature.l2, their MTU following their domain's ports (told of interface changes). */
    final dev.junction.l2.bvi.BviControl bvis;
    private final List<AfPacketDevice> devices = new ArrayList<>();

    OverlayRig() {
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "routing");
        }
        routing = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine, vrfs.announcements);
        bridges = new BridgeControl(s -> engine.register(s, "l2"), engine::unregister);
        tunnels = new TunnelControl(this::register, this::unregister, engine, vrf -> {
            if (!vrf.equals("default")) {
                throw new IllegalArgumentException("no VRF " + vrf);
            }
            return 0;
        }, new TunnelControl.Underlay() {
            @Override
            public dev.junction.routing.Routing.AdjacencyEntry resolve(String vrf, String address) {
                return routing.resolve(address);
            }

            @Override
            public dev.junction.routing.Ip4Neighbours neighbours() {
                return vrfs.neighbours4::lookup; // what Routing.ip4Neighbours gives in OSGi
            }
        });
        tunnels.start();
        bvis = new dev.junction.l2.bvi.BviControl(bridges, engine::addDevice, engine::removeDevice);
        engine.addInterfaceListener(bvis);
    }

    void device(String name, String link) {
        AfPacketDevice d = new AfPacketDevice(name, link);
        devices.add(d);
        engine.addDevice(d);
    }

    private void register(Object s) {
        switch (s) {
            case NetDevice d -> engine.addDevice(d);
            case LocalService l -> vrfs.localServices.add(l, this::refreshLocal);
            default -> engine.register(s, "overlay");
        }
    }

    private void unregister(Object s) {
        switch (s) {
            case NetDevice d -> engine.removeDevice(d);
            case LocalService l -> vrfs.localServices.remove(l, this::refreshLocal);
            default -> engine.unregister(s);
        }
    }

    private void refreshLocal() {
        for (String n : List.of("ip4-local", "ip6-local")) {
            engine.refreshNext(n);
        }
    }

    long drops(String node, String reasonStart) {
        long n = 0;
        for (DropCount d : engine.drops()) {
            if (d.node().equals(node) && d.reason().startsWith(reasonStart)) {
                n += d.count();
            }
        }
        return n;
    }

    String state() {
        StringBuilder sb = new StringBuilder("\n");
        for (DropCount d : engine.drops()) {
            sb.append(d.node()).append(": ").append(d.reason()).append(" = ").append(d.count()).append('\n');
        }
        for (InterfaceStatus s : engine.interfaces()) {
            sb.append(s.name()).append(' ').append(s.counters()).append('\n');
        }
        sb.append(tunnels.tunnels()).append('\n').append(bridges.macs()).append('\n');
        return sb.toString();
    }

    @Override
    public void close() {
        engine.removeInterfaceListener(bvis);
        bvis.close();
        tunnels.close();
        bridges.close();
        engine.close();
        for (AfPacketDevice d : devices) {
            d.close();
        }
    }
}
