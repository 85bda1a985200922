package dev.junction.config;

import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Junction's configuration as a file of statements, one per line (see docs/CONFIGURATION.md), kept in
 * ConfigAdmin so that it survives restarts and bundle updates. A file is checked whole before any of
 * it is applied: one bad line and nothing changes.
 */
@ProviderType
public interface JunctionConfig {

    /** Checks a file and, when every line is good, makes it the whole running configuration. */
    void load(Path file) throws ConfigException;

    /** Checks configuration text without applying it; returns the statements it holds. */
    List<Statement> check(String text, String source) throws ConfigException;

    /** The running configuration in file form. */
    String show();

    /** One statement: its kind ({@code memdev}), name (null for singletons) and settings, from line {@code line}. */
    record Statement(int line, String kind, String name, java.util.Map<String, Object> settings) {
    }
}
