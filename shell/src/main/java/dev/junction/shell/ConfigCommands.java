package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code config:*}: show, check, load and save the configuration file. */
@Component(service = ConfigCommands.class, property = {"osgi.command.scope=config",
        "osgi.command.function=show", "osgi.command.function=check", "osgi.command.function=load",
        "osgi.command.function=save"})
public final class ConfigCommands {
    static final Cli SHOW = Cli.command("config:show", "the running configuration, in file form");
    static final Cli CHECK = Cli.command("config:check", "check a configuration file without applying it").arg("FILE");
    static final Cli LOAD = Cli.command("config:load", "make a file the whole configuration (all lines good, or nothing changes)").arg("FILE");
    static final Cli SAVE = Cli.command("config:save", "write the running configuration to a file").arg("FILE");

    private final JunctionConfig config;

    @Activate
    public ConfigCommands(@Reference JunctionConfig config) {
        this.config = config;
    }

    @Descriptor("show the running configuration")
    public Object show(String... args) {
        return SHOW.run(args, a -> config.show());
    }

    @Descriptor("check a configuration file")
    public Object check(String... args) {
        return CHECK.run(args, a -> {
            try {
                int n = config.check(Files.readString(Path.of(a.arg(0))), a.arg(0)).size();
                return a.arg(0) + ": " + n + " statements, all good";
            } catch (ConfigException e) {
                throw new IllegalArgumentException(e.getMessage());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + a.arg(0) + ": " + e.getMessage());
            }
        });
    }

    @Descriptor("load a configuration file")
    public Object load(String... args) {
        return LOAD.run(args, a -> {
            try {
                config.load(Path.of(a.arg(0)));
                return "loaded " + a.arg(0);
            } catch (ConfigException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        });
    }

    @Descriptor("save the running configuration")
    public Object save(String... args) {
        return SAVE.run(args, a -> {
            try {
                Files.writeString(Path.of(a.arg(0)), config.show());
                return "saved to " + a.arg(0);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot write " + a.arg(0) + ": " + e.getMessage());
            }
        });
    }
}
