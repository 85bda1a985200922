package dev.junction.bench;

import dev.junction.routing.internal.Dir24Fib;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * IPv4 lookup cost on a real full table (iprbench tier-1, 901,899 prefixes), next hops synthetic
 * (a hash of the prefix, 1..256). Reports load time, memory and ns/cycles per lookup for addresses
 * inside routes (shuffled) and for uniformly random addresses, one at a time and by vectors of 64;
 * writes the same table in dpdk-test-fib's format, and the two address traces to
 * {@code ROUTES_OUT.in-route} and {@code ROUTES_OUT.random} (one address a line, for its {@code -t}),
 * so that DPDK looks up the very same addresses. Usage: {@code FibBench TABLE.xz ROUTES_OUT [LOOKUPS]}.
 */
public final class FibBench {

    public static void main(String[] args) throws Exception {
        Path table = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int lookups = args.length > 2 ? Integer.parseInt(args[2]) : 10_000_000;
        int[] prefixes = new int[1 << 20];
        int[] lengths = new int[1 << 20];
        int n = 0;
        Process xz = new ProcessBuilder("xz", "-dc", table.toString()).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(xz.getInputStream(), StandardCharsets.US_ASCII));
                PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            for (String line; (line = r.readLine()) != null; ) {
                int slash = line.indexOf('/');
                String[] q = line.substring(0, slash).split("\\.");
                prefixes[n] = (Integer.parseInt(q[0]) << 24) | (Integer.parseInt(q[1]) << 16) | (Integer.parseInt(q[2]) << 8)
                        | Integer.parseInt(q[3]);
                lengths[n] = Integer.parseInt(line.substring(slash + 1));
                w.println(line + " " + nextHop(prefixes[n], lengths[n]));
                n++;
            }
        }
        // Shorter prefixes first: each add then only overwrites what it covers once.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(lengths[a], lengths[b]));
        System.gc();
        long heap0 = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        long t0 = System.nanoTime();
        Dir24Fib fib = new Dir24Fib();
        for (Integer i : order) {
            fib.add(prefixes[i], lengths[i], nextHop(prefixes[i], lengths[i]));
        }
        long t1 = System.nanoTime();
        System.gc();
        long heap1 = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        double ghz = PipelineBench.cpuGhz();
        System.out.printf(Locale.ROOT, "junction fib load: %d routes in %.2f s, %.0f MiB (heap delta %.0f MiB)%n", n,
                (t1 - t0) / 1e9, fib.memoryBytes() / 1048576.0, (heap1 - heap0) / 1048576.0);

        SplittableRandom rnd = new SplittableRandom(7);
        int[] inRoute = new int[lookups];
        int[] random = new int[lookups];
        for (int i = 0; i < lookups; i++) {
            int k = rnd.nextInt(n);
            int host = lengths[k] == 32 ? 0 : rnd.nextInt() >>> lengths[k];
            inRoute[i] = prefixes[k] | host;
            random[i] = rnd.nextInt();
        }
        writeTrace(Path.of(out + ".in-route"), inRoute);
        writeTrace(Path.of(out + ".random"), random);
        for (int round = 0; round < 3; round++) { // the last round is reported; earlier ones warm the JIT
            report(fib, inRoute, "in-route", ghz, round == 2);
            report(fib, random, "random", ghz, round == 2);
        }
    }

    private static void report(Dir24Fib fib, int[] addresses, String name, double ghz, boolean print) {
        long t0 = System.nanoTime();
        long sum = 0;
        for (int a : addresses) {
            sum += fib.lookup(a);
        }
        long t1 = System.nanoTime();
        double ns = (double) (t1 - t0) / addresses.length;
        // Then by vectors of 64, as dpdk-test-fib looks up (bulk lookups, bursts of 64).
        int[] burst = new int[Fib6Bench.BURST];
        int[] results = new int[Fib6Bench.BURST];
        long t2 = System.nanoTime();
        long vsum = 0;
        int b = Fib6Bench.BURST;
        for (int i = 0; i + b <= addresses.length; i += b) {
            System.arraycopy(addresses, i, burst, 0, b);
            fib.lookupAll(burst, results, b);
            for (int k = 0; k < b; k++) {
                vsum += results[k];
            }
        }
        double vns = (double) (System.nanoTime() - t2) / (addresses.length / b * b);
        if (print) {
            System.out.printf(Locale.ROOT, "junction fib lookup %-8s ns=%.2f cycles=%.1f (checksum %d)%n", name, ns, ns * ghz, sum);
            System.out.printf(Locale.ROOT, "junction fib vector %-8s ns=%.2f cycles=%.1f (checksum %d)%n", name, vns, vns * ghz, vsum);
        }
    }

    private static void writeTrace(Path file, int[] addresses) throws java.io.IOException {
        try (java.io.Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            StringBuilder line = new StringBuilder(16);
            for (int a : addresses) {
                line.setLength(0);
                line.append(a >>> 24).append('.').append((a >>> 16) & 0xFF).append('.').append((a >>> 8) & 0xFF).append('.')
                        .append(a & 0xFF).append('\n');
                w.append(line);
            }
        }
    }

    /** A synthetic next hop in 1..256, the same for the same prefix in both runs. */
    static int nextHop(int prefix, int len) {
        int h = (prefix * 0x9E3779B1) ^ (len * 0x85EBCA6B);
        return ((h >>> 16) & 0xFF) + 1;
    }
}
