package dev.junction.routing.internal;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.routing.Routing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link Routing} service over VRFs: one {@link RoutingControl} per VRF, each with its own tables
 * in {@link Vrfs}. An interface belongs to one VRF (the default unless bound to another); its
 * addresses are applied in that VRF's control, and move with it when it is bound elsewhere. Routes
 * name their VRF. Synchronized: one change at a time.
 */
public final class VrfControl implements Routing {
    public static final String DEFAULT = "default";
    private final Vrfs vrfs;
    private final Dataplane dataplane;
    private final Map<String, Integer> ids = new TreeMap<>();
    private final Map<Integer, RoutingControl> controls = new TreeMap<>();
    /** Interface name to VRF name, for interfaces not in the default VRF. */
    private final Map<String, String> bindings = new TreeMap<>();
    /** Every configured address, by interface: re-applied in the right VRF when bindings change. */
    private final Map<String, List<String>> addresses = new LinkedHashMap<>();

    public VrfControl(Vrfs vrfs, Dataplane dataplane) {
        this.vrfs = vrfs;
        this.dataplane = dataplane;
        ids.put(DEFAULT, 0);
        controls.put(0, new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), dataplane, vrfs.announcements));
    }

    /** The default VRF's control: FPM and table loads feed it. */
    public RoutingControl defaultControl() {
        return controls.get(0);
    }

    static void checkName(String vrf) {
        if (vrf == null || !vrf.matches("[A-Za-z][A-Za-z0-9_-]{0,31}")) {
            throw new IllegalArgumentException("a VRF name is a letter then up to 31 letters, digits, - or _, not '" + vrf + "'");
        }
    }

    /** The control of a VRF that exists; throws naming the VRFs there are. */
    public synchronized RoutingControl control(String vrf) {
        Integer id = ids.get(vrf == null ? DEFAULT : vrf);
        if (id == null) {
            throw new IllegalArgumentException("no VRF named '" + vrf + "' (there are: " + String.join(", ", ids.keySet())
                    + "; make one with ip:vrf)");
        }
        return controls.get(id);
    }

    private RoutingControl controlOfInterface(String iface) {
        return controls.get(ids.get(bindings.getOrDefault(iface, DEFAULT)));
    }

    // ---- addresses: applied in the VRF of their interface ----

    @Override
    public synchronized void addAddress(String iface, String cidr) {
        controlOfInterface(iface).addAddress(iface, cidr);
        addresses.computeIfAbsent(iface, k -> new ArrayList<>()).add(cidr);
    }

    /** From configuration: the interface may appear later. */
    synchronized void addConfiguredAddress(String iface, String cidr) {
        controlOfInterface(iface).addConfiguredAddress(iface, cidr);
        addresses.computeIfAbsent(iface, k -> new ArrayList<>()).add(cidr);
    }

    @Override
    public synchronized void removeAddress(String iface, String cidr) {
        controlOfInterface(iface).removeAddress(iface, cidr);
        List<String> list = addresses.get(iface);
        if (list != null) {
            list.remove(cidr);
        }
    }

    // ---- routes ----

    @Override
    public void addRoute(String prefix, String via, String iface) {
        addRoute(DEFAULT, prefix, via, iface);
    }

    @Override
    public synchronized void addRoute(String vrf, String prefix, String via, String iface) {
        RoutingControl c = control(vrf);
        if (iface != null) {
            requireIn(vrf, iface);
        }
        c.addRoute(prefix, via, iface);
    }

    /** From configuration: a VRF or interface it names may appear later (then it waits). */
    synchronized void addConfiguredRoute(String vrf, String prefix, String via, String iface) {
        String name = vrf == null ? DEFAULT : vrf;
        if (!ids.containsKey(name)) {
            define(name);
        }
        control(name).addConfiguredRoute(prefix, via, iface);
    }

    private void requireIn(String vrf, String iface) {
        String in = bindings.getOrDefault(iface, DEFAULT);
        if (!in.equals(vrf == null ? DEFAULT : vrf)) {
            throw new IllegalArgumentException("interface " + iface + " is in VRF " + in + ", not " + vrf);
        }
    }

    @Override
    public void removeRoute(String prefix) {
        removeRoute(DEFAULT, prefix);
    }

    @Override
    public synchronized void removeRoute(String vrf, String prefix) {
        control(vrf).removeRoute(prefix);
    }

    @Override
    public List<RouteEntry> routes() {
        return routes(DEFAULT);
    }

    @Override
    public synchronized List<RouteEntry> routes(String vrf) {
        return control(vrf).routes();
    }

    @Override
    public synchronized List<AddressEntry> addresses() {
        List<AddressEntry> out = new ArrayList<>();
        for (RoutingControl c : controls.values()) {
            out.addAll(c.addresses());
        }
        return out;
    }

    @Override
    public synchronized List<NeighbourEntry> neighbours() {
        return defaultControl().neighbours(); // neighbours are per interface: one table for all VRFs
    }

    @Override
    public synchronized List<Routing.EcmpGroup> ecmpGroups(String vrf) {
        return control(vrf).ecmpGroups();
    }

    @Override
    public synchronized int announce(String iface) {
        int index = -1;
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.name().equals(iface)) {
                index = s.index();
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException("no interface named '" + iface + "' (see interface:list)");
        }
        int count = 0;
        for (AddressEntry a : addresses()) {
            if (!a.iface().equals(iface)) {
                continue;
            }
            String address = a.cidr().substring(0, a.cidr().indexOf('/'));
            boolean queued;
            if (Ip6Control.isIpv6(address)) {
                dev.junction.routing.fib.Ipv6Prefix p = Ip6Control.address(address);
                queued = vrfs.announcements.announce6(index, p.high(), p.low());
            } else {
                queued = vrfs.announcements.announce4(index, dev.junction.packet.Ipv4.parse(address));
            }
            if (!queued) {
                throw new IllegalArgumentException("announcements are queued for " + Announcements.CAPACITY
                        + " addresses already; try again in " + Announcements.REPEATS + " s");
            }
            count++;
        }
        if (count == 0) {
            throw new IllegalArgumentException(iface + " has no addresses to announce (see ip:addresses)");
        }
        return count;
    }

    // ---- VRFs ----

    /** Makes a VRF with empty tables; returns its id. */
    private int define(String vrf) {
        checkName(vrf);
        Integer id = ids.get(vrf);
        if (id != null) {
            return id;
        }
        int next = 1;
        while (controls.containsKey(next)) {
            next++;
        }
        if (next >= Vrfs.MAX) {
            throw new IllegalArgumentException("at most " + (Vrfs.MAX - 1) + " VRFs besides the default one");
        }
        Ip4Tables t4 = new Ip4Tables(vrfs.neighbours4, true); // a VRF's table grows with its routes
        Ip6Tables t6 = new Ip6Tables(vrfs.neighbours6);
        vrfs.tables(next, t4, t6);
        ids.put(vrf, next);
        controls.put(next, new RoutingControl(t4, t6, dataplane, vrfs.announcements));
        return next;
    }

    @Override
    public synchronized void bindVrf(String vrf, List<String> interfaces) {
        checkName(vrf);
        define(vrf);
        for (String iface : interfaces) {
            String from = bindings.getOrDefault(iface, DEFAULT);
            if (from.equals(vrf)) {
                continue;
            }
            // The interface's addresses leave the old VRF's tables and join the new one's.
            List<String> addrs = addresses.getOrDefault(iface, List.of());
            RoutingControl old = controls.get(ids.get(from));
            for (String a : addrs) {
                try {
                    old.removeAddress(iface, a);
                } catch (IllegalArgumentException gone) {
                    // not applied there (refused earlier): nothing to move
                }
            }
            if (vrf.equals(DEFAULT)) {
                bindings.remove(iface);
            } else {
                bindings.put(iface, vrf);
            }
            RoutingControl now = controls.get(ids.get(vrf));
            for (String a : addrs) {
                now.addConfiguredAddress(iface, a);
            }
        }
        publishBindings();
    }

    @Override
    public synchronized void removeVrf(String vrf) {
        if (DEFAULT.equals(vrf)) {
            throw new IllegalArgumentException("the default VRF cannot be removed");
        }
        Integer id = ids.get(vrf);
        if (id == null) {
            throw new IllegalArgumentException("no VRF named '" + vrf + "' (see ip:vrfs)");
        }
        List<String> members = new ArrayList<>();
        bindings.forEach((iface, v) -> {
            if (v.equals(vrf)) {
                members.add(iface);
            }
        });
        bindVrf(DEFAULT, members);
        ids.remove(vrf);
        controls.remove(id);
        vrfs.tables(id, null, null);
    }

    @Override
    public synchronized List<VrfEntry> vrfs() {
        List<VrfEntry> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            List<String> members = new ArrayList<>();
            if (e.getKey().equals(DEFAULT)) {
                for (InterfaceStatus s : dataplane.interfaces()) {
                    if (!bindings.containsKey(s.name())) {
                        members.add(s.name());
                    }
                }
            } else {
                bindings.forEach((iface, v) -> {
                    if (v.equals(e.getKey())) {
                        members.add(iface);
                    }
                });
            }
            out.add(new VrfEntry(e.getKey(), e.getValue(), members, controls.get(e.getValue()).routes().size()));
        }
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }

    /** Interface indexes change as devices come and go: publish the VRF of each index again. */
    private void publishBindings() {
        List<InterfaceStatus> ifs = dataplane.interfaces(); // one snapshot
        int size = 0;
        for (InterfaceStatus s : ifs) {
            size = Math.max(size, s.index() + 1);
        }
        int[] byIndex = new int[size];
        for (InterfaceStatus s : ifs) {
            String v = bindings.get(s.name());
            byIndex[s.index()] = v == null ? 0 : ids.get(v);
        }
        vrfs.bindings(byIndex);
    }

    /** The interfaces changed (the graph's epoch moved): bindings and every VRF's FIB follow. */
    public synchronized void refresh() {
        publishBindings();
        for (RoutingControl c : controls.values()) {
            c.refresh();
        }
    }

    public synchronized void maintain() {
        for (RoutingControl c : controls.values()) {
            c.maintain();
        }
    }
}
