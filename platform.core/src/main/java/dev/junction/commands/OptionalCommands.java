package dev.junction.commands;

import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.ComponentContext;

/**
 * Lets a driver or feature resolve and forward without the shell. The bundle imports the shell's
 * packages with {@code resolution:=optional}, declares its command components
 * {@code @Component(enabled = false)}, and has one immediate component whose activation calls
 * {@link #enableWhenShellWired}: the commands are enabled when the bundle's import of
 * {@value #SHELL_PACKAGE} is wired, and never loaded otherwise (loading them would fail for want of
 * the shell's classes). A shell installed after the bundle resolved needs a {@code refresh} of it.
 */
public final class OptionalCommands {
    /** The package every Junction command uses: its option parser and tables. */
    public static final String SHELL_PACKAGE = "dev.junction.shell.cli";

    private OptionalCommands() {
    }

    /** Whether {@code bundle} is resolved and its import of {@link #SHELL_PACKAGE} is wired to an exporter. */
    public static boolean shellWired(Bundle bundle) {
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        if (wiring == null) {
            return false;
        }
        for (BundleWire wire : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (SHELL_PACKAGE.equals(wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Enables every disabled component of the calling component's bundle (its commands) when the
     * shell is wired; returns whether it did.
     */
    public static boolean enableWhenShellWired(ComponentContext context) {
        if (!shellWired(context.getBundleContext().getBundle())) {
            return false;
        }
        context.enableComponent(null);
        return true;
    }
}
