package dev.junction.overlay.tunnel;

import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.graph.PerWorker;

/**
 * What the encapsulation and decapsulation nodes share: a name, the tunnel control whose
 * configuration they read, and per worker that configuration resolved against the worker's
 * interface view (made again only when either changes).
 */
public abstract class TunnelNode implements PacketNode {
    private final String name;
    final TunnelControl control;
    private final PerWorker<ResolvedTunnels[]> resolved = new PerWorker<>(w -> new ResolvedTunnels[1]);

    TunnelNode(String name, TunnelControl control) {
        this.name = name;
        this.control = control;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void workers(int count) {
        resolved.resize(count);
        control.workers(count);
    }

    /** The tunnels as this worker sees them now; once per vector. */
    final ResolvedTunnels resolve(NodeContext ctx) {
        ResolvedTunnels[] slot = resolved.get(ctx.worker());
        ResolvedTunnels r = ResolvedTunnels.current(slot[0], control.config(), ctx.interfaces());
        slot[0] = r;
        return r;
    }
}
