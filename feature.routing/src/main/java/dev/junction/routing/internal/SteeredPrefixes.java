package dev.junction.routing.internal;

import dev.junction.routing.SteeredPrefix;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * Follows the {@link SteeredPrefix} services of other bundles: each one registered is steered, each
 * one gone is removed. A bad one (no such VRF, a malformed prefix) is logged with its bundle and left
 * out; a later one of the same prefix replaces an earlier one.
 */
final class SteeredPrefixes implements ServiceTrackerCustomizer<SteeredPrefix, SteeredPrefix> {
    private static final System.Logger LOG = System.getLogger("dev.junction.routing");
    private final BundleContext context;
    private final VrfControl control;

    SteeredPrefixes(BundleContext context, VrfControl control) {
        this.context = context;
        this.control = control;
    }

    @Override
    public SteeredPrefix addingService(ServiceReference<SteeredPrefix> ref) {
        SteeredPrefix s = context.getService(ref);
        if (s == null) {
            return null;
        }
        try {
            control.steer(s.vrf(), s.prefix(), s.node(), s.index());
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "steered prefix " + s.prefix() + " from "
                    + ref.getBundle().getSymbolicName() + " not installed: " + e.getMessage());
        }
        return s;
    }

    @Override
    public void modifiedService(ServiceReference<SteeredPrefix> ref, SteeredPrefix s) {
    }

    @Override
    public void removedService(ServiceReference<SteeredPrefix> ref, SteeredPrefix s) {
        try {
            control.unsteer(s.vrf(), s.prefix());
        } catch (IllegalArgumentException e) {
            // A prefix that was refused when it came: nothing was installed.
        }
        context.ungetService(ref);
    }
}
