package dev.junction.config;

import java.io.IOException;
import java.util.Dictionary;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;

/**
 * A bundle's stored statements read straight from ConfigAdmin, for a bundle that must apply them
 * before its nodes join the graph (after an update, so that the core's swap window closes on a graph
 * that already has them); ConfigAdmin's own delivery, later, then changes nothing. Control path.
 */
public final class StoredConfiguration {
    private StoredConfiguration() {
    }

    /**
     * Hands every stored configuration of {@code factoryPid} to {@code factory}. One it refuses is
     * logged on {@code log} with its reason (null: not logged, the factory logs its own) and the
     * others go on; ConfigAdmin failing to list them is logged as "stored WHAT: ...".
     */
    public static void applyAll(ConfigurationAdmin cm, ManagedServiceFactory factory, String factoryPid, String what,
            System.Logger log) {
        try {
            Configuration[] cs = cm.listConfigurations("(service.factoryPid=" + factoryPid + ")");
            for (Configuration c : cs == null ? new Configuration[0] : cs) {
                try {
                    factory.updated(c.getPid(), c.getProperties());
                } catch (ConfigurationException e) {
                    if (log != null) {
                        log.log(System.Logger.Level.WARNING, c.getPid() + ": " + e.getReason());
                    }
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            (log != null ? log : System.getLogger("dev.junction.config")).log(System.Logger.Level.WARNING,
                    "stored " + what + ": " + e);
        }
    }

    /** The stored properties of the singleton {@code pid}, or null when there are none (or ConfigAdmin fails). */
    public static Dictionary<String, Object> singleton(ConfigurationAdmin cm, String pid) {
        try {
            Configuration[] cs = cm.listConfigurations("(service.pid=" + pid + ")");
            return cs == null || cs.length == 0 ? null : cs[0].getProperties();
        } catch (IOException | InvalidSyntaxException e) {
            return null;
        }
    }
}
