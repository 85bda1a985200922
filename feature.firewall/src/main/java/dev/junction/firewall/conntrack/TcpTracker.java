package dev.junction.firewall.conntrack;

import static dev.junction.firewall.conntrack.ConnState.CLOSE;
import static dev.junction.firewall.conntrack.ConnState.CLOSE_WAIT;
import static dev.junction.firewall.conntrack.ConnState.ESTABLISHED;
import static dev.junction.firewall.conntrack.ConnState.FIN_WAIT;
import static dev.junction.firewall.conntrack.ConnState.FIRST_FIN_ORIG;
import static dev.junction.firewall.conntrack.ConnState.LAST_ACK;
import static dev.junction.firewall.conntrack.ConnState.SEEN_REPLY;
import static dev.junction.firewall.conntrack.ConnState.SYN_RECV;
import static dev.junction.firewall.conntrack.ConnState.SYN_SENT;
import static dev.junction.firewall.conntrack.ConnState.TIME_WAIT;

/**
 * TCP in the connection table: the state machine and the sequence-number window check.
 *
 * <p>States and timeouts are Linux conntrack's. The transitions follow RFC 793's close as seen from the
 * middle: a SYN opens (SYN_SENT), the responder's SYN+ACK answers (SYN_RECV), the originator's ACK
 * establishes; the first FIN moves to FIN_WAIT, an ACK from the other side to CLOSE_WAIT, the other
 * side's FIN to LAST_ACK, the last ACK from the first closer to TIME_WAIT; an acceptable RST closes
 * (CLOSE); a SYN from the originator in TIME_WAIT or CLOSE starts the connection again.
 *
 * <p>The window check is Linux's idea (Rooij, "Real stateful TCP packet filtering in IP Filter"):
 * per direction the highest sequence sent ({@code end}), the highest the receiver allowed
 * ({@code maxend}: its ack plus window) and the largest window the sender advertised ({@code maxwin});
 * a segment must start no later than what the receiver allowed, end no earlier than one window
 * before what was sent, and acknowledge nothing unsent nor much older than a window. Window scaling
 * counts when both SYNs carried the option. In liberal mode segments are not checked, only followed.
 */
public final class TcpTracker {
    public static final int FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;
    /** Results of {@link #track}: passed, outside the window, not possible in the connection's state. */
    public static final int OK = 0, OUT_OF_WINDOW = 1, INVALID = 2, REOPEN = 3;
    /** No window scale option seen. */
    public static final int NO_SCALE = 0xff;
    private static final int MIN_ACK_WINDOW = 66_000;

    private TcpTracker() {
    }

    /** Sets up a new entry from the originator's SYN. */
    public static void open(ConnTable t, int slot, int seq, int win, int payload, int scale) {
        int b = slot * ConnTable.TCP_WORDS;
        int end = seq + payload + 1;
        t.tcp[b] = end;
        t.tcp[b + 1] = end;
        t.tcp[b + 2] = Math.max(win, 1);
        t.tcp[b + 3] = 0;
        t.tcp[b + 4] = 0;
        t.tcp[b + 5] = 0;
        t.tcp[b + 6] = scale | NO_SCALE << 8;
    }

