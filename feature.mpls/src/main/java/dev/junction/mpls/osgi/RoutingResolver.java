package dev.junction.mpls.osgi;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.mpls.control.MplsControl;
import dev.junction.packet.Ipv4;
import dev.junction.packet.MacAddress;
import dev.junction.routing.Routing;

/**
 * Gateways resolved through routing's exported API: the default VRF's route to the gateway (which
 * must be a single forward adjacency), then the neighbour table's entry on that interface for the
 * route's gateway (or the address itself, on-link). A missing neighbour becomes an ARP wish sent
 * from the router's first IPv4 address on that interface.
 */
public final class RoutingResolver implements MplsControl.Resolver {
    private final Routing routing;
    private final Dataplane dataplane;

    public RoutingResolver(Routing routing, Dataplane dataplane) {
        this.routing = routing;
        this.dataplane = dataplane;
    }

    @Override
    public int vrfId(String vrf) {
        for (Routing.VrfEntry v : routing.vrfs()) {
            if (v.name().equals(vrf)) {
                return v.id();
            }
        }
        throw new IllegalArgumentException("no VRF " + vrf + " (make it with ip:vrf; the default VRF is 'default')");
    }

    @Override
    public long resolve(int gateway, int[] wish) {
        Routing.AdjacencyEntry a;
        try {
            a = routing.resolve("default", Ipv4.format(gateway));
        } catch (IllegalArgumentException e) {
            return -1;
        }
        if (a == null || !a.kind().equals("forward") || a.iface() == null) {
            return -1;
        }
        int target = a.via() == null ? gateway : Ipv4.parse(a.via());
        int ifIndex = -1;
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.name().equals(a.iface())) {
                ifIndex = s.index();
            }
        }
        if (ifIndex < 0) {
            return -1;
        }
        String address = Ipv4.format(target);
        for (Routing.NeighbourEntry n : routing.neighbours()) {
            if (n.iface().equals(a.iface()) && n.address().equals(address)) {
                return (long) ifIndex << 48 | MacAddress.parse(n.mac());
            }
        }
        for (Routing.AddressEntry ae : routing.addresses()) {
            if (ae.iface().equals(a.iface()) && !ae.cidr().contains(":")) {
                wish[0] = ifIndex;
                wish[1] = target;
                wish[2] = Ipv4.parse(ae.cidr().substring(0, ae.cidr().indexOf('/')));
                break;
            }
        }
        return -1;
    }

    @Override
    public int[] interfaceAddresses() {
        int max = -1;
        java.util.List<InterfaceStatus> ifs = dataplane.interfaces();
        for (InterfaceStatus s : ifs) {
            max = Math.max(max, s.index());
        }
        int[] out = new int[max + 1];
        java.util.List<Routing.AddressEntry> addresses = routing.addresses();
        for (InterfaceStatus s : ifs) {
            for (Routing.AddressEntry a : addresses) {
                if (a.iface().equals(s.name()) && !a.cidr().contains(":") && out[s.index()] == 0) {
                    out[s.index()] = Ipv4.parse(a.cidr().substring(0, a.cidr().indexOf('/')));
                }
            }
        }
        return out;
    }

    @Override
    public int[] interfaceVrfs() {
        java.util.List<InterfaceStatus> ifs = dataplane.interfaces();
        int max = -1;
        for (InterfaceStatus s : ifs) {
            max = Math.max(max, s.index());
        }
        int[] out = new int[max + 1];
        for (Routing.VrfEntry v : routing.vrfs()) {
            for (InterfaceStatus s : ifs) {
                if (v.interfaces().contains(s.name())) {
                    out[s.index()] = v.id();
                }
            }
        }
        return out;
    }

    @Override
    public String ifName(int ifIndex) {
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.index() == ifIndex) {
                return s.name();
            }
        }
        return "#" + ifIndex;
    }
}
