package dev.junction.overlay.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.overlay.TunnelSettings;
import dev.junction.overlay.Tunnels;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;

/**
 * The stored {@code vxlan} or {@code nvgre} statements applied to {@link Tunnels}: each configuration
 * one tunnel. A bad one is refused with the reason and the tunnel running under that name, if any,
 * is kept. Control path.
 */
final class TunnelConfigurator implements ManagedServiceFactory {
    private static final System.Logger LOG = System.getLogger("dev.junction.overlay");
    private final String kind;
    private final StatementSpec spec;
    private final Tunnels tunnels;
    private final Map<String, String> nameByPid = new HashMap<>();

    TunnelConfigurator(String kind, StatementSpec spec, Tunnels tunnels) {
        this.kind = kind;
        this.spec = spec;
        this.tunnels = tunnels;
    }

    @Override
    public String getName() {
        return "Junction " + kind + " tunnels";
    }

    @Override
    public synchronized void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
        Object name = p.get("name");
        if (name == null) {
            throw new ConfigurationException("name", "a " + kind + " statement needs a name");
        }
        TunnelSettings s;
        try {
            s = TunnelStatements.settings(kind, name.toString(), spec.read(p));
            String previous = nameByPid.get(pid);
            if (previous != null && !previous.equals(s.name())) {
                tunnels.remove(previous);
            }
            tunnels.tunnel(s);
            nameByPid.put(pid, s.name());
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, kind + " " + name + " refused: " + e.getMessage());
            throw new ConfigurationException(null, kind + " " + name + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void deleted(String pid) {
        String name = nameByPid.remove(pid);
        if (name != null) {
            tunnels.remove(name);
        }
    }
}
