package dev.junction.shell.cli;

import dev.junction.config.StatementSpec;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * What a command that persists a named statement does with ConfigAdmin (the shell's {@code config:}
 * reads the same factory configurations): parse {@code KEY=VALUE} words against the statement's
 * spec, read what is stored, store a statement checked whole first (a bad word is refused with the
 * reason and nothing is stored), delete one. One configuration per name, found by its {@code name}
 * property.
 */
public final class StoredStatements {
    private final ConfigurationAdmin cm;

    public StoredStatements(ConfigurationAdmin cm) {
        this.cm = cm;
    }

    /** {@code KEY=VALUE} words, each a key of {@code spec}; anything else is refused with the form it takes. */
    public static Map<String, String> keyValues(StatementSpec spec, List<String> words) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            String key = eq > 0 ? w.substring(0, eq) : w;
            if (eq <= 0 || !spec.keys().containsKey(key)) {
                throw new IllegalArgumentException("'" + w + "' is not KEY=VALUE of " + spec.usage());
            }
            out.put(key, w.substring(eq + 1));
        }
        return out;
    }

    /** A stored statement's words but its name (to change one key and keep the others); empty if none. */
    public Map<String, String> stored(String pid, String name) {
        Map<String, String> out = new LinkedHashMap<>();
        Configuration c = find(pid, name);
        if (c != null && c.getProperties() != null) {
            Dictionary<String, Object> p = c.getProperties();
            for (Enumeration<String> k = p.keys(); k.hasMoreElements(); ) {
                String key = k.nextElement();
                if (!key.equals("name") && !key.startsWith("service.")) {
                    out.put(key, String.valueOf(p.get(key)));
                }
            }
        }
        return out;
    }

    /** Checks {@code words} whole against {@code spec} (throwing the reason), then stores them as statement {@code name}. */
    public void store(StatementSpec spec, String name, Map<String, String> words) {
        Map<String, Object> values = spec.check(name, words);
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("name", name);
        values.forEach(p::put);
        try {
            cm.getFactoryConfiguration(spec.pid(), name, "?").update(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot store configuration: " + e);
        }
    }

    /** Every stored statement of factory {@code pid}, by name (sorted), with its words but the name. */
    public Map<String, Map<String, String>> all(String pid) {
        Configuration[] cs;
        try {
            cs = cm.listConfigurations("(service.factoryPid=" + pid + ")");
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("cannot read configuration: " + e);
        }
        Map<String, Map<String, String>> out = new java.util.TreeMap<>();
        for (Configuration c : cs == null ? new Configuration[0] : cs) {
            Dictionary<String, Object> p = c.getProperties();
            if (p != null && p.get("name") != null) {
                out.put(p.get("name").toString(), stored(pid, p.get("name").toString()));
            }
        }
        return out;
    }

    /** Whether statement {@code name} of factory {@code pid} is stored. */
    public boolean exists(String pid, String name) {
        return find(pid, name) != null;
    }

    /** Deletes statement {@code name}; whether there was one. */
    public boolean delete(String pid, String name) {
        Configuration c = find(pid, name);
        if (c == null) {
            return false;
        }
        try {
            c.delete();
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete configuration: " + e);
        }
        return true;
    }

    private Configuration find(String pid, String name) {
        try {
            Configuration[] cs = cm.listConfigurations("(&(service.factoryPid=" + pid + ")(name=" + name + "))");
            return cs == null ? null : cs[0];
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("cannot read configuration: " + e);
        }
    }
}
