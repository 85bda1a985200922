package dev.junction.firewall.conntrack;

/**
 * The states a tracked connection is in, and the bits of a table slot's word that hold them.
 * TCP states are Linux conntrack's (nf_conntrack_proto_tcp); UDP and ICMP flows are unreplied until
 * a packet came back.
 */
public final class ConnState {
    public static final int NONE = 0, SYN_SENT = 1, SYN_RECV = 2, ESTABLISHED = 3, FIN_WAIT = 4, CLOSE_WAIT = 5,
            LAST_ACK = 6, TIME_WAIT = 7, CLOSE = 8, UDP_UNREPLIED = 9, UDP_REPLIED = 10, ICMP_UNREPLIED = 11,
            ICMP_REPLIED = 12;

    private static final String[] NAMES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
            "LAST_ACK", "TIME_WAIT", "CLOSE", "UNREPLIED", "REPLIED", "UNREPLIED", "REPLIED"};
    /** By state: its timeout's index in {@code Firewall.Timeouts.NAMES}. */
    static final int[] TIMEOUT = {7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10};

    // The word of a slot: status (2 bits), state (4), flags, generation (from bit 16).
    static final long STATUS = 0x3, EMPTY = 0, BUSY = 1, LIVE = 2, DEAD = 3;
    static final int STATE_SHIFT = 2;
    static final long STATE_MASK = 0xfL << STATE_SHIFT;
    /** The connection's originator is endpoint A of the key. */
    public static final long ORIG_IS_A = 1L << 6;
    /** A packet came back from the responder. */
    public static final long SEEN_REPLY = 1L << 7;
    /** The first FIN came from the originator. */
    public static final long FIRST_FIN_ORIG = 1L << 8;
    static final int GEN_SHIFT = 16;

    private ConnState() {
    }

    public static int state(long word) {
        return (int) ((word & STATE_MASK) >>> STATE_SHIFT);
    }

    public static long withState(long word, int state) {
        return word & ~STATE_MASK | (long) state << STATE_SHIFT;
    }

    public static String name(int state) {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "?";
    }

    /** Early (half-open) states: evicted first when the table or a zone is full. */
    public static boolean early(int state) {
        return state == SYN_SENT || state == SYN_RECV || state == UDP_UNREPLIED || state == ICMP_UNREPLIED;
    }
}
