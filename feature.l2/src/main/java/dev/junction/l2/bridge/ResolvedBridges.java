package dev.junction.l2.bridge;

import dev.junction.graph.InterfaceView;
import dev.junction.l2.BridgeSettings;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link BridgeConfig} turned into arrays by interface index and domain id for one interface view:
 * what the nodes read per packet. Made when the view or the configuration changes (a control event),
 * never per packet.
 */
final class ResolvedBridges {
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    final InterfaceView view;
    final BridgeConfig config;
    /** By interface index: the port's domain id, 0 for an interface that is not a bridge port. */
    final int[] portDomain;
    final int[] portShg;
    /** By domain id: its ports' interface indexes and split-horizon groups (existing interfaces only). */
    final int[][] members;
    final int[][] memberShg;
    final boolean[] learning;
    final boolean[] flood;
    final boolean[] unknownUnicastFlood;
    final int[] macLimit;
    /**
     * By interface index: null for an interface with no VLAN sub-ports, else by tag slot
     * ({@link PortId#slot}) the sub-port's domain id with its split-horizon group in bits 16-23, 0 where
     * the VLAN is not on the interface.
     */
    final int[][] vlans;
    /** What {@link #sourcePort} returns for a frame it refuses: {@code -1 -} l2-bridge's drop reason. */
    static final int NOT_A_PORT = -1 - L2BridgeNode.NOT_A_PORT, TOO_SHORT = -1 - L2BridgeNode.TOO_SHORT,
            VLAN_NOT_ON_PORT = -1 - L2BridgeNode.VLAN_NOT_ON_PORT, NO_NATIVE_VLAN = -1 - L2BridgeNode.NO_NATIVE_VLAN;

    ResolvedBridges(BridgeConfig config, InterfaceView view) {
        this.view = view;
        this.config = config;
        int size = view == null ? 0 : view.size();
        portDomain = new int[size];
        portShg = new int[size];
        vlans = new int[size][];
        int domains = config.maxDomain + 1;
        learning = new boolean[domains];
        flood = new boolean[domains];
        unknownUnicastFlood = new boolean[domains];
        macLimit = new int[domains];
        for (Map.Entry<Integer, BridgeSettings> e : config.domains.entrySet()) {
            BridgeSettings s = e.getValue();
            learning[e.getKey()] = s.learning();
            flood[e.getKey()] = s.flood();
            unknownUnicastFlood[e.getKey()] = s.unknownUnicastFlood();
            macLimit[e.getKey()] = s.macLimit();
        }
        List<List<int[]>> byDomain = new ArrayList<>();
        for (int d = 0; d < domains; d++) {
            byDomain.add(new ArrayList<>());
        }
        for (Map.Entry<String, BridgeConfig.Port> e : config.ports.entrySet()) {
            int i = view == null ? -1 : view.indexOf(e.getKey());
            BridgeConfig.Port p = e.getValue();
            if (i >= 0 && i < size && p.domain() < domains) {
                portDomain[i] = p.domain();
                portShg[i] = p.splitHorizon();
                byDomain.get(p.domain()).add(new int[] {i, p.splitHorizon()});
            }
        }
        for (BridgeConfig.Vlan v : config.vlans.values()) {
            int i = view == null ? -1 : view.indexOf(v.iface());
            if (i >= 0 && i < size && i <= PortId.MAX_IFINDEX && v.domain() < domains) {
                if (vlans[i] == null) {
                    vlans[i] = new int[PortId.SLOTS];
                }
                vlans[i][v.kind() * 4096 + v.vid()] = v.domain() | v.splitHorizon() << 16;
                byDomain.get(v.domain()).add(new int[] {PortId.of(i, v.kind(), v.vid()), v.splitHorizon()});
            }
        }
        members = new int[domains][];
        memberShg = new int[domains][];
        for (int d = 0; d < domains; d++) {
            List<int[]> m = byDomain.get(d);
            members[d] = new int[m.size()];
            memberShg[d] = new int[m.size()];
            for (int k = 0; k < m.size(); k++) {
                members[d][k] = m.get(k)[0];
                memberShg[d][k] = m.get(k)[1];
            }
        }
    }

    /** {@code r} if it was made from {@code c} and {@code view}, else a new resolution (a control event). */
    static ResolvedBridges current(ResolvedBridges r, BridgeConfig c, InterfaceView view) {
        return r != null && r.view == view && r.config == c ? r : new ResolvedBridges(c, view);
    }

    /** The domain of the port with this interface index, 0 if none. */
    int domainOf(int ifIndex) {
        return ifIndex >= 0 && ifIndex < portDomain.length ? portDomain[ifIndex] : 0;
    }

    /** The domain of a port id (untagged or a sub-port), 0 if it is in none. */
    int domainOfPort(int port) {
        int i = PortId.ifIndex(port);
        if (!PortId.isTagged(port)) {
            return domainOf(i);
        }
        int[] v = i < vlans.length ? vlans[i] : null;
        return v == null ? 0 : v[PortId.slot(port)] & 0xFFFF;
    }

    /** The split-horizon group of a port id. */
    int shgOfPort(int port) {
        int i = PortId.ifIndex(port);
        if (!PortId.isTagged(port)) {
            return i < portShg.length ? portShg[i] : 0;
        }
        int[] v = i < vlans.length ? vlans[i] : null;
        return v == null ? 0 : v[PortId.slot(port)] >>> 16;
    }

    /**
     * The port a frame received on interface {@code rx} belongs to: on an interface with VLAN
     * sub-ports, the sub-port of its outer tag (untagged and priority-tagged frames: the untagged
     * port, its native VLAN); elsewhere the interface (whose frame it does not read). Negative
     * ({@link #NOT_A_PORT} ...) when none.
     */
    int sourcePort(MemorySegment mem, long f, int len, int rx) {
        int[] v = rx >= 0 && rx < vlans.length ? vlans[rx] : null;
        if (v == null) {
            return domainOf(rx) != 0 ? rx : NOT_A_PORT;
        }
        if (len < 14) {
            return TOO_SHORT;
        }
        int kind = PortId.kindOf(Short.toUnsignedInt(mem.get(NET_SHORT, f + 12)));
        if (kind >= 0) {
            if (len < 18) {
                return TOO_SHORT;
            }
            int vid = mem.get(NET_SHORT, f + 14) & 0xFFF;
            if (vid != 0) {
                return v[kind * 4096 + vid] != 0 ? PortId.of(rx, kind, vid) : VLAN_NOT_ON_PORT;
            }
        }
        return domainOf(rx) != 0 ? rx : NO_NATIVE_VLAN;
    }
}
