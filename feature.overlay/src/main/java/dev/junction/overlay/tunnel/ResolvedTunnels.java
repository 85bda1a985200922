package dev.junction.overlay.tunnel;

import dev.junction.graph.InterfaceView;
import java.util.Arrays;

/**
 * A {@link TunnelConfig} against one interface view: tunnel number by interface index and back.
 * Made by a worker when either changes (a control event), never per packet.
 */
final class ResolvedTunnels {
    final TunnelConfig config;
    final InterfaceView view;
    /** By interface index: the tunnel number, -1 for an interface that is no tunnel. */
    private final int[] tunnelOf;
    /** By tunnel number: its interface index, -1 while its interface is not in the graph. */
    final int[] ifIndex;
    /** By tunnel number: the resolved next hop's interface index, -1 to let ip4-lookup decide. */
    final int[] nextIf;

    ResolvedTunnels(TunnelConfig config, InterfaceView view) {
        this.config = config;
        this.view = view;
        int size = view == null ? 0 : view.size();
        tunnelOf = new int[size];
        Arrays.fill(tunnelOf, -1);
        ifIndex = new int[config.count];
        nextIf = new int[config.count];
        for (int t = 0; t < config.count; t++) {
            String next = config.nextIface[t];
            nextIf[t] = next == null || view == null ? -1 : view.indexOf(next);
            int i = view == null ? -1 : view.indexOf(config.names[t]);
            ifIndex[t] = i;
            if (i >= 0 && i < size) {
                tunnelOf[i] = t;
            }
        }
    }

    static ResolvedTunnels current(ResolvedTunnels r, TunnelConfig c, InterfaceView view) {
        return r != null && r.config == c && r.view == view ? r : new ResolvedTunnels(c, view);
    }

    /** The tunnel number of an interface, -1 if it is none. */
    int tunnelOf(int ifIndex) {
        return ifIndex >= 0 && ifIndex < tunnelOf.length ? tunnelOf[ifIndex] : -1;
    }
}
