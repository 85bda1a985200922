package dev.junction.core.config;

import dev.junction.config.ConfigException;
import dev.junction.config.ConfigException.Problem;
import dev.junction.config.JunctionConfig;
import dev.junction.config.StatementType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Keeps Junction's configuration in ConfigAdmin (persisted by it across restarts and bundle updates)
 * and loads configuration files as a whole. At boot it applies the file named by the framework
 * property {@code junction.config}; without one, the first boot applies the embedded default and
 * later boots keep what ConfigAdmin persisted. A bad file is refused with every line and reason, and
 * the running configuration is kept.
 */
@Component(immediate = true, service = JunctionConfig.class)
public final class ConfigService implements JunctionConfig {
    /** Property holding a factory configuration's name (the statement's NAME). */
    public static final String NAME = "name";
    public static final String BOOT_FILE_PROPERTY = "junction.config";
    static final String DEFAULT_RESOURCE = "/dev/junction/core/config/default.conf";
    private static final System.Logger LOG = System.getLogger("dev.junction.core");

    /** How long a boot file waits for the bundles that provide its statements to start. */
    private static final String EMBEDDED = "embedded default";
    private static final long BOOT_WAIT_NS = 30_000_000_000L;

    private final ConfigurationAdmin cm;
    /** Statement kinds by first word: the core's, then those that bundles register. */
    private final Map<String, StatementType> types = new java.util.concurrent.ConcurrentHashMap<>(ConfigSchema.KINDS);

    @Activate
    public ConfigService(@Reference ConfigurationAdmin cm, BundleContext context) {
        this.cm = cm;
        boot(context.getProperty(BOOT_FILE_PROPERTY));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addStatementType(StatementType type) {
        if (ConfigSchema.KINDS.containsKey(type.kind())) {
            LOG.log(System.Logger.Level.ERROR, "statement '" + type.kind() + "' is the core's; ignoring "
                    + type.getClass().getName());
            return;
        }
        types.putIfAbsent(type.kind(), type);
    }

    void removeStatementType(StatementType type) {
        types.remove(type.kind(), type);
    }

    /**
     * Applies the boot file, or on a first start the embedded default: at once when every statement
     * it uses is known; otherwise on a thread of its own once the bundles that provide them have
     * started (they may start after the core), or refused after 30 s saying which statements nobody
     * provides.
     */
    private void boot(String file) {
        try {
            if (file != null && !file.isBlank()) {
                bootWhenKnown(Files.readString(Path.of(file)), file);
            } else if (cm.getConfiguration(pidOf("dataplane"), "?").getProperties() == null) {
                bootWhenKnown(defaultText(), EMBEDDED);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "configuration not applied: " + e.getMessage());
        }
    }

    private void bootWhenKnown(String text, String source) {
        if (kindsUsed(text).stream().allMatch(types::containsKey)) {
            loadBoot(text, source);
            return;
        }
        Thread.ofPlatform().daemon().name("junction-config-boot").start(() -> {
            long deadline = System.nanoTime() + BOOT_WAIT_NS;
            while (!kindsUsed(text).stream().allMatch(types::containsKey) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            }
            loadBoot(text, source);
        });
    }

    private void loadBoot(String text, String source) {
        try {
            apply(check(text, source));
            LOG.log(System.Logger.Level.INFO, source.equals(EMBEDDED)
                    ? "first start: embedded default configuration applied"
                    : "configuration loaded from " + source);
        } catch (ConfigException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage() + "\nkeeping the persisted configuration");
        }
    }

