package dev.junction.l2.bridge;

/**
 * A bridge port as one int, what the MAC table stores: an interface index alone for an untagged
 * port, or the interface index with a VLAN tag for a VLAN of a trunk (a sub-port):
 * {@code (kind * 4096 + vid + 1) << 16 | ifIndex}, kind 0 for an 802.1Q tag (TPID 0x8100), 1 for an
 * 802.1ad service tag (0x88A8). The egress tag follows from the id itself, without a lookup.
 */
final class PortId {
    static final int DOT1Q = 0, DOT1AD = 1;
    static final int TPID_DOT1Q = 0x8100, TPID_DOT1AD = 0x88A8;
    /** Tag slots per interface: a VLAN id of each kind. */
    static final int SLOTS = 2 * 4096;
    static final int MAX_IFINDEX = 0xFFFF;

    private PortId() {
    }

    static int of(int ifIndex, int kind, int vid) {
        return ((kind * 4096 + vid + 1) << 16) | ifIndex;
    }

    static int ifIndex(int port) {
        return port & 0xFFFF;
    }

    static boolean isTagged(int port) {
        return (port >>> 16) != 0;
    }

    /** kind * 4096 + vid of a tagged port. */
    static int slot(int port) {
        return (port >>> 16) - 1;
    }

    static int vid(int port) {
        return slot(port) & 0xFFF;
    }

    static int tpid(int port) {
        return slot(port) >= 4096 ? TPID_DOT1AD : TPID_DOT1Q;
    }

    /** The kind of a TPID, -1 for an ethertype that is no VLAN tag. */
    static int kindOf(int etherType) {
        return etherType == TPID_DOT1Q ? DOT1Q : etherType == TPID_DOT1AD ? DOT1AD : -1;
    }

    /** A sub-port's name as the shell shows it: {@code eth1.42} (802.1Q), {@code eth1.s100} (802.1ad). */
    static String name(String iface, int kind, int vid) {
        return iface + (kind == DOT1AD ? ".s" : ".") + vid;
    }
}
