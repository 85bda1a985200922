package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The console's profile and TAB completion of options and names. Gogo's console reads
 * {@code ${gosh.home}/etc/gosh_profile}; this component writes Junction's profile there when the
 * launcher sets {@code gosh.home}, before the console starts (gogo.jline starts at a later level).
 * The profile calls {@code junction:_completions}, which declares the options and argument
 * completions of every command service that keeps its syntax in a static {@link Cli} field (the
 * same spec that parses its arguments), whichever bundle it comes from.
 */
@Component(immediate = true, service = ShellProfile.class, property = {"osgi.command.scope=junction",
        "osgi.command.function=_completions", "osgi.command.function=exit"})
public final class ShellProfile {
    private static final System.Logger LOG = System.getLogger("dev.junction.shell");
    @Activate
    void activate(BundleContext context) {
        this.context = context;
        String home = context.getProperty("gosh.home");
        if (home == null || home.isBlank()) {
            return;
        }
        Path profile = Path.of(home, "etc", "gosh_profile");
        try (InputStream in = ShellProfile.class.getResourceAsStream("gosh_profile")) {
            Files.createDirectories(profile.getParent());
            Files.write(profile, in.readAllBytes());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write the shell profile " + profile + ": " + e);
        }
    }

    private BundleContext context;

    static final Cli EXIT = Cli.command("junction:exit", "stop Junction (every bundle, the workers last) and leave the shell");

    /** Stops the framework and with it the process. */
    @Descriptor("stop Junction and leave the shell")
    public Object exit(String... args) {
        return EXIT.run(args, a -> {
            Thread.ofPlatform().name("junction-exit").start(() -> {
                try {
                    context.getBundle(0).stop();
                } catch (org.osgi.framework.BundleException e) {
                    System.exit(1);
                }
            });
            return "stopping Junction";
        });
    }

    @Descriptor("declare TAB completions of Junction's commands (run by the profile)")
    public void _completions(CommandSession session) throws Exception {
        for (String line : completions(commandClasses())) {
            session.execute(line);
        }
    }

    /** Classes of every registered Gogo command service: Junction's and any plugin's. */
    private List<Class<?>> commandClasses() throws Exception {
        List<Class<?>> out = new ArrayList<>();
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.scope=*)");
        for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
            Object service = context.getService(ref);
            if (service != null) {
                out.add(service.getClass());
                context.ungetService(ref);
            }
        }
        return out;
    }

    /** One {@code complete} line per command declared with a {@link Cli} spec in a static field. */
    static List<String> completions(List<Class<?>> classes) {
        List<String> out = new ArrayList<>();
        for (Class<?> c : classes) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() != Cli.class || !Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    out.add(((Cli) f.get(null)).completion());
                } catch (IllegalAccessException | RuntimeException e) {
                    // a class we may not read: its command keeps name completion only
                }
            }
        }
        return out;
    }
}
