package dev.junction.core.config;

import dev.junction.config.ConfigException;
import dev.junction.config.StatementType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configuration parser with the core's statements and {@code extra} ones (the parser is package-private). */
public final class ConfigFuzz {
    private final Map<String, StatementType> types = new LinkedHashMap<>(ConfigSchema.KINDS);

    public ConfigFuzz(List<StatementType> extra) {
        for (StatementType t : extra) {
            types.put(t.kind(), t);
        }
    }

    /** Every statement kind with its usage line, the templates' source. */
    public Map<String, StatementType> types() {
        return Map.copyOf(types);
    }

    /** Parses: the statements' count, or -(problems) when it refused. */
    public int parse(String text) {
        try {
            return ConfigParser.parse(text, "fuzz", types).size();
        } catch (ConfigException e) {
            return -e.problems().size();
        }
    }
}
