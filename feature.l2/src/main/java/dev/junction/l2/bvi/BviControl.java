package dev.junction.l2.bvi;

import dev.junction.dataplane.InterfaceListener;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.NetDevice;
import dev.junction.l2.BridgeStatus;
import dev.junction.l2.Bridges;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Routed interfaces in bridges (BVIs): for {@code bvi NAME bridge=B}, a patch pair whose end
 * {@code NAME} is an ordinary layer-3 interface (routing gives it addresses, answers ARP and ND on
 * it) and whose end {@code NAME-br} is a port of B, with NAME's MAC static on it. Hosts on the
 * bridge reach NAME's addresses, and through routing every other subnet. A BVI's MTU is the smallest
 * of its domain's other ports (a VXLAN tunnel's 1450, say), so that a routed packet too big for one
 * of them is fragmented, or answered with ICMP frag-needed / packet-too-big, by routing before it
 * enters the bridge, as a router's would; 1500 when the domain has no other port. Control path.
 */
public final class BviControl implements AutoCloseable, InterfaceListener {
    /** A BVI as made: its two ends and where it is. */
    private record Bvi(PatchEnd routed, PatchEnd port, String bridge, long mac) {
    }

    private final Bridges bridges;
    private final Consumer<NetDevice> addDevice;
    private final Consumer<NetDevice> removeDevice;
    private final Map<String, Bvi> bvis = new LinkedHashMap<>();
    /** The interfaces' MTUs, by name, as last told. */
    private Map<String, Integer> mtus = Map.of();

    public BviControl(Bridges bridges, Consumer<NetDevice> addDevice, Consumer<NetDevice> removeDevice) {
        this.bridges = bridges;
        this.addDevice = addDevice;
        this.removeDevice = removeDevice;
    }

    /** The bridge-side port name of BVI {@code name}. */
    public static String portName(String name) {
        return name + "-br";
    }

    /** Makes BVI {@code name} in {@code bridge} with MAC {@code mac}, or moves it there. */
    public synchronized void bvi(String name, String bridge, long mac) {
        if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
            throw new IllegalArgumentException("a BVI's MAC must be a unicast address");
        }
        Bvi old = bvis.get(name);
        if (old != null && old.mac() == mac) {
            if (!old.bridge().equals(bridge)) {
                bridges.removeStaticMac(old.bridge(), mac);
                bridges.port(portName(name), bridge, 0);
                bridges.staticMac(bridge, mac, portName(name));
                bvis.put(name, new Bvi(old.routed(), old.port(), bridge, mac));
            }
            return;
        }
        if (old != null) {
            remove(name);
        }
        bridges.port(portName(name), bridge, 0); // refused here when the domain does not exist
        PatchEnd[] ends = PatchEnd.pair(name, mac, portName(name), mac ^ 0x0000_0000_0001L);
        addDevice.accept(ends[1]);
        addDevice.accept(ends[0]);
        bridges.staticMac(bridge, mac, portName(name));
        bvis.put(name, new Bvi(ends[0], ends[1], bridge, mac));
        refreshMtus();
    }

    @Override
    public synchronized void interfacesChanged(List<InterfaceStatus> interfaces) {
        Map<String, Integer> m = new HashMap<>();
        for (InterfaceStatus s : interfaces) {
            m.put(s.name(), s.mtu());
        }
        mtus = m;
        refreshMtus();
    }

    /** Each BVI's MTU: the smallest of its domain's other ports that exist, 1500 when there are none. */
    public synchronized void refreshMtus() {
        if (bvis.isEmpty()) {
            return;
        }
        Map<String, BridgeStatus> domains = new HashMap<>();
        for (BridgeStatus s : bridges.domains()) {
            domains.put(s.settings().name(), s);
        }
        for (Map.Entry<String, Bvi> e : bvis.entrySet()) {
            Bvi b = e.getValue();
            BridgeStatus d = domains.get(b.bridge());
            int mtu = Integer.MAX_VALUE;
            if (d != null) {
                for (String port : d.ports().keySet()) {
                    Integer m = mtus.get(port);
                    if (m != null && !port.equals(portName(e.getKey()))) {
                        mtu = Math.min(mtu, m);
                    }
                }
            }
            mtu = mtu == Integer.MAX_VALUE ? PatchEnd.DEFAULT_MTU : mtu;
            b.routed().mtu(mtu);
            b.port().mtu(mtu);
        }
    }

    /** The MTU BVI {@code name} has now, -1 if there is none. */
    public synchronized int mtu(String name) {
        Bvi b = bvis.get(name);
        return b == null ? -1 : b.routed().mtu();
    }

    /** Takes BVI {@code name} away: its interfaces and its port; whether there was one. */
    public synchronized boolean remove(String name) {
        Bvi b = bvis.remove(name);
        if (b == null) {
            return false;
        }
        bridges.removeStaticMac(b.bridge(), b.mac());
        bridges.removePort(portName(name));
        removeDevice.accept(b.routed());
        removeDevice.accept(b.port());
        return true;
    }

    @Override
    public synchronized void close() {
        for (String name : bvis.keySet().toArray(String[]::new)) {
            remove(name);
        }
    }
}
