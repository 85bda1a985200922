package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code update BUNDLE [FILE|URL]}: Felix's {@code update} as an operator expects it. It takes over
 * {@code felix:update} (a higher service ranking) while the shell runs. The bundle is named by id,
 * symbolic name or Junction's short name ({@code feature.routing}); it is re-read from FILE|URL, or
 * else from where it was installed. A bundle installed from inside the runnable jar (a location such
 * as {@code jar/feature.routing-0.1.0-SNAPSHOT.jar}, which no URL can open) is re-read from the
 * workspace that built it ({@code junction.home}). The new jar must be the same bundle. Every
 * mistake is one line saying what is wrong and the command's form; nothing prints a stack trace.
 */
@Component(service = BundleCommands.class, property = {"osgi.command.scope=felix", "osgi.command.function=update",
        "service.ranking:Integer=100"})
public final class BundleCommands {
    static final Cli UPDATE = Cli.command("felix:update",
                    "re-read a bundle (from FILE|URL, or where it came from) and restart it; traffic goes on")
            .arg("BUNDLE").optionalArg("FILE|URL");
    private static final String USAGE = "usage: update ID|NAME [FILE|URL]   (lb lists the bundles)";
    private static final String JUNCTION_PREFIX = "dev.junction.";

    private final BundleContext context;

    @Activate
    public BundleCommands(BundleContext context) {
        this.context = context;
    }

    @Descriptor("re-read a bundle from its file (or FILE|URL) and restart it")
    public Object update(String... args) {
        if (args != null && args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(UPDATE.help());
            return null;
        }
        try {
            if (args == null || args.length == 0) {
                throw new Mistake("name the bundle to update");
            }
            if (args.length > 2) {
                throw new Mistake("unexpected argument '" + args[2] + "'");
            }
            Bundle bundle = find(args[0]);
            URL source = args.length == 2 ? given(args[1]) : origin(bundle);
            checkSameBundle(bundle, source);
            if (bundle.getBundleId() == context.getBundle().getBundleId()) {
                // This very command's bundle: update it from another thread, after the call returns.
                Thread.ofPlatform().name("junction-update-shell").start(() -> {
                    try {
                        apply(bundle, source);
                    } catch (Mistake e) {
                        System.err.println("update: " + e.getMessage());
                    }
                });
                return "updating " + describe(bundle) + " from " + source;
            }
            apply(bundle, source);
            return "updated " + describe(bundle) + " from " + source + " (" + state(bundle) + ")";
        } catch (Mistake e) {
            System.err.println("update: " + e.getMessage() + "; " + USAGE);
            return null;
        }
    }

    private void apply(Bundle bundle, URL source) {
        try (InputStream in = source.openStream()) {
            bundle.update(in);
        } catch (IOException e) {
            throw new Mistake("cannot read " + source + ": " + e.getMessage());
        } catch (BundleException | IllegalStateException | SecurityException e) {
            throw new Mistake("bundle " + bundle.getBundleId() + " was not updated: " + oneLine(e));
        }
    }

    /** The bundle named by id, symbolic name or short name (without {@code dev.junction.}). */
    private Bundle find(String name) {
        if (name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
            Bundle b = name.length() > 18 ? null : context.getBundle(Long.parseLong(name));
            if (b == null) {
                throw new Mistake("no bundle " + name);
            }
            return b;
        }
        for (Bundle b : context.getBundles()) {
            String bsn = b.getSymbolicName();
            if (bsn != null && (bsn.equals(name) || bsn.equals(JUNCTION_PREFIX + name))) {
                return b;
            }
        }
        throw new Mistake("no bundle named '" + name + "' (an id, a symbolic name, or feature.routing for dev.junction.feature.routing)");
    }

    /** FILE|URL as given: a URL with a scheme, or a path to an existing file. */
    private static URL given(String where) {
        if (where.matches("[a-zA-Z][a-zA-Z0-9+.-]+:.*")) {
            try {
                return new URI(where).toURL();
            } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
                throw new Mistake("'" + where + "' is not a URL a bundle can be read from");
            }
        }
        Path p = Path.of(where).toAbsolutePath();
        if (!Files.isRegularFile(p)) {
            throw new Mistake("no file " + p);
        }
        return url(p);
    }

    /** Where the bundle came from: its Bundle-UpdateLocation or location, or the workspace's jar. */
    private URL origin(Bundle bundle) {
        String location = bundle.getHeaders("").get(Constants.BUNDLE_UPDATELOCATION);
        if (location == null) {
            location = bundle.getLocation();
        }
        if (location.startsWith("reference:")) {
            location = location.substring("reference:".length());
        }
        if (location.startsWith("/") && Files.isRegularFile(Path.of(location))) {
            return url(Path.of(location)); // a launcher that installs by plain path
        }
        try {
            URL u = new URI(location).toURL();
            if (!u.getProtocol().equals("file") || Files.isRegularFile(Path.of(u.toURI()))) {
                return u;
            }
            throw new Mistake("bundle " + bundle.getBundleId() + "'s file " + Path.of(u.toURI()) + " is gone; give the new jar");
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            // Installed from a stream (inside junction.jar): look in the workspace that built it.
        }
        Path jar = workspaceJar(bundle.getSymbolicName());
        if (jar == null) {
            throw new Mistake("bundle " + bundle.getBundleId() + " was installed from '" + location
                    + "', which cannot be read again, and no workspace jar of " + bundle.getSymbolicName()
                    + " is known (junction.home); give the jar");
        }
        return url(jar);
    }

    /** The jar of {@code bsn} that the workspace at {@code junction.home} built (MODULE/target/*.jar). */
    private Path workspaceJar(String bsn) {
        String home = context.getProperty("junction.home");
        if (home == null || bsn == null) {
            return null;
        }
        try (DirectoryStream<Path> modules = Files.newDirectoryStream(Path.of(home))) {
            for (Path module : modules) {
                Path target = module.resolve("target");
                if (!Files.isDirectory(target)) {
                    continue;
                }
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "*.jar")) {
                    for (Path jar : jars) {
                        if (bsn.equals(symbolicName(url(jar)))) {
                            return jar;
                        }
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static void checkSameBundle(Bundle bundle, URL source) {
        String bsn = symbolicName(source);
        if (bsn == null) {
            throw new Mistake(source + " is not an OSGi bundle (no Bundle-SymbolicName in its manifest)");
        }
        if (!bsn.equals(bundle.getSymbolicName())) {
            throw new Mistake(source + " holds " + bsn + ", not bundle " + bundle.getBundleId() + " (" + bundle.getSymbolicName() + ")");
        }
    }

    private static String symbolicName(URL jar) {
        try (JarInputStream in = new JarInputStream(jar.openStream())) {
            Manifest m = in.getManifest();
            String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return bsn == null ? null : bsn.split(";")[0].strip();
        } catch (IOException e) {
            throw new Mistake("cannot read " + jar + ": " + e.getMessage());
        }
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new Mistake("cannot name " + p + " as a URL");
        }
    }

    private static String describe(Bundle b) {
        return b.getBundleId() + " " + b.getSymbolicName() + " " + b.getVersion();
    }

    private static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.INSTALLED -> "installed, not resolved";
            case Bundle.STARTING -> "starting";
            default -> "state " + b.getState();
        };
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
    }

    /** A mistake in the command or its input: said in one line, never a stack trace. */
    private static final class Mistake extends RuntimeException {
        Mistake(String message) {
            super(message, null, false, false);
        }
    }
}
