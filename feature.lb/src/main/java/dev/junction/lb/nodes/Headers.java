package dev.junction.lb.nodes;

/**
 * The parse results (OK or a drop code) and the IP protocol numbers and TCP flags the lb nodes read;
 * the fields themselves are parsed a vector at a time into a {@link ParsedVector}.
 */
final class Headers {
    static final int OK = -1, TRUNCATED_IP = 0, TRUNCATED_L4 = 1, FRAGMENT = 2, NOT_TCP_UDP = 3;
    static final int TCP = 6, UDP = 17, FIN = 1, SYN = 2, RST = 4, ACK = 0x10;

    private Headers() {
    }
}
