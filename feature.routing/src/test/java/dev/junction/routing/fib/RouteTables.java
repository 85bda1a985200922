package dev.junction.routing.fib;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The real tables of the shared data folder (see its README: a 2023 full table, 901,899 IPv4 and
 * 160,147 IPv6 routes) with synthetic next hops, since the source has none: a hash of the prefix
 * mod 256, plus 1. Read once per JVM through {@code xz -dc}.
 */
final class RouteTables {
    /** The project's data folder, or the one -Djunction.routes names. */
    static final Path DATA = dataFolder();

    private static Path dataFolder() {
        String given = System.getProperty("junction.routes");
        if (given != null) {
            return Path.of(given);
        }
        return Path.of("../data"); // the project's copy (data/README.md), from the module folder Maven runs in
    }

    record V4(int[] prefixes, byte[] lengths, int[] nextHops, int count) {
    }

    record V6(long[] highs, long[] lows, byte[] lengths, int[] nextHops, int count) {
    }

    private static V4 ipv4;
    private static V6 ipv6;

    private RouteTables() {
    }

    static synchronized V4 ipv4() {
        if (ipv4 == null) {
            List<String> lines = read("iprbench-tier1-ipv4.txt.xz");
            int n = lines.size();
            V4 t = new V4(new int[n], new byte[n], new int[n], n);
            for (int i = 0; i < n; i++) {
                Ipv4Prefix p = Ipv4Prefix.parse(lines.get(i));
                t.prefixes[i] = p.address();
                t.lengths[i] = (byte) p.length();
                t.nextHops[i] = syntheticNextHop(p.address(), 0, p.length());
            }
            ipv4 = t;
        }
        return ipv4;
    }

    static synchronized V6 ipv6() {
        if (ipv6 == null) {
            List<String> lines = read("iprbench-tier1-ipv6.txt.xz");
            int n = lines.size();
            V6 t = new V6(new long[n], new long[n], new byte[n], new int[n], n);
            for (int i = 0; i < n; i++) {
                Ipv6Prefix p = Ipv6Prefix.parse(lines.get(i));
                t.highs[i] = p.high();
                t.lows[i] = p.low();
                t.lengths[i] = (byte) p.length();
                t.nextHops[i] = syntheticNextHop(p.high(), p.low(), p.length());
            }
            ipv6 = t;
        }
        return ipv6;
    }

    static int syntheticNextHop(long high, long low, int length) {
        long h = (high * 0x9E37_79B9_7F4A_7C15L ^ low) + length;
        h = (h ^ (h >>> 31)) * 0xBF58_476D_1CE4_E5B9L;
        return (int) ((h ^ (h >>> 29)) & 0xFF) + 1;
    }

    private static List<String> read(String name) {
        Path file = DATA.resolve(name);
        if (!Files.isReadable(file)) {
            System.out.println("SKIPPED LOUDLY: " + file + " is missing (set -Djunction.routes=DIR)");
            Assumptions.abort(file + " is missing");
        }
        List<String> lines = new ArrayList<>(1 << 20);
        try {
            Process xz = new ProcessBuilder("xz", "-dc", file.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(xz.getInputStream(), StandardCharsets.US_ASCII))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            }
            if (xz.waitFor() != 0) {
                throw new IllegalStateException("xz -dc " + file + " exited with " + xz.exitValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run xz -dc " + file, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return lines;
    }
}
