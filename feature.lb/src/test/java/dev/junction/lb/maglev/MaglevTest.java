package dev.junction.lb.maglev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MaglevTest {

    private static String[] names(int n) {
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            s[i] = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":80";
        }
        return s;
    }

    private static int[] ones(int n) {
        int[] w = new int[n];
        Arrays.fill(w, 1);
        return w;
    }

    @Test
    void everyEntryFilledAndSharesEven() {
        int n = 10;
        int[] t = Maglev.build(names(n), ones(n), Maglev.DEFAULT_SIZE);
        int[] c = new int[n];
        for (int b : t) {
            c[b]++;
        }
        for (int x : c) {
            assertEquals(Maglev.DEFAULT_SIZE / (double) n, x, Maglev.DEFAULT_SIZE * 0.01 / n);
        }
    }

    /** Removing one of N backends moves about 1/N of the entries: its own, and few others. */
    @ParameterizedTest
    @ValueSource(ints = {10, 100, 1000})
    void removingOneOfNMovesAboutOneNth(int n) {
        String[] all = names(n);
        int[] before = Maglev.build(all, ones(n), Maglev.DEFAULT_SIZE);
        int gone = n / 2;
        String[] less = new String[n - 1];
        for (int i = 0, j = 0; i < n; i++) {
            if (i != gone) {
                less[j++] = all[i];
            }
        }
        int[] after = Maglev.build(less, ones(n - 1), Maglev.DEFAULT_SIZE);
        int moved = 0, ownMoved = 0;
        for (int p = 0; p < before.length; p++) {
            String a = all[before[p]], b = less[after[p]];
            if (!a.equals(b)) {
                moved++;
                if (before[p] == gone) {
                    ownMoved++;
                }
            }
        }
        double share = moved / (double) before.length;
        System.out.printf("maglev disruption N=%d: %.4f of entries moved (ideal 1/N = %.4f; %d of them the removed backend's)%n",
                n, share, 1.0 / n, ownMoved);
        assertTrue(Math.abs(share - 1.0 / n) < 0.03, "moved " + share + " at N=" + n);
    }

    @Test
    void weightsAreHonouredAndZeroGetsNothing() {
        String[] s = names(4);
        int[] w = {1, 2, 3, 0};
        int[] t = Maglev.build(s, w, Maglev.DEFAULT_SIZE);
        int[] c = new int[4];
        for (int b : t) {
            c[b]++;
        }
        assertEquals(0, c[3]);
        for (int i = 0; i < 3; i++) {
            double want = Maglev.DEFAULT_SIZE * w[i] / 6.0;
            assertEquals(want, c[i], want * 0.02, "backend " + i + " got " + c[i]);
        }
    }

    @Test
    void allWeightsZeroGivesNone() {
        int[] t = Maglev.build(names(3), new int[3], 7);
        for (int b : t) {
            assertEquals(Maglev.NONE, b);
        }
    }

    @Test
    void sizeMustBePrime() {
        assertThrows(IllegalArgumentException.class, () -> Maglev.build(names(2), ones(2), 65536));
        assertThrows(IllegalArgumentException.class, () -> Maglev.build(names(2), new int[] {1, -1}, 7));
    }

    /** The paper (section 5.3): 1.8 ms for M = 65537 and 22.9 ms for M = 655373 with 1000 backends. */
    @Test
    void buildTime() {
        String[] s = names(1000);
        int[] w = ones(1000);
        for (int m : new int[] {65537, 655373}) {
            for (int i = 0; i < 5; i++) {
                Maglev.build(s, w, m); // warm up
            }
            int runs = 20;
            long t0 = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                Maglev.build(s, w, m);
            }
            double ms = (System.nanoTime() - t0) / 1e6 / runs;
            System.out.printf("maglev build: M=%d, 1000 backends: %.2f ms%n", m, ms);
        }
    }
}