    /**
     * Follows one segment of a tracked connection from the originator ({@code orig}) or the responder.
     * Returns {@link #OK} (the word moved on if the state changed), {@link #OUT_OF_WINDOW},
     * {@link #INVALID}, or {@link #REOPEN}: a new SYN on a closed connection, which the caller opens
     * again as a new connection (after its rules allow it).
     */
    public static int track(ConnTable t, int slot, boolean orig, int flags, int seq, int ack, int win, int payload,
                            int scale, boolean liberal) {
        long w = t.word(slot);
        int state = ConnState.state(w);
        boolean syn = (flags & SYN) != 0, rst = (flags & RST) != 0, fin = (flags & FIN) != 0, hasAck = (flags & ACK) != 0;
        if (syn && !hasAck && orig && (state == TIME_WAIT || state == CLOSE)) {
            return REOPEN;
        }
        if (syn && rst) {
            return INVALID;
        }
        int next = state;
        if (rst) {
            next = CLOSE;
        } else if (syn) {
            if (hasAck) {
                if (orig || state != SYN_SENT && state != SYN_RECV) {
                    return INVALID; // SYN+ACK only answers, and only while opening
                }
                next = SYN_RECV;
            } else if (!orig || state != SYN_SENT) {
                return INVALID; // a SYN from the responder (simultaneous open) is not followed
            }
        } else if (state == SYN_SENT) {
            return INVALID; // nothing but SYN, SYN+ACK or RST before the answer
        } else if (fin) {
            boolean firstFinOrig = (w & FIRST_FIN_ORIG) != 0;
            next = switch (state) {
                case SYN_RECV, ESTABLISHED -> FIN_WAIT;
                case FIN_WAIT, CLOSE_WAIT -> orig == firstFinOrig ? state : LAST_ACK;
                default -> state;
            };
        } else if (hasAck) {
            boolean firstFinOrig = (w & FIRST_FIN_ORIG) != 0;
            next = switch (state) {
                case SYN_RECV -> orig ? ESTABLISHED : SYN_RECV;
                case FIN_WAIT -> orig != firstFinOrig ? CLOSE_WAIT : FIN_WAIT;
                case LAST_ACK -> orig == firstFinOrig ? TIME_WAIT : LAST_ACK;
                default -> state;
            };
        }
        if (!window(t, slot, orig, flags, seq, ack, win, payload, scale, liberal)) {
            return OUT_OF_WINDOW;
        }
        long nw = ConnState.withState(w, next);
        if (!orig) {
            nw |= SEEN_REPLY;
        }
        if (fin && (state == SYN_RECV || state == ESTABLISHED)) {
            nw = orig ? nw | FIRST_FIN_ORIG : nw & ~FIRST_FIN_ORIG;
        }
        if (nw != w && !t.update(slot, w, nw)) {
            // Another worker moved it on at the same moment (the other direction): follow theirs,
            // once more, so that neither transition is lost.
            long w2 = t.word(slot);
            int s2 = ConnState.state(w2);
            long n2 = ConnState.withState(w2, s2 == state ? next : s2) | (orig ? 0 : SEEN_REPLY);
            t.update(slot, w2, n2);
        }
        return OK;
    }

    private static boolean before(int a, int b) {
        return a - b < 0;
    }

    private static boolean after(int a, int b) {
        return b - a < 0;
    }

    private static boolean window(ConnTable t, int slot, boolean orig, int flags, int seq, int ack, int win,
                                  int payload, int scale, boolean liberal) {
        int[] w = t.tcp;
        int b = slot * ConnTable.TCP_WORDS;
        int s = b + (orig ? 0 : 3), r = b + (orig ? 3 : 0);
        boolean syn = (flags & SYN) != 0, hasAck = (flags & ACK) != 0;
        int scales = w[b + 6];
        if (syn && !orig && hasAck) {
            scales = scales & 0xff | (scale & 0xff) << 8;
            w[b + 6] = scales;
        }
        int s0 = scales & 0xff, s1 = scales >>> 8 & 0xff;
        boolean scaled = s0 != NO_SCALE && s1 != NO_SCALE;
        int shift = syn || !scaled ? 0 : Math.min(14, orig ? s0 : s1);
        long scaledWin = Math.min((long) win << shift, 1L << 30);
        int end = seq + payload + (syn ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
        if (w[s + 2] == 0) {
            // The responder's first segment (its SYN+ACK): its side starts here.
            w[s] = end;
            w[s + 1] = end;
            w[s + 2] = (int) Math.max(scaledWin, 1);
            if (hasAck) {
                w[r + 1] = ack + (int) Math.max(scaledWin, 1);
            }
            return true;
        }
        if (w[r + 2] != 0 && !liberal) {
            int maxAckWindow = Math.max(w[s + 2], MIN_ACK_WINDOW);
            boolean ok = !after(seq, w[s + 1])             // starts within what the receiver allowed
                    && !before(end, w[s] - w[r + 2])       // ends no earlier than one window back
                    && (!hasAck || !after(ack, w[r]) && !before(ack, w[r] - maxAckWindow));
            if (!ok) {
                return false;
            }
        }
        if (after(end, w[s])) {
            w[s] = end;
        }
        if (scaledWin > w[s + 2]) {
            w[s + 2] = (int) scaledWin;
        }
        if (hasAck) {
            int allowed = ack + (int) Math.max(scaledWin, 1);
            if (w[r + 2] == 0 || after(allowed, w[r + 1])) {
                w[r + 1] = allowed;
            }
        }
        return true;
    }

    /** The window scale option (kind 3) of a SYN's options, or {@link #NO_SCALE}. */
    public static int scaleOption(java.lang.foreign.MemorySegment m, long options, int length) {
        int i = 0;
        while (i < length) {
            int kind = m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, options + i) & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= length) {
                break;
            }
            int len = m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, options + i + 1) & 0xff;
            if (len < 2 || i + len > length) {
                break;
            }
            if (kind == 3 && len == 3) {
                return Math.min(14, m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, options + i + 2) & 0xff);
            }
            i += len;
        }
        return NO_SCALE;
    }
}
