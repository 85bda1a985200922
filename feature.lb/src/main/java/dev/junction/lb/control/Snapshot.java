package dev.junction.lb.control;

/**
 * What the nodes read: every VIP by its steered index, each with its services, each with its Maglev
 * table of backend ids, and the backends by id. Immutable once published (one volatile write in
 * {@link LbControl}); a worker reads the reference once per vector.
 */
public final class Snapshot {
    public static final Snapshot EMPTY = new Snapshot(new Vip[0], new Backend[0]);

    /** By steered index (the adjacency word routing gives the VIP's packets); null where free. */
    public final Vip[] vips;
    /** By backend id; null for an id not in use. */
    public final Backend[] backends;
    /** Whether any service is NAT: without one the reverse nodes pass every packet without a lookup. */
    public final boolean anyNat;
    /**
     * A bit per hash of every backend's address (any service, any mode, down or not): a packet whose
     * source hashes to a clear bit comes from no backend, so it is no NAT reply and the reverse nodes
     * pass it without a flow-table lookup (a set bit may be another address: then the lookup decides).
     */
    private final long[] backendSources;
    private final int sourceMask;

    Snapshot(Vip[] vips, Backend[] backends) {
        this.vips = vips;
        this.backends = backends;
        boolean nat = false;
        for (Vip v : vips) {
            for (Service s : v == null ? new Service[0] : v.services) {
                nat |= s.mode == MODE_NAT;
            }
        }
        this.anyNat = nat;
        // At least 4096 bits (512 bytes, stays in L1) and 64 a backend: a client's packet then meets a set
        // bit, and pays a lookup it did not need, about once in 64 (16 bits a backend let one in 16 through).
        int bits = 4096;
        while (bits < backends.length * 64 && bits < 1 << 20) {
            bits <<= 1;
        }
        long[] set = new long[bits >>> 6];
        for (Backend b : backends) {
            if (b != null) {
                int h = sourceHash(b.hi, b.lo) & (bits - 1);
                set[h >>> 6] |= 1L << h;
            }
        }
        this.backendSources = set;
        this.sourceMask = bits - 1;
    }

    private static int sourceHash(long hi, long lo) {
        long h = (hi * 0x9E3779B97F4A7C15L ^ lo) * 0xBF58476D1CE4E5B9L;
        return (int) (h ^ h >>> 29 ^ h >>> 47);
    }

    /** Whether a packet from this address may be a backend's reply (false: it certainly is not). */
    public boolean maybeBackend(long hi, long lo) {
        int h = sourceHash(hi, lo) & sourceMask;
        return (backendSources[h >>> 6] & 1L << h) != 0;
    }

    public static final int MODE_NAT = 0, MODE_DSR = 1, MODE_GRE = 2;

    /** A VIP in a VRF: its address (IPv4 in {@code lo}) and the services on it. */
    public static final class Vip {
        public final int family, vrf;
        public final long hi, lo;
        public final Service[] services;

        Vip(int family, int vrf, long hi, long lo, Service[] services) {
            this.family = family;
            this.vrf = vrf;
            this.hi = hi;
            this.lo = lo;
            this.services = services;
        }

        /** The service for a protocol and destination port: an exact port first, then one of all ports; null for none. */
        public Service service(int proto, int port) {
            Service any = null;
            for (Service s : services) {
                if (s.proto == proto) {
                    if (s.port == port) {
                        return s;
                    }
                    if (s.port == 0) {
                        any = s;
                    }
                }
            }
            return any;
        }
    }

    /** A service: its number (for counts and limits), protocol, port (0: all), mode and Maglev table of backend ids. */
    public static final class Service {
        public final int number, proto, port, mode;
        /** GRE: the outer header's source address. */
        public final int greSource;
        public final String name;
        /** Backend id per Maglev position; -1 everywhere when no backend has a weight. */
        public final int[] table;

        Service(int number, String name, int proto, int port, int mode, int greSource, int[] table) {
            this.number = number;
            this.greSource = greSource;
            this.name = name;
            this.proto = proto;
            this.port = port;
            this.mode = mode;
            this.table = table;
        }
    }

    /**
     * A backend: its address, its port (0: the client's destination port) and, for DSR, the interface
     * routing reaches it on directly (null: not on a connected network, or not DSR); whether the health
     * checks hold it down (out of the Maglev table; a SYN on one of its flows is balanced again).
     */
    public static final class Backend {
        public final int id, family;
        public final long hi, lo;
        public final int port;
        public final String iface;
        public final boolean down;

        Backend(int id, int family, long hi, long lo, int port, String iface, boolean down) {
            this.down = down;
            this.id = id;
            this.family = family;
            this.hi = hi;
            this.lo = lo;
            this.port = port;
            this.iface = iface;
        }
    }
}
