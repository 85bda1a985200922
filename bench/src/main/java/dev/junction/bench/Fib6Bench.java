package dev.junction.bench;

import dev.junction.routing.fib.Ipv6Fib;
import dev.junction.routing.fib.Ipv6Prefix;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * IPv6 lookup cost on the real iprbench tier-1 IPv6 table (160,147 prefixes, synthetic next hops
 * 1..256) in Junction's {@link Ipv6Fib}, one at a time and by vectors of 64; writes the same table
 * for {@code dpdk-test-fib -6}, and the address traces to {@code ROUTES_OUT.in-route} and
 * {@code ROUTES_OUT.random} for its {@code -t}, so that DPDK looks up the very same addresses.
 * Usage: {@code Fib6Bench TABLE.xz ROUTES_OUT [LOOKUPS]}.
 */
public final class Fib6Bench {

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[1]);
        int lookups = args.length > 2 ? Integer.parseInt(args[2]) : 10_000_000;
        long[] hi = new long[200_000];
        long[] lo = new long[200_000];
        byte[] len = new byte[200_000];
        int[] nh = new int[200_000];
        int n = 0;
        Process xz = new ProcessBuilder("xz", "-dc", args[0]).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(xz.getInputStream(), StandardCharsets.US_ASCII));
                PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            for (String line; (line = r.readLine()) != null; ) {
                Ipv6Prefix p = Ipv6Prefix.parse(line);
                hi[n] = p.high();
                lo[n] = p.low();
                len[n] = (byte) p.length();
                nh[n] = (int) (((p.high() * 0x9E3779B97F4A7C15L) ^ p.length()) >>> 56) + 1;
                w.println(line + " " + nh[n]);
                n++;
            }
        }
        long t0 = System.nanoTime();
        Ipv6Fib fib = Ipv6Fib.build(hi, lo, len, nh, n);
        long t1 = System.nanoTime();
        double ghz = PipelineBench.cpuGhz();
        System.out.printf(Locale.ROOT, "junction fib6 load: %d routes in %.2f s, %.0f MiB%n", n, (t1 - t0) / 1e9,
                fib.memoryBytes() / 1048576.0);
        SplittableRandom rnd = new SplittableRandom(7);
        long[] inHi = new long[lookups];
        long[] inLo = new long[lookups];
        long[] rHi = new long[lookups];
        long[] rLo = new long[lookups];
        for (int i = 0; i < lookups; i++) {
            int k = rnd.nextInt(n);
            int l = len[k] & 0xFF;
            long hostHi = l >= 64 ? 0 : rnd.nextLong() >>> l;
            long hostLo = l >= 128 ? 0 : l <= 64 ? rnd.nextLong() : rnd.nextLong() >>> (l - 64);
            inHi[i] = hi[k] | (l == 0 ? rnd.nextLong() : hostHi);
            inLo[i] = lo[k] | hostLo;
            rHi[i] = rnd.nextLong();
            rLo[i] = rnd.nextLong();
        }
        writeTrace(Path.of(out + ".in-route"), inHi, inLo);
        writeTrace(Path.of(out + ".random"), rHi, rLo);
        for (int round = 0; round < 3; round++) {
            report(fib, inHi, inLo, "in-route", ghz, round == 2);
            report(fib, rHi, rLo, "random", ghz, round == 2);
        }
    }

    private static void report(Ipv6Fib fib, long[] hi, long[] lo, String name, double ghz, boolean print) {
        long t0 = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < hi.length; i++) {
            sum += fib.lookup(hi[i], lo[i]);
        }
        double ns = (double) (System.nanoTime() - t0) / hi.length;
        // Then by vectors of 64, as dpdk-test-fib looks up (rte_fib6_lookup_bulk, bursts of 64).
        long[] vh = new long[BURST];
        long[] vl = new long[BURST];
        int[] results = new int[BURST];
        int[] pending = new int[BURST];
        long t1 = System.nanoTime();
        long vsum = 0;
        for (int i = 0; i + BURST <= hi.length; i += BURST) {
            System.arraycopy(hi, i, vh, 0, BURST);
            System.arraycopy(lo, i, vl, 0, BURST);
            fib.lookupAll(vh, vl, results, pending, BURST);
            for (int k = 0; k < BURST; k++) {
                vsum += results[k];
            }
        }
        double vns = (double) (System.nanoTime() - t1) / (hi.length / BURST * BURST);
        if (print) {
            System.out.printf(Locale.ROOT, "junction fib6 lookup %-8s ns=%.2f cycles=%.1f (checksum %d)%n", name, ns, ns * ghz, sum);
            System.out.printf(Locale.ROOT, "junction fib6 vector %-8s ns=%.2f cycles=%.1f (checksum %d)%n", name, vns, vns * ghz, vsum);
        }
    }

    /** Full form, eight groups of hex digits, which inet_pton reads. */
    private static void writeTrace(Path file, long[] highs, long[] lows) throws java.io.IOException {
        try (java.io.Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            StringBuilder line = new StringBuilder(40);
            for (int i = 0; i < highs.length; i++) {
                line.setLength(0);
                for (int g = 0; g < 8; g++) {
                    long word = g < 4 ? highs[i] : lows[i];
                    line.append(Integer.toHexString((int) (word >>> (48 - 16 * (g & 3))) & 0xFFFF)).append(g < 7 ? ':' : '\n');
                }
                w.append(line);
            }
        }
    }

    /** dpdk-test-fib's lookup burst. */
    static final int BURST = 64;
}
