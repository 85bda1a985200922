package dev.junction.fuzz;

import dev.junction.config.StatementType;
import dev.junction.core.config.ConfigFuzz;
import dev.junction.drivers.vhost.VhostStatement;
import dev.junction.l2.osgi.XconnectStatement;
import dev.junction.routing.internal.FuzzRouting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The configuration parser of platform.core with every statement Junction has (the core's, routing's,
 * l2's and vhost's): documents of one to six lines made from each statement's keys with values good
 * and bad, plus the lines of conf/*.conf, then mutated a character at a time (deleted, inserted from
 * separators, comment and line marks, control characters, non-ASCII and lone surrogates), lines
 * duplicated, swapped and cut. Each document must parse or be refused with its problems listed:
 * no other exception. A tenth of {@code junction.fuzz.frames} documents: each is several lines
 * through regular expressions and exceptions.
 */
class ConfigParserFuzzTest {
    private static final String[] VALUES = {"0", "1", "64", "1500", "-1", "99999999999999999999", "1_000", "0x10", "",
        "true", "false", "auto", "0-3", "1,2", "3-1", "0-999999", "02:00:00:00:00:01", "zz:00:00:00:00:01",
        "02:00:00:00:00", "10.1.0.1/24", "2001:db8::1/64", "10.1.0.1/33", "::/0", "1.2.3", "10.0.0.1", "up", "down",
        "spin", "backoff", "park", "bypass", "drop", "server", "client", "/tmp/junction-fuzz.sock", "j0", "mem0", "blue",
        "main", "254", "4294967296", "127.0.0.1:2620", "[::1]:2620", "10.0.0.1:0", "1.2.3.4.5:80", ":::1", "[::1]", "a".repeat(60), "=", "==", "#"};
    private static final String[] NAMES = {"j0", "mem0", "red", "r-10.0.0.0-8", "j0-10.1.0.1-24", "0bad", "a".repeat(48),
        "x.y-z_1", "vhost0", "ünïcode"};
    private static final char[] CHARS = {' ', '=', '#', '\t', '\r', '\n', '\0', '\u00e9', '\u2028', '\uD800', '\uFEFF',
        '0', '9', 'a', 'Z', '-', '/', ':', '.', ',', '_', '"'};

    private final FuzzRandom rng = new FuzzRandom(0);

    @Test
    void configurationText() throws IOException {
        List<StatementType> extra = new ArrayList<>(FuzzRouting.statements());
        extra.add(new XconnectStatement());
        extra.add(new VhostStatement());
        ConfigFuzz parser = new ConfigFuzz(extra);
        List<StatementType> types = List.copyOf(parser.types().values());
        List<String> confLines = new ArrayList<>();
        try (var files = Files.list(Path.of("..", "conf"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".conf")).toList()) {
                confLines.addAll(Files.readAllLines(p));
            }
        }
        long frames = Math.max(1, NodeFuzz.frames() / 10); // each costs about ten frames' time
        long seed = NodeFuzz.seed("config");
        long accepted = 0, refused = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < frames; i++) {
            String text = document(FuzzRandom.mix(seed, i), types, confLines);
            int outcome;
            try {
                outcome = parser.parse(text);
            } catch (RuntimeException e) {
                throw new FuzzFailure("fuzz config failed: the parser threw " + e + "\n  seed " + seed + ", document " + i
                        + ":\n" + text.replace("\n", "\\n\n").replace("\r", "\\r").replace("\0", "\\0"), e, new long[] {i});
            }
            if (outcome >= 0) {
                accepted++;
            } else {
                refused++;
            }
        }
        System.out.printf("fuzz config: seed %d, %,d documents (%,d accepted, %,d refused) in %.1f s%n", seed, frames,
                accepted, refused, (System.nanoTime() - t0) / 1e9);
    }

    private String document(long seed, List<StatementType> types, List<String> confLines) {
        rng.seed(seed);
        List<String> lines = new ArrayList<>();
        int n = rng.between(1, 6);
        for (int k = 0; k < n; k++) {
            if (!confLines.isEmpty() && rng.percent(20)) {
                lines.add(confLines.get(rng.nextInt(confLines.size())));
                continue;
            }
            StatementType t = types.get(rng.nextInt(types.size()));
            StringBuilder sb = new StringBuilder(t.kind());
            if (t.named() ? rng.percent(95) : rng.percent(5)) {
                sb.append(' ').append(rng.percent(80) ? NAMES[rng.nextInt(NAMES.length)] : "n" + rng.nextInt(1000));
            }
            List<String> keys = List.copyOf(t.keys().keySet());
            int m = keys.isEmpty() ? 0 : rng.between(0, keys.size() + 1);
            for (int j = 0; j < m; j++) {
                String key = rng.percent(95) ? keys.get(rng.nextInt(keys.size())) : "nokey";
                sb.append(rng.percent(90) ? " " : "\t").append(key).append('=').append(VALUES[rng.nextInt(VALUES.length)]);
            }
            if (rng.percent(10)) {
                sb.append(" # a comment");
            }
            lines.add(sb.toString());
        }
        int mutations = rng.percent(30) ? 0 : rng.between(1, 4);
        for (int k = 0; k < mutations; k++) {
            int l = rng.nextInt(lines.size());
            String s = lines.get(l);
            switch (rng.nextInt(5)) {
                case 0 -> {
                    if (!s.isEmpty()) {
                        int at = rng.nextInt(s.length());
                        lines.set(l, s.substring(0, at) + s.substring(at + 1));
                    }
                }
                case 1 -> {
                    int at = rng.nextInt(s.length() + 1);
                    lines.set(l, s.substring(0, at) + CHARS[rng.nextInt(CHARS.length)] + s.substring(at));
                }
                case 2 -> lines.add(rng.nextInt(lines.size() + 1), s);
                case 3 -> lines.set(l, s.substring(0, rng.nextInt(s.length() + 1)));
                default -> {
                    int o = rng.nextInt(lines.size());
                    lines.set(l, lines.get(o));
                    lines.set(o, s);
                }
            }
        }
        return String.join(rng.percent(90) ? "\n" : "\r\n", lines);
    }
}
