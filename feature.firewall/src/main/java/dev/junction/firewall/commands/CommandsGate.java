package dev.junction.firewall.commands;

import dev.junction.commands.OptionalCommands;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** Enables {@link FirewallCommands} when this bundle resolved with the shell: it filters without it. */
@Component(immediate = true, service = {})
public final class CommandsGate {
    @Activate
    void activate(ComponentContext context) {
        OptionalCommands.enableWhenShellWired(context);
    }
}
