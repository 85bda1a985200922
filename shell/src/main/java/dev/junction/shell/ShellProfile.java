package dev.junction.shell;

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
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The console's profile and TAB completion of options and names. Gogo's console reads
 * {@code ${gosh.home}/etc/gosh_profile}; this component writes Junction's profile there when the
 * launcher sets {@code gosh.home}, before the console starts (gogo.jline starts at a later level).
 * The profile calls {@code junction:_completions}, which declares every command's options and
 * argument completions from the same specs that parse them.
 */
@Component(immediate = true, service = ShellProfile.class, property = {"osgi.command.scope=junction",
        "osgi.command.function=_completions"})
public final class ShellProfile {
    private static final System.Logger LOG = System.getLogger("dev.junction.shell");
    private static final List<Class<?>> COMMANDS = List.of(InterfaceCommands.class, GraphCommands.class,
            RuntimeCommands.class, FeatureCommands.class, TraceCommands.class, PcapCommands.class,
            WorkerCommands.class, ConfigCommands.class);

    @Activate
    void activate(BundleContext context) {
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

    @Descriptor("declare TAB completions of Junction's commands (run by the profile)")
    public void _completions(CommandSession session) throws Exception {
        for (String line : completions()) {
            session.execute(line);
        }
    }

    /** One {@code complete} line per command: its options, and where its arguments come from. */
    static List<String> completions() {
        List<String> out = new ArrayList<>();
        for (Class<?> c : COMMANDS) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() != Cli.class || !Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    out.add(((Cli) f.get(null)).completion());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }
}
