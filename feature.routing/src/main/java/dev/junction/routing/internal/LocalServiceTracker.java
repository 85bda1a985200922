package dev.junction.routing.internal;

import dev.junction.dataplane.Dataplane;
import dev.junction.routing.LocalService;
import dev.junction.routing.nodes.Ip4LocalNode;
import dev.junction.routing.nodes.Ip6LocalNode;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * Follows the {@link LocalService} services of other bundles into {@link LocalServices}. A malformed
 * one is logged with its bundle and left out; one that waits behind an earlier claim is logged too.
 */
final class LocalServiceTracker implements ServiceTrackerCustomizer<LocalService, LocalService> {
    private static final System.Logger LOG = System.getLogger("dev.junction.routing");
    private final BundleContext context;
    private final LocalServices services;
    private final Dataplane dataplane;

    LocalServiceTracker(BundleContext context, LocalServices services, Dataplane dataplane) {
        this.context = context;
        this.services = services;
        this.dataplane = dataplane;
    }

    @Override
    public LocalService addingService(ServiceReference<LocalService> ref) {
        LocalService s = context.getService(ref);
        if (s == null) {
            return null;
        }
        try {
            services.add(s, this::refresh);
            LocalService holder = services.holder(s);
            if (holder != s) {
                LOG.log(System.Logger.Level.WARNING, "local service " + s.protocol() + "/" + s.port() + " of "
                        + ref.getBundle().getSymbolicName() + " (node " + s.node() + ") waits: node "
                        + holder.node() + " holds it");
            }
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "local service of " + ref.getBundle().getSymbolicName()
                    + " not installed: " + e.getMessage());
        }
        return s;
    }

    @Override
    public void modifiedService(ServiceReference<LocalService> ref, LocalService s) {
    }

    @Override
    public void removedService(ServiceReference<LocalService> ref, LocalService s) {
        try {
            services.remove(s, this::refresh);
        } catch (IllegalArgumentException e) {
            // A malformed one: nothing was installed.
        }
        context.ungetService(ref);
    }

    /** A node new to the targets: the local nodes re-read their next nodes before any packet is sent there. */
    private void refresh() {
        for (String node : new String[] {Ip4LocalNode.NAME, Ip6LocalNode.NAME}) {
            try {
                dataplane.refreshNext(node);
            } catch (IllegalArgumentException notThereYet) {
                // Not in the graph yet: it reads its next nodes, targets included, when it joins.
            }
        }
    }
}
