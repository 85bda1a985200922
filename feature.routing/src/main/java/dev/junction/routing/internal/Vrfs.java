package dev.junction.routing.internal;

/**
 * The routing tables by VRF: each VRF (0 is the default one) has its own IPv4 and IPv6 FIB and
 * adjacencies, so that tenants may use overlapping prefixes; each interface belongs to one VRF.
 * Neighbours are per interface, so one neighbour table per family serves every VRF. The control
 * thread publishes new arrays with one volatile write; workers read them without locks, once per
 * packet: {@code ip4(pool.vrf(b))}, the VRF that ip4-input, ip6-input and arp-input set from the
 * receiving interface.
 */
public final class Vrfs {
    /** Most VRFs, the default one included. */
    public static final int MAX = 64;
    public final NeighbourTable neighbours4 = new NeighbourTable();
    public final Ip6NeighbourTable neighbours6 = new Ip6NeighbourTable();
    /** Gratuitous ARP and unsolicited NA waiting for a worker to send them, from every VRF. */
    public final Announcements announcements = new Announcements();
    /** Other bundles' nodes that prefixes are steered to, the lookups' next nodes after their own. */
    public final SteerTargets steerTargets = new SteerTargets();
    /** Other bundles' services on the router's own addresses, ip4-local's and ip6-local's next nodes after their own. */
    public final LocalServices localServices = new LocalServices();
    private volatile Ip4Tables[] ip4 = {new Ip4Tables(neighbours4)};
    private volatile Ip6Tables[] ip6 = {new Ip6Tables(neighbours6)};
    private volatile int[] vrfOfInterface = new int[0];

    /** The IPv4 tables of a VRF; the default VRF's for an id that has none (a VRF just removed). */
    public Ip4Tables ip4(int vrf) {
        Ip4Tables[] a = ip4;
        Ip4Tables t = vrf > 0 && vrf < a.length ? a[vrf] : null;
        return t != null ? t : a[0];
    }

    public Ip6Tables ip6(int vrf) {
        Ip6Tables[] a = ip6;
        Ip6Tables t = vrf > 0 && vrf < a.length ? a[vrf] : null;
        return t != null ? t : a[0];
    }

    /** The VRF an interface belongs to (0, the default, unless bound to another). */
    public int ofInterface(int ifIndex) {
        int[] a = vrfOfInterface;
        return ifIndex >= 0 && ifIndex < a.length ? a[ifIndex] : 0;
    }

    /** Control path: gives VRF {@code id} tables (new ones) or none (null). */
    synchronized void tables(int id, Ip4Tables t4, Ip6Tables t6) {
        Ip4Tables[] a = java.util.Arrays.copyOf(ip4, Math.max(ip4.length, id + 1));
        Ip6Tables[] b = java.util.Arrays.copyOf(ip6, Math.max(ip6.length, id + 1));
        a[id] = t4;
        b[id] = t6;
        ip4 = a;
        ip6 = b;
    }

    /** Control path: publishes which VRF each interface belongs to. */
    void bindings(int[] vrfByInterface) {
        vrfOfInterface = vrfByInterface.clone();
    }
}
