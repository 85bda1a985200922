package dev.junction.routing.internal;

import dev.junction.config.StatementType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The routing bundle's configuration statements:
 * {@code address NAME iface=IF ip=A.B.C.D/LEN} and {@code route NAME prefix=P/LEN [via=GW] [iface=IF]},
 * stored as factory configurations {@code junction.ip.address} and {@code junction.ip.route}. The
 * shell's {@code ip:address} and {@code ip:route} write the same configurations, so what is set by
 * hand survives restarts and updates of this bundle.
 */
final class RoutingStatements {
    static final String ADDRESS_PID = "junction.ip.address";
    static final String ROUTE_PID = "junction.ip.route";

    private RoutingStatements() {
    }

    /** The configuration name the shell gives an address: {@code IF-A.B.C.D-LEN}. */
    static String addressName(String iface, String cidr) {
        return iface + "-" + cidr.replace('/', '-');
    }

    /** The configuration name the shell gives a route: {@code r-A.B.C.D-LEN}. */
    static String routeName(String prefix) {
        return "r-" + prefix.replace('/', '-');
    }

    /** The configuration name of a route in a VRF other than the default: {@code r-VRF-PREFIX-LEN}. */
    static String routeName(String vrf, String prefix) {
        return vrf == null || vrf.equals(VrfControl.DEFAULT) ? routeName(prefix) : "r-" + vrf + "-" + prefix.replace('/', '-');
    }

    static final class Address implements StatementType {
        @Override
        public String kind() {
            return "address";
        }

        @Override
        public boolean named() {
            return true;
        }

        @Override
        public String pid() {
            return ADDRESS_PID;
        }

        @Override
        public Map<String, String> keys() {
            Map<String, String> k = new LinkedHashMap<>();
            k.put("iface", "the interface");
            k.put("ip", "the address and prefix length, e.g. 10.1.0.1/24 or 2001:db8:1::1/64");
            return k;
        }

        @Override
        public String usage() {
            return "address NAME iface=INTERFACE ip=A.B.C.D/LEN|X:Y::Z/LEN";
        }

        @Override
        public Map<String, Object> check(String name, Map<String, String> words) {
            String iface = words.get("iface");
            String ip = words.get("ip");
            if (iface == null || ip == null) {
                throw new IllegalArgumentException("address needs iface and ip; write: " + usage());
            }
            RoutingControl.checkAnyAddress(ip);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("iface", iface);
            out.put("ip", ip);
            return out;
        }

        @Override
        public int order(Map<String, Object> settings) {
            return 15; // after the devices, before traffic generators
        }
    }

    static final class Route implements StatementType {
        @Override
        public String kind() {
            return "route";
        }

        @Override
        public boolean named() {
            return true;
        }

        @Override
        public String pid() {
            return ROUTE_PID;
        }

        @Override
        public Map<String, String> keys() {
            Map<String, String> k = new LinkedHashMap<>();
            k.put("prefix", "destination, e.g. 10.2.0.0/16, 0.0.0.0/0 or 2001:db8::/32");
            k.put("via", "gateway address; several, comma-separated, for ECMP");
            k.put("iface", "output interface");
            k.put("vrf", "the VRF whose table gets the route (default: default)");
            return k;
        }

        @Override
        public String usage() {
            return "route NAME prefix=PREFIX/LEN [via=GATEWAY] [iface=INTERFACE] [vrf=VRF]";
        }

