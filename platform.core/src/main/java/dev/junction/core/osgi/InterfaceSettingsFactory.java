package dev.junction.core.osgi;

import dev.junction.core.engine.Engine;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;

/**
 * Factory PID {@code junction.interface}: per-interface settings by interface name (the
 * administrative state). Settings may name an interface that does not exist yet; they apply when it
 * appears. What owns an interface's layer 2 is a bundle's business (an {@code InterfaceMode}).
 */
final class InterfaceSettingsFactory implements ManagedServiceFactory {
    private final Engine engine;
    private final Map<String, String> nameByPid = new HashMap<>();

    InterfaceSettingsFactory(Engine engine) {
        this.engine = engine;
    }

    @Override
    public String getName() {
        return "Junction interface settings";
    }

    @Override
    public synchronized void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
        Object name = p.get("name");
        if (name == null) {
            throw new ConfigurationException("name", "interface settings need the interface name");
        }
        String previous = nameByPid.put(pid, name.toString());
        if (previous != null && !previous.equals(name.toString())) {
            engine.configureInterface(previous, true);
        }
        engine.configureInterface(name.toString(), !"down".equals(p.get("state")));
    }

    @Override
    public synchronized void deleted(String pid) {
        String name = nameByPid.remove(pid);
        if (name != null) {
            engine.configureInterface(name, true);
        }
    }
}
