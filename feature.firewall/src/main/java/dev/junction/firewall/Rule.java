package dev.junction.firewall;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One rule of a rule set. Of the rules that match a packet the one with the lowest {@code priority}
 * wins; among equal priorities the earlier in its rule set. A packet no rule matches is denied.
 *
 * @param priority 0 and up, lower first
 * @param action what a match does
 * @param family 4 or 6, or 0 for a rule of both families (no prefixes, no ICMP)
 * @param source source prefix, or null for any
 * @param destination destination prefix, or null for any
 * @param protocol IP protocol (IPv6: the upper-layer header), or -1 for any
 * @param sourcePortLow first source port (TCP, UDP, SCTP), 0 for any
 * @param sourcePortHigh last source port, 65535 for any
 * @param destinationPortLow first destination port
 * @param destinationPortHigh last destination port
 * @param icmpType ICMP (ICMPv6) type, or -1 for any
 * @param icmpCode ICMP (ICMPv6) code, or -1 for any
 * @param tcpFlags the TCP flags wanted under {@code tcpMask} (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20)
 * @param tcpMask the TCP flags looked at, 0 for any
 * @param fragment which packets by fragmentation: a later fragment has no ports, flags or ICMP type
 */
public record Rule(int priority, Action action, int family, Prefix source, Prefix destination, int protocol,
                   int sourcePortLow, int sourcePortHigh, int destinationPortLow, int destinationPortHigh,
                   int icmpType, int icmpCode, int tcpFlags, int tcpMask, Fragment fragment) {

    public static final int TCP = 6, UDP = 17, ICMP = 1, ICMP6 = 58, SCTP = 132;

    /** Which packets a rule matches by fragmentation. */
    public enum Fragment {
        /** Every packet. */
        ANY("any"),
        /** Only later fragments (fragment offset not zero), which carry no transport header. */
        YES("yes"),
        /** Only packets that are not later fragments (whole packets and first fragments). */
        NO("no");

        private final String text;

        Fragment(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** The form of a rule in statements and commands. */
    public static final String USAGE = "priority=N action=permit|deny|permit+track [family=ip4|ip6] [src=PREFIX] [dst=PREFIX] "
            + "[proto=tcp|udp|sctp|icmp|icmp6|N] [sport=N|N-M] [dport=N|N-M] [icmp-type=N] [icmp-code=N] "
            + "[flags=FLAG,...[/FLAG,...]] [fragment=yes|no]";

    public Rule {
        if (priority < 0) {
            throw new IllegalArgumentException("priority " + priority + " is negative");
        }
        if (action == null) {
            throw new IllegalArgumentException("a rule needs action=permit|deny|permit+track");
        }
        if (fragment == null) {
            fragment = Fragment.ANY;
        }
        if (source != null && destination != null && source.family() != destination.family()) {
            throw new IllegalArgumentException("src " + source + " and dst " + destination + " are of two families");
        }
        int f = source != null ? source.family() : destination != null ? destination.family() : 0;
        if (family == 0) {
            family = f;
        } else if (family != 4 && family != 6) {
            throw new IllegalArgumentException("family must be ip4 or ip6");
        } else if (f != 0 && f != family) {
            throw new IllegalArgumentException("prefixes are IPv" + f + " but family is ip" + family);
        }
        if (protocol < -1 || protocol > 255) {
            throw new IllegalArgumentException("proto " + protocol + " is not 0..255");
        }
        if (protocol == ICMP && family == 6 || protocol == ICMP6 && family == 4) {
            throw new IllegalArgumentException("proto=icmp is IPv4's and icmp6 IPv6's: one of them with family="
                    + (family == 4 ? "ip4" : "ip6"));
        }
        if ((protocol == ICMP || protocol == ICMP6) && family == 0) {
            throw new IllegalArgumentException("proto=" + (protocol == ICMP ? "icmp" : "icmp6") + " needs family=ip"
                    + (protocol == ICMP ? "4" : "6") + " or a prefix");
        }
        boolean ports = sourcePortLow != 0 || sourcePortHigh != 65535 || destinationPortLow != 0 || destinationPortHigh != 65535;
        checkRange("sport", sourcePortLow, sourcePortHigh);
        checkRange("dport", destinationPortLow, destinationPortHigh);
        if (ports && protocol != TCP && protocol != UDP && protocol != SCTP) {
            throw new IllegalArgumentException("sport/dport need proto=tcp, udp or sctp");
        }
        if ((icmpType != -1 || icmpCode != -1) && protocol != ICMP && protocol != ICMP6) {
            throw new IllegalArgumentException("icmp-type/icmp-code need proto=icmp or icmp6");
        }
        if (icmpType < -1 || icmpType > 255 || icmpCode < -1 || icmpCode > 255) {
            throw new IllegalArgumentException("icmp-type and icmp-code are 0..255");
        }
        if ((tcpMask & ~0xff) != 0 || (tcpFlags & ~tcpMask) != 0) {
            throw new IllegalArgumentException("flags: the wanted flags must be among the flags looked at (flags=syn/syn,ack)");
        }
        if (tcpMask != 0 && protocol != TCP) {
            throw new IllegalArgumentException("flags need proto=tcp");
        }
        if (fragment == Fragment.YES && (ports || icmpType != -1 || icmpCode != -1 || tcpMask != 0)) {
            throw new IllegalArgumentException("fragment=yes matches later fragments, which have no ports, flags or ICMP type");
        }
    }

    private static void checkRange(String name, int low, int high) {
        if (low < 0 || high > 65535 || low > high) {
            throw new IllegalArgumentException(name + " " + low + "-" + high + " is not a range within 0-65535");
        }
    }

    /** Whether the rule looks at the transport header (ports, ICMP type or code, TCP flags). */
    public boolean needsTransport() {
        return sourcePortLow != 0 || sourcePortHigh != 65535 || destinationPortLow != 0 || destinationPortHigh != 65535
                || icmpType != -1 || icmpCode != -1 || tcpMask != 0;
    }

    /** A rule from its words ({@link #USAGE}); a bad word is refused with the reason. */
    public static Rule parse(String text) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String w : text.trim().split("\\s+")) {
            if (w.isEmpty()) {
                continue;
            }
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + w + "' is not KEY=VALUE; a rule is " + USAGE);
            }
            if (kv.put(w.substring(0, eq), w.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("'" + w.substring(0, eq) + "' given twice");
            }
        }
        return of(kv);
    }

    /** A rule from its key/value words. */
    public static Rule of(Map<String, String> kv) {
        int priority = -1, family = 0, protocol = -1, sl = 0, sh = 65535, dl = 0, dh = 65535, type = -1, code = -1;
        int flags = 0, mask = 0;
        Action action = null;
        Prefix src = null, dst = null;
        Fragment fragment = Fragment.ANY;
        for (Map.Entry<String, String> e : kv.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "priority" -> priority = number("priority", v, 0, Integer.MAX_VALUE);
                case "action" -> action = Action.parse(v);
                case "family" -> family = switch (v) {
                    case "ip4", "ipv4", "4" -> 4;
                    case "ip6", "ipv6", "6" -> 6;
                    default -> throw new IllegalArgumentException("family '" + v + "' is not ip4 or ip6");
                };
                case "src" -> src = Prefix.parse(v);
                case "dst" -> dst = Prefix.parse(v);
                case "proto" -> protocol = switch (v) {
                    case "tcp" -> TCP;
                    case "udp" -> UDP;
                    case "sctp" -> SCTP;
                    case "icmp" -> ICMP;
                    case "icmp6", "ipv6-icmp" -> ICMP6;
                    case "any" -> -1;
                    default -> number("proto (tcp, udp, sctp, icmp, icmp6 or 0..255)", v, 0, 255);
                };
                case "sport" -> {
                    int[] r = range("sport", v);
                    sl = r[0];
                    sh = r[1];
                }
                case "dport" -> {
                    int[] r = range("dport", v);
                    dl = r[0];
                    dh = r[1];
                }
                case "icmp-type" -> type = number("icmp-type", v, 0, 255);
                case "icmp-code" -> code = number("icmp-code", v, 0, 255);
                case "flags" -> {
                    int slash = v.indexOf('/');
                    flags = flagBits(slash < 0 ? v : v.substring(0, slash));
                    mask = slash < 0 ? flags : flagBits(v.substring(slash + 1));
                }
                case "fragment" -> fragment = switch (v) {
                    case "yes" -> Fragment.YES;
                    case "no" -> Fragment.NO;
                    case "any" -> Fragment.ANY;
                    default -> throw new IllegalArgumentException("fragment '" + v + "' is not yes, no or any");
                };
                default -> throw new IllegalArgumentException("unknown key '" + e.getKey() + "'; a rule is " + USAGE);
            }
        }
        if (priority < 0) {
            throw new IllegalArgumentException("a rule needs priority=N (lower wins); a rule is " + USAGE);
        }
        return new Rule(priority, action, family, src, dst, protocol, sl, sh, dl, dh, type, code, flags, mask, fragment);
    }

    private static final String[] FLAGS = {"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"};

    private static int flagBits(String list) {
        int bits = 0;
        if (list.isEmpty()) {
            return 0; // flags=/syn: SYN clear
        }
        for (String f : list.split(",")) {
            int i = java.util.Arrays.asList(FLAGS).indexOf(f);
            if (i < 0) {
                throw new IllegalArgumentException("TCP flag '" + f + "' is not one of " + String.join(",", FLAGS)
                        + " (flags=syn/syn,ack: SYN set and ACK clear)");
            }
            bits |= 1 << i;
        }
        return bits;
    }

    private static String flagNames(int bits) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if ((bits & 1 << i) != 0) {
                b.append(b.isEmpty() ? "" : ",").append(FLAGS[i]);
            }
        }
        return b.toString();
    }

    private static int number(String what, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(what + " '" + v + "' is not a number in " + min + ".." + max);
    }

    private static int[] range(String what, String v) {
        int dash = v.indexOf('-');
        int lo = number(what, dash < 0 ? v : v.substring(0, dash), 0, 65535);
        int hi = dash < 0 ? lo : number(what, v.substring(dash + 1), 0, 65535);
        if (lo > hi) {
            throw new IllegalArgumentException(what + " " + v + ": the first port is above the last");
        }
        return new int[] {lo, hi};
    }

    /** The rule in the words {@link #parse} reads. */
    public String text() {
        StringBuilder b = new StringBuilder("priority=").append(priority).append(" action=").append(action.text());
        if (family != 0 && source == null && destination == null) {
            b.append(" family=ip").append(family);
        }
        if (source != null) {
            b.append(" src=").append(source);
        }
        if (destination != null) {
            b.append(" dst=").append(destination);
        }
        if (protocol >= 0) {
            b.append(" proto=").append(switch (protocol) {
                case TCP -> "tcp";
                case UDP -> "udp";
                case SCTP -> "sctp";
                case ICMP -> "icmp";
                case ICMP6 -> "icmp6";
                default -> Integer.toString(protocol);
            });
        }
        if (sourcePortLow != 0 || sourcePortHigh != 65535) {
            b.append(" sport=").append(sourcePortLow).append(sourcePortLow == sourcePortHigh ? "" : "-" + sourcePortHigh);
        }
        if (destinationPortLow != 0 || destinationPortHigh != 65535) {
            b.append(" dport=").append(destinationPortLow)
                    .append(destinationPortLow == destinationPortHigh ? "" : "-" + destinationPortHigh);
        }
        if (icmpType >= 0) {
            b.append(" icmp-type=").append(icmpType);
        }
        if (icmpCode >= 0) {
            b.append(" icmp-code=").append(icmpCode);
        }
        if (tcpMask != 0) {
            b.append(" flags=").append(flagNames(tcpFlags)).append('/').append(flagNames(tcpMask));
        }
        if (fragment != Fragment.ANY) {
            b.append(" fragment=").append(fragment.text());
        }
        return b.toString();
    }
}
