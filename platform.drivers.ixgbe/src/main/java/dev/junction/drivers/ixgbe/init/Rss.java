package dev.junction.drivers.ixgbe.init;

import dev.junction.drivers.ixgbe.regs.Bar;
import dev.junction.drivers.ixgbe.regs.Regs;

/**
 * Receive-side scaling (datasheet 7.1.2.8): the Toeplitz hash of addresses and ports with a 40-byte
 * key picks one of 128 redirection table entries, each naming a queue, so that one flow always lands
 * on one queue and so one worker. Entries go round-robin over the queues.
 */
public final class Rss {
    private Rss() {
    }

    /** The key Microsoft's RSS verification suite publishes, used by most drivers as their default. */
    public static final byte[] DEFAULT_KEY = {
        0x6d, 0x5a, 0x56, (byte) 0xda, 0x25, 0x5b, 0x0e, (byte) 0xc2,
        0x41, 0x67, 0x25, 0x3d, 0x43, (byte) 0xa3, (byte) 0x8f, (byte) 0xb0,
        (byte) 0xd0, (byte) 0xca, 0x2b, (byte) 0xcb, (byte) 0xae, 0x7b, 0x30, (byte) 0xb4,
        0x77, (byte) 0xcb, 0x2d, (byte) 0xa3, (byte) 0x80, 0x30, (byte) 0xf2, 0x0c,
        0x6a, 0x42, (byte) 0xb7, 0x3b, (byte) 0xbe, (byte) 0xac, 0x01, (byte) 0xfa,
    };

    /** The hashed fields: TCP and UDP ports over IPv4 and IPv6, addresses only for other IP. */
    public static final int FIELDS = Regs.MRQC_TCPIPV4 | Regs.MRQC_IPV4 | Regs.MRQC_TCPIPV6 | Regs.MRQC_IPV6
            | Regs.MRQC_UDPIPV4 | Regs.MRQC_UDPIPV6;

    /** Key, redirection table and MRQC for {@code queues} queues (2..16); one queue needs none of it. */
    public static void configure(Bar bar, int queues, byte[] key) {
        if (key.length != 40) {
            throw new IllegalArgumentException("an RSS key has 40 bytes, not " + key.length);
        }
        for (int i = 0; i < Regs.RSSRK_REGISTERS; i++) {
            // Byte 4i of the key in bits 7:0 of RSSRK(i): the key's bytes in memory order on a little-endian host.
            int word = (key[4 * i] & 0xFF) | (key[4 * i + 1] & 0xFF) << 8 | (key[4 * i + 2] & 0xFF) << 16 | (key[4 * i + 3] & 0xFF) << 24;
            bar.write(Regs.rssrk(i), word);
        }
        for (int i = 0; i < Regs.RETA_REGISTERS; i++) {
            int word = 0;
            for (int j = 0; j < 4; j++) {
                word |= ((4 * i + j) % queues) << (8 * j);
            }
            bar.write(Regs.reta(i), word);
        }
        bar.set(Regs.RXCSUM, Regs.RXCSUM_PCSD);
        bar.write(Regs.MRQC, Regs.MRQC_RSS | FIELDS);
    }
}
