package dev.junction.fuzz;

import dev.junction.routing.internal.FuzzRouting;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The FPM message parser of feature.routing over fuzzed FPM bodies: one to four netlink route
 * messages (RTM_NEWROUTE, RTM_DELROUTE and others; IPv4, IPv6 and MPLS; destination, gateway, table,
 * multipath next hops, RTA_VIA, RTA_NEWDST, the MPLS encapsulation RTA_ENCAP_TYPE / RTA_ENCAP, and
 * attributes it ignores), mutated with their netlink, attribute and next-hop lengths lying. Read as the FPM server reads a body: message after message until none is left.
 * Every message must parse or be refused with a reason, and each parse must move on.
 */
class FpmParserFuzzTest {
    private final FuzzRandom rng = new FuzzRandom(0);
    private final ByteMutator mutator = new ByteMutator(rng, true);

    @Test
    void fpmMessages() {
        long frames = NodeFuzz.frames();
        long seed = NodeFuzz.seed("fpm");
        byte[] body = new byte[65536];
        long parsed = 0, refused = 0, messages = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < frames; i++) {
            int len = body(FuzzRandom.mix(seed, i), body, null);
            ByteBuffer in = ByteBuffer.wrap(body, 0, len);
            int rounds = 0;
            while (in.hasRemaining()) {
                int before = in.position();
                String outcome;
                try {
                    outcome = FuzzRouting.parseFpm(in);
                } catch (RuntimeException e) {
                    throw failure(seed, i, "the parser threw " + e, e);
                }
                messages++;
                if (outcome.startsWith("refused")) {
                    refused++;
                } else {
                    parsed++;
                }
                if (in.position() <= before || ++rounds > len) {
                    throw failure(seed, i, "the parser did not move on (position " + before + ")", null);
                }
            }
        }
        System.out.printf("fuzz fpm: seed %d, %,d bodies, %,d messages (%,d parsed, %,d refused) in %.1f s%n", seed,
                frames, messages, parsed, refused, (System.nanoTime() - t0) / 1e9);
    }

    private FuzzFailure failure(long seed, long i, String what, Throwable cause) {
        StringBuilder log = new StringBuilder();
        byte[] b = new byte[65536];
        int len = body(FuzzRandom.mix(seed, i), b, log);
        return new FuzzFailure("fuzz fpm failed: " + what + "\n  seed " + seed + ", body " + i + log + "\n  " + len
                + " bytes: " + HexFormat.of().formatHex(b, 0, len), cause, new long[] {i});
    }

    /** One FPM body of netlink route messages, mutated; its length. */
    private int body(long seed, byte[] b, StringBuilder log) {
        rng.seed(seed);
        mutator.start(log);
        int at = 0;
        int count = rng.between(1, 4);
        for (int k = 0; k < count; k++) {
            at = message(b, at);
        }
        return mutator.mutate(b, at, b.length);
    }

    private int message(byte[] b, int start) {
        int family = rng.percent(15) ? 28 : rng.percent(45) ? 10 : 2;
        boolean v6 = family == 10;
        int addr = v6 ? 16 : 4;
        int type = rng.percent(85) ? rng.between(24, 25) : rng.pick(new int[] {16, 20, 26, 104, rng.nextInt(65536)});
        mutator.put(b, start + 4, 2, type);
        mutator.put(b, start + 6, 2, 0x0501);
        mutator.put(b, start + 8, 4, rng.nextInt());
        mutator.put(b, start + 12, 4, 0);
        int r = start + 16;
        b[r] = (byte) (rng.percent(95) ? family : rng.nextInt(256));
        b[r + 1] = (byte) (family == 28 && rng.percent(90) ? 20 : rng.percent(90) ? rng.nextInt(addr * 8 + 1) : rng.nextInt(256));
        b[r + 2] = 0;
        b[r + 3] = 0;
        b[r + 4] = (byte) (rng.percent(70) ? 254 : rng.nextInt(256));
        b[r + 5] = (byte) rng.pick(new int[] {2, 3, 4, 11, 186, 188});
        b[r + 6] = 0;
        b[r + 7] = (byte) (rng.percent(85) ? 1 : rng.nextInt(12));
        mutator.put(b, r + 8, 4, 0);
        mutator.field(r + 1, 1);
        int at = r + 12;
        int attrs = rng.between(0, 5);
        for (int k = 0; k < attrs && at < b.length - 512; k++) {
            int kind = rng.pick(new int[] {1, 1, 5, 5, 9, 15, 6, 4, 18, 19, 21, 22, rng.nextInt(64)});
            int a = at;
            at += 4;
            switch (kind) {
                case 1, 5 -> at = address(b, at, rng.percent(90) ? addr : rng.pick(new int[] {0, 4, 16, 3}));
                case 18, 19, 21, 22 -> at = mplsValue(b, at, kind);
                case 15, 6, 4 -> {
                    mutator.put(b, at, 4, rng.percent(50) ? 254 : rng.nextInt(300));
                    at += 4;
                }
                case 9 -> {
                    int hops = rng.between(0, 4);
                    for (int h = 0; h < hops; h++) {
                        int nh = at;
                        b[nh + 2] = 0;
                        b[nh + 3] = 0;
                        mutator.put(b, nh + 4, 4, rng.nextInt(16));
                        at = nh + 8;
                        if (rng.percent(85)) {
                            int na = at;
                            mutator.put(b, na + 2, 2, rng.percent(90) ? 5 : rng.nextInt(20));
                            at = address(b, na + 4, rng.percent(90) ? addr : 6);
                            mutator.put(b, na, 2, at - na);
                            mutator.field(na, 2);
                            at = align(at, b);
                        }
                        if (rng.percent(40)) { // the next hop's labels: RTA_VIA / RTA_NEWDST, or an encapsulation
                            for (int kindOfHop : rng.percent(50) ? new int[] {18, 19} : new int[] {21, 22}) {
                                int na = at;
                                at = mplsValue(b, na + 4, kindOfHop);
                                mutator.put(b, na, 2, at - na);
                                mutator.put(b, na + 2, 2, kindOfHop | (kindOfHop == 22 ? 0x8000 : 0));
                                mutator.field(na, 2);
                                at = align(at, b);
                            }
                        }
                        mutator.put(b, nh, 2, at - nh);
                        mutator.field(nh, 2);
                    }
                }
                default -> {
                    int n = rng.between(0, 12);
                    for (int i = 0; i < n; i++) {
                        b[at + i] = (byte) rng.nextInt(256);
                    }
                    at += n;
                }
            }
            mutator.put(b, a, 2, at - a);
            mutator.put(b, a + 2, 2, kind | (rng.percent(5) ? 0x8000 : 0));
            mutator.field(a, 2);
            at = align(at, b);
        }
        mutator.put(b, start, 4, at - start);
        mutator.field(start, 4);
        return at;
    }

    /** The value of an MPLS attribute (RTA_VIA, RTA_NEWDST, RTA_ENCAP_TYPE, RTA_ENCAP) at {@code at}; its end. */
    private int mplsValue(byte[] b, int at, int kind) {
        switch (kind) {
            case 18 -> { // struct rtvia: address family (u16), address
                int via = rng.percent(90) ? (rng.percent(75) ? 2 : 10) : rng.nextInt(64);
                mutator.put(b, at, 2, via);
                return address(b, at + 2, rng.percent(90) ? (via == 10 ? 16 : 4) : rng.pick(new int[] {0, 1, 6}));
            }
            case 19 -> {
                return labels(b, at);
            }
            case 21 -> {
                mutator.put(b, at, 2, rng.percent(85) ? 1 : rng.nextInt(10));
                return at + 2;
            }
            default -> { // RTA_ENCAP: MPLS_IPTUNNEL_DST (and sometimes another attribute) nested
                int inner = at;
                int end = labels(b, inner + 4);
                mutator.put(b, inner, 2, end - inner);
                mutator.put(b, inner + 2, 2, rng.percent(90) ? 1 : rng.nextInt(4));
                mutator.field(inner, 2);
                return align(end, b);
            }
        }
    }

    /** A label stack: 0 to 6 entries, now and then a length that is not a multiple of 4. */
    private int labels(byte[] b, int at) {
        int n = rng.between(0, 6) * 4 + (rng.percent(10) ? rng.between(1, 3) : 0);
        return address(b, at, n);
    }

    private int address(byte[] b, int at, int size) {
        for (int i = 0; i < size; i++) {
            b[at + i] = (byte) rng.nextInt(256);
        }
        return at + size;
    }

    private static int align(int at, byte[] b) {
        while ((at & 3) != 0) {
            b[at++] = 0;
        }
        return at;
    }
}
