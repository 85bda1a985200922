package dev.junction.fuzz;

/**
 * The mutations of {@link FrameFuzzer} for any message format: a generator writes a valid message and
 * registers its length and count fields ({@link #field}), then {@link #mutate} truncates, extends,
 * flips bits, sets edge bytes, makes a field lie or overwrites a range, from the caller's random
 * stream (so the message is reproduced by its seed).
 */
public final class ByteMutator {
    private static final int[] EDGE_8 = {0, 1, 2, 3, 4, 7, 8, 0x7F, 0x80, 0xFE, 0xFF};
    private final FuzzRandom rng;
    private final boolean littleEndian;
    private final int[] fieldAt = new int[64];
    private final int[] fieldWidth = new int[64];
    private int fields;
    private StringBuilder log;

    public ByteMutator(FuzzRandom rng, boolean littleEndian) {
        this.rng = rng;
        this.littleEndian = littleEndian;
    }

    /** Forgets the fields of the previous message; {@code log}, if not null, collects what is done. */
    public void start(StringBuilder log) {
        fields = 0;
        this.log = log;
    }

    /** A length or count field of {@code width} (1, 2, 4 or 8) bytes at {@code at}. */
    public void field(int at, int width) {
        if (fields < fieldAt.length) {
            fieldAt[fields] = at;
            fieldWidth[fields++] = width;
        }
    }

    /** 0 to 5 mutations of {@code b[0, len)} (at most {@code max} bytes long); returns the new length. */
    public int mutate(byte[] b, int len, int max) {
        int r = rng.nextInt(100);
        int count = r < 25 ? 0 : r < 60 ? 1 : r < 85 ? 2 : rng.between(3, 5);
        for (int k = 0; k < count; k++) {
            switch (rng.nextInt(10)) {
                case 0 -> {
                    len = rng.nextInt(len + 1);
                    note("truncate to " + len);
                }
                case 1 -> {
                    int n = Math.min(rng.between(1, 32), max - len);
                    for (int i = 0; i < n; i++) {
                        b[len + i] = (byte) rng.nextInt(256);
                    }
                    len += n;
                    note("extend by " + n);
                }
                case 2, 3 -> {
                    if (len > 0) {
                        int at = rng.nextInt(len);
                        int bit = rng.nextInt(8);
                        b[at] ^= (byte) (1 << bit);
                        note("flip bit " + bit + " of byte " + at);
                    }
                }
                case 4 -> {
                    if (len > 0) {
                        int at = rng.nextInt(len);
                        b[at] = (byte) rng.pick(EDGE_8);
                        note("set byte " + at + " to " + (b[at] & 0xFF));
                    }
                }
                case 9 -> {
                    if (len > 0) {
                        int at = rng.nextInt(len);
                        int n = Math.min(rng.between(1, 16), len - at);
                        for (int i = 0; i < n; i++) {
                            b[at + i] = (byte) rng.nextInt(256);
                        }
                        note("random bytes " + at + ".." + (at + n));
                    }
                }
                default -> lie(b, len, max);
            }
        }
        return len;
    }

    private void lie(byte[] b, int len, int max) {
        if (fields == 0) {
            return;
        }
        int k = rng.nextInt(fields);
        int at = fieldAt[k], w = fieldWidth[k];
        if (at + w > max) {
            return;
        }
        long now = get(b, at, w);
        long mask = w == 8 ? -1L : (1L << (8 * w)) - 1;
        long[] choices = {0, 1, 2, 3, 4, 7, 8, 12, 16, now - 1, now + 1, now - 4, now + 4, now * 2, len, len - at, mask,
            mask >>> 1, (mask >>> 1) + 1, rng.nextLong()};
        long v = choices[rng.nextInt(choices.length)] & mask;
        put(b, at, w, v);
        note("field at " + at + " := " + v);
    }

    private void note(String what) {
        if (log != null) {
            log.append(", ").append(what);
        }
    }

    public long get(byte[] b, int at, int width) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            int shift = littleEndian ? 8 * i : 8 * (width - 1 - i);
            v |= (b[at + i] & 0xFFL) << shift;
        }
        return v;
    }

    public void put(byte[] b, int at, int width, long v) {
        for (int i = 0; i < width; i++) {
            int shift = littleEndian ? 8 * i : 8 * (width - 1 - i);
            b[at + i] = (byte) (v >>> shift);
        }
    }
}
