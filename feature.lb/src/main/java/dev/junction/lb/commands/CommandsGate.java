package dev.junction.lb.commands;

import dev.junction.commands.OptionalCommands;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** Enables {@link LbCommands} when this bundle resolved with the shell: it balances without it. */
@Component(immediate = true, service = {})
public final class CommandsGate {
    @Activate
    void activate(ComponentContext context) {
        OptionalCommands.enableWhenShellWired(context);
    }
}
