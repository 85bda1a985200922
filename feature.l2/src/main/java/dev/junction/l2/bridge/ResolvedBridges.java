package dev.junction.l2.bridge;

import dev.junction.graph.InterfaceView;
import dev.junction.l2.BridgeSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link BridgeConfig} turned into arrays by interface index and domain id for one interface view:
 * what the nodes read per packet. Made when the view or the configuration changes (a control event),
 * never per packet.
 */
final class ResolvedBridges {
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

    ResolvedBridges(BridgeConfig config, InterfaceView view) {
        this.view = view;
        this.config = config;
        int size = view == null ? 0 : view.size();
        portDomain = new int[size];
        portShg = new int[size];
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
}
