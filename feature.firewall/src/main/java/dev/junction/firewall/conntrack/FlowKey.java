package dev.junction.firewall.conntrack;

/**
 * The normalised key of a connection, the same for both directions: its two endpoints in order (the
 * lower address, then port, first: endpoint A), protocol, zone and family. Mutable and reused: one
 * per worker, never one per packet.
 */
public final class FlowKey {
    public long k0, k1, k2, k3, k4;
    /** Whether the packet the key was made from was sent by endpoint A. */
    public boolean fromA;

    /**
     * Sets the key from a packet's fields (addresses in two-word form; for ICMP echo both ports are
     * the identifier).
     */
    public FlowKey set(int family, int zone, int proto, long sh, long sl, int sport, long dh, long dl, int dport) {
        int c = Long.compareUnsigned(sh, dh);
        if (c == 0) {
            c = Long.compareUnsigned(sl, dl);
        }
        if (c == 0) {
            c = Integer.compare(sport, dport);
        }
        fromA = c <= 0;
        if (fromA) {
            k0 = sh;
            k1 = sl;
            k2 = dh;
            k3 = dl;
            k4 = misc(family, zone, proto, sport, dport);
        } else {
            k0 = dh;
            k1 = dl;
            k2 = sh;
            k3 = sl;
            k4 = misc(family, zone, proto, dport, sport);
        }
        return this;
    }

    static long misc(int family, int zone, int proto, int portA, int portB) {
        return (family == 6 ? 1L << 62 : 0) | (long) (zone & 0xffff) << 40 | (long) (proto & 0xff) << 32
                | (long) (portA & 0xffff) << 16 | (portB & 0xffff);
    }

    public static int family(long k4) {
        return (k4 & 1L << 62) != 0 ? 6 : 4;
    }

    public static int zone(long k4) {
        return (int) (k4 >>> 40) & 0xffff;
    }

    public static int protocol(long k4) {
        return (int) (k4 >>> 32) & 0xff;
    }

    public static int portA(long k4) {
        return (int) (k4 >>> 16) & 0xffff;
    }

    public static int portB(long k4) {
        return (int) k4 & 0xffff;
    }
}
