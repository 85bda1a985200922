package dev.junction.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * A statement declared once: its keys with their form, help, parser and default; its usage line,
 * its checks and how a stored configuration reads back all follow from that, so that a bundle does
 * not keep keys, usage and checks in agreement by hand. Register a built spec as a
 * {@link StatementType} service, or make a component of a subclass, and read configurations with
 * {@link #read}:
 *
 * <pre>{@code
 * @Component(service = StatementType.class)
 * public final class VhostStatement extends StatementSpec {
 *     public VhostStatement() {
 *         super(named("vhost", "junction.vhost")
 *                 .key("socket", "PATH", "the vhost-user Unix socket path (absolute)", VhostStatement::checkSocket)
 *                 .key("mode", "server|client", "who listens", choice("server", "client"), "server"));
 *     }
 * }
 * }</pre>
 */
public class StatementSpec implements StatementType {

    /** Turns a key's text into the value stored (Boolean, Integer, Long or String); throws IllegalArgumentException saying what is allowed. */
    @FunctionalInterface
    public interface Parser {
        Object parse(String text);
    }

    private record Key(String name, String form, String help, Parser parser, Object defaultValue, boolean required) {
    }

    private final String kind;
    private final boolean named;
    private final String pid;
    private final List<Key> keys;
    private final Set<String> unique;
    private final int order;
    private final BiConsumer<String, Map<String, Object>> whole;

    /** The statement {@code b} declares (for a subclass that is a component of its own). */
    protected StatementSpec(Builder b) {
        this.kind = b.kind;
        this.named = b.named;
        this.pid = b.pid;
        this.keys = List.copyOf(b.keys);
        this.unique = Set.copyOf(b.unique);
        this.order = b.order;
        this.whole = b.whole;
    }

    /** A statement that names an object: {@code KIND NAME key=value ...}, a factory configuration of {@code factoryPid}. */
    public static Builder named(String kind, String factoryPid) {
        return new Builder(kind, true, factoryPid);
    }

    /** A statement of which there is one: {@code KIND key=value ...}, the configuration {@code pid}. */
    public static Builder singleton(String kind, String pid) {
        return new Builder(kind, false, pid);
    }

    public static final class Builder {
        private final String kind;
        private final boolean named;
        private final String pid;
        private final List<Key> keys = new ArrayList<>();
        private final Set<String> unique = new LinkedHashSet<>();
        private int order = 10;
        private BiConsumer<String, Map<String, Object>> whole = (name, values) -> {
        };

        private Builder(String kind, boolean named, String pid) {
            this.kind = kind;
            this.named = named;
            this.pid = pid;
        }

        /** A key the statement must have; {@code form} shows its values in the usage line (e.g. {@code PATH}). */
        public Builder key(String name, String form, String help, Parser parser) {
            keys.add(new Key(name, form, help, parser, null, true));
            return this;
        }

        /** A key that may be left out: then {@code defaultValue} is stored, or nothing when it is null. */
        public Builder key(String name, String form, String help, Parser parser, Object defaultValue) {
            keys.add(new Key(name, form, help, parser, defaultValue, false));
            return this;
        }

        /** A key whose value no two statements of this kind may share. */
        public Builder unique(String key) {
            unique.add(key);
            return this;
        }

        /** When the statement applies among the others (see {@link StatementType#order}). */
        public Builder order(int order) {
            this.order = order;
            return this;
        }

        /**
         * A check of the statement as a whole (keys against each other, or against its name), after
         * each key's own; it may also add values that follow from others (a default taken from NAME).
         */
        public Builder check(BiConsumer<String, Map<String, Object>> whole) {
            this.whole = whole;
            return this;
        }

        public StatementSpec build() {
            return new StatementSpec(this);
        }
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final boolean named() {
        return named;
    }

    @Override
    public final String pid() {
        return pid;
    }

    @Override
    public final Map<String, String> keys() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Key k : keys) {
            out.put(k.name, k.help);
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public final String usage() {
        StringBuilder sb = new StringBuilder(kind);
        if (named) {
            sb.append(" NAME");
        }
        for (Key k : keys) {
            String word = k.name + "=" + k.form;
            sb.append(' ').append(k.required ? word : "[" + word + "]");
        }
        return sb.toString();
    }

    @Override
    public final Map<String, Object> check(String name, Map<String, String> words) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Key k : keys) {
            String text = words.get(k.name);
            if (text == null) {
                if (k.required) {
                    throw new IllegalArgumentException(k.name + "=" + k.form + " is missing; write: " + usage());
                }
                if (k.defaultValue != null) {
                    out.put(k.name, k.defaultValue);
                }
                continue;
            }
            try {
                out.put(k.name, k.parser.parse(text));
            } catch (IllegalArgumentException e) {
                // Name the key, unless the parser's message already starts with it ("socket must be ...").
                String why = String.valueOf(e.getMessage());
                throw new IllegalArgumentException(why.startsWith(k.name + " ") ? why : k.name + ": " + why);
            }
        }
        whole.accept(name, out);
        return out;
    }

    @Override
    public final Set<String> uniqueKeys() {
        return unique;
    }

    @Override
    public final int order(Map<String, Object> settings) {
        return order;
    }

    /**
     * A stored configuration's values by key, defaults filled in (a key stored by an older version
     * of the bundle, or by hand, that is missing gets its default); keys the spec does not know are
     * left out. For a bundle's ManagedService(Factory) to read what the statement stored.
     */
    public final Map<String, Object> read(Dictionary<String, ?> properties) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Key k : keys) {
            Object v = properties == null ? null : properties.get(k.name);
            if (v == null) {
                v = k.defaultValue;
            }
            if (v != null) {
                out.put(k.name, v);
            }
        }
        return out;
    }

    // ---- parsers for the usual kinds of value ----

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    /** An interface (or other object) name: a letter or digit, then up to 63 of those or {@code _ . : -}. */
    public static Parser name(String what) {
        return text -> {
            if (!NAME.matcher(text).matches()) {
                throw new IllegalArgumentException("must be " + what + " (a name: letters, digits, _ . : -), not '" + text + "'");
            }
            return text;
        };
    }

    /** One of {@code values}, as written. */
    public static Parser choice(String... values) {
        List<String> allowed = List.of(values);
        return text -> {
            if (!allowed.contains(text)) {
                throw new IllegalArgumentException("must be " + String.join(" or ", allowed) + ", not '" + text + "'");
            }
            return text;
        };
    }

    /** {@code true} or {@code false}. */
    public static Parser bool() {
        return text -> switch (text) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("must be true or false, not '" + text + "'");
        };
    }

    /** A whole number from {@code min} to {@code max}, stored as a Long ({@code _} may group digits). */
    public static Parser number(long min, long max) {
        return text -> {
            long v;
            try {
                v = Long.parseLong(text.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number from " + min + " to " + max + ", not '" + text + "'");
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException("must be from " + min + " to " + max + ", not " + v);
            }
            return v;
        };
    }
}
