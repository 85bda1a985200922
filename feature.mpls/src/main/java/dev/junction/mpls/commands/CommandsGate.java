package dev.junction.mpls.commands;

import dev.junction.commands.OptionalCommands;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** Enables {@link MplsCommands} when this bundle resolved with the shell: it switches without it. */
@Component(immediate = true, service = {})
public final class CommandsGate {
    @Activate
    void activate(ComponentContext context) {
        OptionalCommands.enableWhenShellWired(context);
    }
}
