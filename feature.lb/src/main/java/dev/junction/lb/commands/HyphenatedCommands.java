package dev.junction.lb.commands;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code lb:service-add}, {@code lb:service-remove}, {@code lb:backend-add}, {@code lb:backend-remove}:
 * Gogo finds a command's method by its name, and a Java name has no '-', so each of these is a command
 * service of its own that is a {@link Function} (called with its arguments whatever its name),
 * handing them to {@link LbCommands}. Enabled with the other commands by {@link CommandsGate}.
 */
@Component(enabled = false, immediate = true, service = {})
public final class HyphenatedCommands {
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @Reference
    private LbCommands commands;

    private interface Body {
        Object run(String[] words);
    }

    @Activate
    void activate(BundleContext context) {
        register(context, "service-add", commands::serviceAdd);
        register(context, "service-remove", commands::serviceRemove);
        register(context, "backend-add", commands::backendAdd);
        register(context, "backend-remove", commands::backendRemove);
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : registrations) {
            r.unregister();
        }
        registrations.clear();
    }

    private void register(BundleContext context, String name, Body body) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("osgi.command.scope", "lb");
        p.put("osgi.command.function", name);
        Function f = (session, arguments) -> {
            String[] words = new String[arguments.size()];
            for (int i = 0; i < words.length; i++) {
                words[i] = String.valueOf(arguments.get(i));
            }
            return body.run(words);
        };
        registrations.add(context.registerService(Function.class, f, p));
    }
}