        @Override
        public Map<String, Object> check(String name, Map<String, String> words) {
            String prefix = words.get("prefix");
            if (prefix == null) {
                throw new IllegalArgumentException("route needs a prefix; write: " + usage());
            }
            RoutingControl.checkAnyPrefix(prefix);
            if (!words.containsKey("via") && !words.containsKey("iface")) {
                throw new IllegalArgumentException("route needs via or iface; write: " + usage());
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("prefix", prefix);
            if (words.containsKey("via")) {
                RoutingControl.checkGateway(prefix, words.get("via"));
                out.put("via", words.get("via"));
            }
            if (words.containsKey("iface")) {
                out.put("iface", words.get("iface"));
            }
            if (words.containsKey("vrf")) {
                VrfControl.checkName(words.get("vrf"));
                out.put("vrf", words.get("vrf"));
            }
            return out;
        }

        @Override
        public int order(Map<String, Object> settings) {
            return 16;
        }
    }

    static final String FPM_PID = "junction.fpm";
    static final String VRF_PID = "junction.ip.vrf";

    /**
     * {@code vrf NAME interfaces=IF[,IF...] [table=N]}: a VRF, the interfaces in it, and the kernel
     * routing table it stands for (whose routes FRR sends it over FPM); no two VRFs share a table.
     */
    static final class Vrf implements StatementType {
        @Override
        public String kind() {
            return "vrf";
        }

        @Override
        public boolean named() {
            return true;
        }

        @Override
        public String pid() {
            return VRF_PID;
        }

        @Override
        public Map<String, String> keys() {
            Map<String, String> k = new LinkedHashMap<>();
            k.put("interfaces", "the interfaces in this VRF, comma-separated (they leave the default VRF)");
            k.put("table", "the kernel routing table this VRF stands for, as in 'ip link add NAME type vrf table N':"
                    + " FRR's routes of that table come to it over FPM (1..4294967295 but 253, 254 and 255)");
            return k;
        }

        @Override
        public String usage() {
            return "vrf NAME interfaces=IF[,IF...] [table=N]";
        }

        @Override
        public java.util.Set<String> uniqueKeys() {
            return java.util.Set.of("table");
        }

        @Override
        public Map<String, Object> check(String name, Map<String, String> words) {
            VrfControl.checkName(name);
            if (VrfControl.DEFAULT.equals(name)) {
                throw new IllegalArgumentException("the default VRF holds every interface not bound to another; name another");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("interfaces", words.getOrDefault("interfaces", ""));
            if (words.containsKey("table")) {
                try {
                    out.put("table", VrfControl.parseTable(words.get("table")));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + "; write: " + usage());
                }
            }
            return out;
        }

        @Override
        public int order(Map<String, Object> settings) {
            return 14; // after the devices, before addresses
        }
    }

    /** Parses {@code ADDRESS:PORT} ({@code [V6]:PORT} for IPv6); throws saying what is wrong. */
    static java.net.InetSocketAddress listenAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("listen needs ADDRESS:PORT, like 127.0.0.1:2620, not '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535 in '" + text + "'");
        }
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.ofLiteral(host); // a literal only: never a name lookup
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + host + "' is not an IP address (no host names)");
        }
        return new java.net.InetSocketAddress(address, port);
    }

    /** {@code fpm listen=ADDRESS:PORT}: take routes from FRR's zebra over FPM. */
    static final class Fpm implements StatementType {
        @Override
        public String kind() {
            return "fpm";
        }

        @Override
        public boolean named() {
            return false;
        }

        @Override
        public String pid() {
            return FPM_PID;
        }

        @Override
        public Map<String, String> keys() {
            Map<String, String> k = new LinkedHashMap<>();
            k.put("listen", "address and port zebra connects to (its 'fpm address A port P'), e.g. 127.0.0.1:2620");
            return k;
        }

        @Override
        public String usage() {
            return "fpm listen=ADDRESS:PORT";
        }

        @Override
        public Map<String, Object> check(String name, Map<String, String> words) {
            String listen = words.get("listen");
            if (listen == null) {
                throw new IllegalArgumentException("fpm needs listen; write: " + usage());
            }
            listenAddress(listen);
            return new LinkedHashMap<>(Map.of("listen", listen));
        }

        @Override
        public int order(Map<String, Object> settings) {
            return 17;
        }
    }
}