    /** The first word of every statement line. */
    static Set<String> kindsUsed(String text) {
        Set<String> kinds = new HashSet<>();
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            String l = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (!l.isEmpty()) {
                kinds.add(l.split("\\s+")[0]);
            }
        }
        return kinds;
    }

    static String defaultText() throws IOException {
        try (InputStream in = ConfigService.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(new Problem(file.toString(), 0, "cannot read: " + e)));
        }
        apply(check(text, file.toString()));
    }

    @Override
    public List<Statement> check(String text, String source) throws ConfigException {
        return ConfigParser.parse(text, source, Map.copyOf(types));
    }

    private static String pidOf(String kind) {
        return ConfigSchema.KINDS.get(kind).pid();
    }

    /** Known kinds, the core's first, in a stable order. */
    private List<StatementType> typesInOrder() {
        List<StatementType> out = new ArrayList<>(ConfigSchema.KINDS.values());
        List<StatementType> others = new ArrayList<>(types.values());
        others.removeAll(out);
        others.sort(java.util.Comparator.comparing(StatementType::kind));
        out.addAll(others);
        return out;
    }

    /** Makes the statements the whole configuration: creates, updates, and deletes what they do not name. */
    synchronized void apply(List<Statement> statements) throws ConfigException {
        try {
            Set<String> kept = new HashSet<>();
            boolean dataplane = false;
            List<Statement> ordered = new ArrayList<>(statements);
            // Settings before devices, generators last: a generator's first frame then meets its
            // cross-connect and the device it leads to.
            ordered.sort(java.util.Comparator.comparingInt(s -> types.get(s.kind()).order(s.settings())));
            for (Statement s : ordered) {
                StatementType kind = types.get(s.kind());
                Dictionary<String, Object> props = new Hashtable<>(s.settings());
                Configuration c;
                if (kind.named()) {
                    props.put(NAME, s.name());
                    c = cm.getFactoryConfiguration(kind.pid(), s.name(), "?");
                } else {
                    c = cm.getConfiguration(kind.pid(), "?");
                    dataplane |= s.kind().equals("dataplane");
                }
                c.updateIfDifferent(props);
                kept.add(c.getPid());
            }
            if (!dataplane) {
                // Always present after a load: its presence tells a later boot that this is not the first.
                cm.getConfiguration(pidOf("dataplane"), "?").updateIfDifferent(new Hashtable<>());
                kept.add(pidOf("dataplane"));
            }
            for (StatementType kind : typesInOrder()) {
                if (!kind.named()) {
                    continue;
                }
                for (Configuration c : list(kind.pid())) {
                    if (!kept.contains(c.getPid())) {
                        c.delete();
                    }
                }
            }
        } catch (IOException e) {
            throw new ConfigException(List.of(new Problem("configuration admin", 0, e.toString())));
        }
    }

    private List<Configuration> list(String factoryPid) throws IOException {
        try {
            Configuration[] cs = cm.listConfigurations("(service.factoryPid=" + factoryPid + ")");
            return cs == null ? List.of() : List.of(cs);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String show() {
        StringBuilder sb = new StringBuilder();
        try {
            for (StatementType kind : typesInOrder()) {
                List<Configuration> cs = new ArrayList<>();
                if (kind.named()) {
                    cs.addAll(list(kind.pid()));
                } else {
                    Configuration[] one = cm.listConfigurations("(service.pid=" + kind.pid() + ")");
                    if (one != null) {
                        cs.addAll(List.of(one));
                    }
                }
                List<String> lines = new ArrayList<>();
                for (Configuration c : cs) {
                    Dictionary<String, Object> p = c.getProperties();
                    if (p == null) {
                        continue;
                    }
                    Map<String, Object> m = new java.util.HashMap<>();
                    for (Enumeration<String> keys = p.keys(); keys.hasMoreElements(); ) {
                        String k = keys.nextElement();
                        m.put(k, p.get(k));
                    }
                    lines.add(ConfigParser.format(kind, kind.named() ? (String) m.get(NAME) : null, m));
                }
                Collections.sort(lines);
                lines.forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException | InvalidSyntaxException e) {
            sb.append("# cannot read configuration admin: ").append(e).append('\n');
        }
        return sb.toString();
    }
}
