package dev.junction.launcher;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;

/**
 * JLine looks its terminal providers up through the thread context class loader and only uses its own
 * class loader when that is null; the bnd launcher leaves it set, and JLine then falls back to a dumb
 * terminal (no completion, no history). Gogo's console thread inherits the loader of the thread that
 * starts its bundle, so clear it on the launcher's thread and on every thread that starts bundles.
 */
public final class ClearContextClassLoader implements BundleActivator, SynchronousBundleListener {

    @Override
    public void start(BundleContext context) {
        Thread.currentThread().setContextClassLoader(null);
        context.addBundleListener(this);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.STARTING) {
            Thread.currentThread().setContextClassLoader(null);
        }
    }

    @Override
    public void stop(BundleContext context) {
        context.removeBundleListener(this);
    }
}
