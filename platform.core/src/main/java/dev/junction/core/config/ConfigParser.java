package dev.junction.core.config;

import dev.junction.config.ConfigException;
import dev.junction.config.ConfigException.Problem;
import dev.junction.config.JunctionConfig.Statement;
import dev.junction.config.StatementType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads configuration text: one statement per line, {@code KIND [NAME] key=value ...}, '#' starts a
 * comment. Collects every problem with its line before it refuses, so one run shows them all.
 */
final class ConfigParser {
    private ConfigParser() {
    }

    static List<Statement> parse(String text, String source, Map<String, StatementType> types) throws ConfigException {
        List<Statement> out = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        // "kind key=value" of each unique key already given, to the line that gave it.
        Map<String, Integer> taken = new java.util.HashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                Statement s = statement(line, lineNo, types);
                String id = s.kind() + " " + (s.name() == null ? "" : s.name());
                if (!seen.add(id)) {
                    throw new IllegalArgumentException(id.strip() + " is configured twice (keep one line for it)");
                }
                for (String key : types.get(s.kind()).uniqueKeys()) {
                    Object value = s.settings().get(key);
                    Integer first = value == null ? null : taken.putIfAbsent(s.kind() + " " + key + "=" + value, lineNo);
                    if (first != null) {
                        throw new IllegalArgumentException(key + "=" + value + " is given on line " + first
                                + " already: no two " + s.kind() + " statements may share a " + key);
                    }
                }
                out.add(s);
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(source, lineNo, e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return out;
    }

    private static Statement statement(String line, int lineNo, Map<String, StatementType> types) {
        String[] words = line.split("\\s+");
        StatementType kind = types.get(words[0]);
        if (kind == null) {
            throw new IllegalArgumentException("unknown statement '" + words[0] + "'; statements: "
                    + String.join(", ", new java.util.TreeSet<>(types.keySet())));
        }
        int w = 1;
        String name = null;
        if (kind.named()) {
            if (words.length < 2 || words[1].contains("=")) {
                throw new IllegalArgumentException(kind.kind() + " needs a name; write: " + kind.usage());
            }
            name = words[1];
            if (!ConfigSchema.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + name + "' is not a valid name: a letter, then up to 46 letters, digits, '_', '.' or '-'");
            }
            w = 2;
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (; w < words.length; w++) {
            int eq = words[w].indexOf('=');
            if (eq <= 0 || eq == words[w].length() - 1) {
                throw new IllegalArgumentException("'" + words[w] + "' is not key=value; write: " + kind.usage());
            }
            String keyName = words[w].substring(0, eq);
            if (!kind.keys().containsKey(keyName)) {
                throw new IllegalArgumentException("unknown key '" + keyName + "' for " + kind.kind() + "; keys: "
                        + String.join(", ", kind.keys().keySet()));
            }
            if (settings.put(keyName, words[w].substring(eq + 1)) != null) {
                throw new IllegalArgumentException(keyName + " is given twice");
            }
        }
        return new Statement(lineNo, kind.kind(), name, Map.copyOf(kind.check(name, settings)));
    }

    /** Formats a statement as a configuration line. */
    static String format(StatementType type, String name, Map<String, Object> settings) {
        StringBuilder sb = new StringBuilder(type.kind());
        if (name != null) {
            sb.append(' ').append(name);
        }
        for (String key : type.keys().keySet()) {
            Object v = settings.get(key);
            if (v != null) {
                sb.append(' ').append(key).append('=').append(v);
            }
        }
        return sb.toString();
    }
}
