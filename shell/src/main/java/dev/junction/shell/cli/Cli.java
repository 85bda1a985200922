package dev.junction.shell.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One command's syntax: positional arguments and {@code --options}, parsed from the words Gogo hands
 * over. {@code --help} prints the help; a mistake prints what was wrong and the right form, and the
 * command returns nothing.
 */
public final class Cli {
    private final String name;
    private final String summary;
    private final List<String> positional = new ArrayList<>();
    private int required;
    private final Map<String, String[]> options = new LinkedHashMap<>(); // name -> {valueName or null, help}

    private Cli(String name, String summary) {
        this.name = name;
        this.summary = summary;
    }

    public static Cli command(String name, String summary) {
        return new Cli(name, summary);
    }

    /** A required positional argument; a name ending in {@code ...} (last) takes one or more words. */
    public Cli arg(String argName) {
        positional.add(argName);
        required++;
        return this;
    }

    /** An optional positional argument (after the required ones); {@code NAME...} (last) takes any number of words. */
    public Cli optionalArg(String argName) {
        positional.add("[" + argName + "]");
        return this;
    }

    public Cli option(String opt, String valueName, String help) {
        options.put(opt, new String[] {valueName, help});
        return this;
    }

    public Cli flag(String opt, String help) {
        return option(opt, null, help);
    }

    /** Where arguments of these names get their TAB completions from (a Gogo function). */
    private static final java.util.Map<String, String> ARG_SOURCES = java.util.Map.of(
            "NAME", "interface:names", "INTERFACE", "interface:names", "NODE", "graph:names");

    /** The {@code complete} line that declares this command's options and argument completion. */
    public String completion() {
        StringBuilder sb = new StringBuilder("complete -c ").append(name).append(" -l help");
        options.keySet().forEach(o -> sb.append(" -l ").append(o));
        for (String p : positional) {
            String source = ARG_SOURCES.get(p.replace("[", "").replace("]", ""));
            if (source != null) {
                sb.append(" -a '").append(source).append("'");
                break;
            }
        }
        return sb.toString();
    }

    public String usage() {
        StringBuilder sb = new StringBuilder(name);
        options.forEach((o, v) -> sb.append(" [--").append(o).append(v[0] == null ? "" : " " + v[0]).append(']'));
        positional.forEach(p -> sb.append(' ').append(p));
        return sb.toString();
    }

    public String help() {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(" - ").append(summary).append("\nusage: ").append(usage()).append('\n');
        if (!options.isEmpty()) {
            sb.append("options:\n");
            options.forEach((o, v) -> sb.append(String.format("  --%-22s %s%n", o + (v[0] == null ? "" : " " + v[0]), v[1])));
        }
        sb.append("  --help                   show this help\n");
        return sb.toString();
    }

    /** The parsed words. */
    public static final class Args {
        public final List<String> positional = new ArrayList<>();
        public final Map<String, String> options = new LinkedHashMap<>();

        public String arg(int i) {
            return positional.get(i);
        }

        public String arg(int i, String def) {
            return i < positional.size() ? positional.get(i) : def;
        }

        public boolean has(String opt) {
            return options.containsKey(opt);
        }

        public String get(String opt, String def) {
            return options.getOrDefault(opt, def);
        }

        public long number(String opt, long def, long min, long max) {
            String v = options.get(opt);
            if (v == null) {
                return def;
            }
            try {
                long n = Long.parseLong(v.replace("_", ""));
                if (n < min || n > max) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + opt + " must be a whole number from " + min + " to " + max + ", not '" + v + "'");
            }
        }
    }

    public Args parse(Object[] words) {
        Args a = new Args();
        for (int i = 0; i < words.length; i++) {
            String w = String.valueOf(words[i]);
            if (w.startsWith("--")) {
                String opt = w.substring(2);
                String value = null;
                int eq = opt.indexOf('=');
                if (eq >= 0) {
                    value = opt.substring(eq + 1);
                    opt = opt.substring(0, eq);
                }
                String[] spec = options.get(opt);
                if (opt.equals("help")) {
                    a.options.put("help", "");
                    continue;
                }
                if (spec == null) {
                    throw new IllegalArgumentException("unknown option --" + opt);
                }
                if (spec[0] != null && value == null) {
                    if (i + 1 >= words.length) {
                        throw new IllegalArgumentException("--" + opt + " needs a value (" + spec[0] + ")");
                    }
                    value = String.valueOf(words[++i]);
                }
                if (spec[0] == null && value != null) {
                    throw new IllegalArgumentException("--" + opt + " takes no value");
                }
                a.options.put(opt, value == null ? "" : value);
            } else if (w.equals("-h")) {
                a.options.put("help", "");
            } else {
                a.positional.add(w);
            }
        }
        if (a.has("help")) {
            return a;
        }
        if (a.positional.size() < required) {
            throw new IllegalArgumentException("missing " + positional.get(a.positional.size()));
        }
        boolean variadic = !positional.isEmpty() && positional.getLast().replace("]", "").endsWith("...");
        if (a.positional.size() > positional.size() && !variadic) {
            throw new IllegalArgumentException("unexpected argument '" + a.positional.get(positional.size()) + "'");
        }
        return a;
    }

    /**
     * Parses and runs: the body's result is returned for Gogo to print; help goes to stdout, errors to
     * stderr with the usage, and then nothing is returned.
     */
    public Object run(Object[] words, Function<Args, Object> body) {
        PrintStream out = System.out;
        try {
            Args a = parse(words == null ? new Object[0] : words);
            if (a.has("help")) {
                out.print(help());
                return null;
            }
            return body.apply(a);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(name + ": " + e.getMessage());
            System.err.println("usage: " + usage() + "   (" + name + " --help for more)");
            return null;
        }
    }
}
