package dev.junction.config;

import java.util.List;

/** A configuration refused, with every problem found: source, line and reason. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** One problem: the line it is on (0: the whole file) and what is wrong. */
    public record Problem(String source, int line, String reason) {
        @Override
        public String toString() {
            return line > 0 ? source + ":" + line + ": " + reason : source + ": " + reason;
        }
    }

    private final List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String summary(List<Problem> problems) {
        StringBuilder sb = new StringBuilder("configuration refused, nothing applied:");
        for (Problem p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
