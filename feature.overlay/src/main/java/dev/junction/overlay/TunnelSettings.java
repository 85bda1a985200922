package dev.junction.overlay;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One point-to-point overlay tunnel, an interface named {@code name}: frames sent out of it are
 * encapsulated from {@code local} to {@code remote} (both IPv4 or both IPv6) with {@code vni} (the
 * VXLAN network identifier, or NVGRE's virtual subnet id), and routed in {@code vrf}; packets from
 * {@code remote} to {@code local} with that id come out of it. VXLAN uses UDP destination port
 * {@code port}; NVGRE has none (0). {@code mtu} is the largest inner layer-3 packet the tunnel
 * carries (its interface MTU; larger frames are dropped and counted, the outer packet is never
 * fragmented); 0 takes 1500 less the encapsulation (VXLAN 50 bytes over IPv4, 70 over IPv6; NVGRE 42
 * and 62), as Linux does. The constructor refuses a bad one with what is wrong and the right form.
 */
public record TunnelSettings(String name, String encapsulation, String local, String remote, int vni, String vrf,
        int port, int mtu) {
    public static final String VXLAN = "vxlan", NVGRE = "nvgre";
    /** IANA's VXLAN port (RFC 7348). */
    public static final int VXLAN_PORT = 4789;
    public static final int MAX_VNI = 0xFF_FFFF;
    /** NVGRE's VSIDs below this are reserved (RFC 7637 section 3.2), as is 0xFFFFFF. */
    public static final int MIN_VSID = 0x1000;

    public TunnelSettings {
        if (name == null || !name.matches("[A-Za-z][A-Za-z0-9_.-]{0,30}")) {
            throw new IllegalArgumentException("a tunnel's name is a letter then up to 30 letters, digits, '_', '.', '-', not " + name);
        }
        if (!VXLAN.equals(encapsulation) && !NVGRE.equals(encapsulation)) {
            throw new IllegalArgumentException("encapsulation is vxlan or nvgre, not " + encapsulation);
        }
        InetAddress l = address("local", local);
        InetAddress r = address("remote", remote);
        if ((l instanceof Inet4Address) != (r instanceof Inet4Address)) {
            throw new IllegalArgumentException("local " + local + " and remote " + remote + " must both be IPv4 or both IPv6");
        }
        if (r.isMulticastAddress() || r.isAnyLocalAddress() || l.isMulticastAddress() || l.isAnyLocalAddress()) {
            throw new IllegalArgumentException("local and remote must be unicast addresses (multicast underlays are not "
                    + "supported: replicate with one tunnel per remote VTEP in a split-horizon group)");
        }
        if (VXLAN.equals(encapsulation)) {
            if (vni < 0 || vni > MAX_VNI) {
                throw new IllegalArgumentException("a VXLAN VNI is 0 to " + MAX_VNI + ", not " + vni);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a VXLAN port is 1 to 65535 (default " + VXLAN_PORT + "), not " + port);
            }
        } else {
            if (vni < MIN_VSID || vni >= MAX_VNI) {
                throw new IllegalArgumentException("an NVGRE VSID is " + MIN_VSID + " to " + (MAX_VNI - 1)
                        + " (RFC 7637 reserves the others), not " + vni);
            }
            if (port != 0) {
                throw new IllegalArgumentException("NVGRE has no port (GRE, IP protocol 47)");
            }
        }
        if (vrf == null || vrf.isBlank()) {
            throw new IllegalArgumentException("a tunnel's underlay VRF must be named (default: default)");
        }
        int min = l instanceof Inet4Address ? 68 : 1280;
        if (mtu != 0 && (mtu < min || mtu > 9000)) {
            throw new IllegalArgumentException("a tunnel's mtu is " + min + " to 9000 (0: the default), not " + mtu);
        }
    }

    /** A VXLAN tunnel on port 4789 in the default VRF with the default MTU. */
    public static TunnelSettings vxlan(String name, String local, String remote, int vni) {
        return new TunnelSettings(name, VXLAN, local, remote, vni, "default", VXLAN_PORT, 0);
    }

    /** An NVGRE tunnel in the default VRF with the default MTU. */
    public static TunnelSettings nvgre(String name, String local, String remote, int vsid) {
        return new TunnelSettings(name, NVGRE, local, remote, vsid, "default", 0, 0);
    }

    public boolean ipv6() {
        return local.indexOf(':') >= 0;
    }

    /** Bytes the encapsulation adds in front of the inner frame, the outer Ethernet header included. */
    public int overhead() {
        return 14 + (ipv6() ? 40 : 20) + (VXLAN.equals(encapsulation) ? 16 : 8);
    }

    /** The MTU in effect: {@link #mtu()}, or 1500 less the encapsulation beyond Ethernet. */
    public int effectiveMtu() {
        return mtu != 0 ? mtu : 1500 - (overhead() - 14) - 14;
    }

    private static InetAddress address(String what, String text) {
        try {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("empty");
            }
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be an IPv4 or IPv6 address (a.b.c.d or x:y::z), not " + text);
        }
    }
}
