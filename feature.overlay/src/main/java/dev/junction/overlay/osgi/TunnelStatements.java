package dev.junction.overlay.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.overlay.TunnelSettings;
import java.net.InetAddress;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The statements of the overlay: {@code vxlan NAME local=IP remote=IP vni=N [vrf=NAME] [port=N] [mtu=N]}
 * and {@code nvgre NAME local=IP remote=IP vsid=N [vrf=NAME] [mtu=N]}, each a tunnel interface NAME.
 * Checked whole by {@link TunnelSettings} (both addresses of one family, ids in range), so a bad one
 * is refused with the reason before it is stored. Stored as {@code junction.vxlan} and
 * {@code junction.nvgre} factory configurations.
 */
public final class TunnelStatements {
    public static final String VXLAN_PID = "junction.vxlan", NVGRE_PID = "junction.nvgre";

    private TunnelStatements() {
    }

    private static StatementSpec.Parser address() {
        return text -> {
            try {
                InetAddress.ofLiteral(text);
                return text;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("must be an IPv4 or IPv6 address (a.b.c.d or x:y::z), not " + text);
            }
        };
    }

    @Component(service = StatementType.class)
    public static final class Vxlan extends StatementSpec {
        public static final StatementSpec SPEC = new Vxlan();

        public Vxlan() {
            super(named(TunnelSettings.VXLAN, VXLAN_PID)
                    .key("local", "IP", "this end: one of Junction's addresses", address())
                    .key("remote", "IP", "the far tunnel end (VTEP)", address())
                    .key("vni", "N", "the VXLAN network identifier, 0 to 16777215", number(0, TunnelSettings.MAX_VNI))
                    .key("vrf", "NAME", "the VRF the outer packets are routed in", name("a VRF name"), "default")
                    .key("port", "N", "the UDP destination port", number(1, 65535), (long) TunnelSettings.VXLAN_PORT)
                    .key("mtu", "N", "the largest inner packet (0: 1500 less the encapsulation)", number(0, 9000), 0L)
                    .check((name, v) -> settings(TunnelSettings.VXLAN, name, v))
                    .order(0));
        }
    }

    @Component(service = StatementType.class)
    public static final class Nvgre extends StatementSpec {
        public static final StatementSpec SPEC = new Nvgre();

        public Nvgre() {
            super(named(TunnelSettings.NVGRE, NVGRE_PID)
                    .key("local", "IP", "this end: one of Junction's addresses", address())
                    .key("remote", "IP", "the far tunnel end", address())
                    .key("vsid", "N", "the virtual subnet id, 4096 to 16777214", number(TunnelSettings.MIN_VSID, TunnelSettings.MAX_VNI - 1))
                    .key("vrf", "NAME", "the VRF the outer packets are routed in", name("a VRF name"), "default")
                    .key("mtu", "N", "the largest inner packet (0: 1500 less the encapsulation)", number(0, 9000), 0L)
                    .check((name, v) -> settings(TunnelSettings.NVGRE, name, v))
                    .order(0));
        }
    }

    /** The tunnel a checked or stored statement says; throws with the reason for a bad one. */
    static TunnelSettings settings(String kind, String name, Map<String, Object> v) {
        for (String k : new String[] {"local", "remote", kind.equals(TunnelSettings.VXLAN) ? "vni" : "vsid"}) {
            if (v.get(k) == null) {
                throw new IllegalArgumentException("a " + kind + " statement needs " + k + "=");
            }
        }
        boolean vxlan = kind.equals(TunnelSettings.VXLAN);
        return new TunnelSettings(name, kind, v.get("local").toString(), v.get("remote").toString(),
                ((Number) v.get(vxlan ? "vni" : "vsid")).intValue(), v.get("vrf").toString(),
                vxlan ? ((Number) v.get("port")).intValue() : 0, ((Number) v.get("mtu")).intValue());
    }
}
