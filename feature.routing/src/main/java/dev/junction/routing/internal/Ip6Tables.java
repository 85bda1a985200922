package dev.junction.routing.internal;

import dev.junction.routing.fib.Ipv6Fib;

/**
 * What the IPv6 nodes read: the FIB (prefix to adjacency id), the adjacencies, each interface's
 * primary global address and link-local address, and the neighbours. The control thread changes
 * them; workers read them without locks. The arrays are immutable once published (one volatile
 * write); the FIB is updated in place so that a lookup never sees a half-made entry.
 */
public final class Ip6Tables {
    public static final int FORWARD = 0;
    public static final int LOCAL = 1;
    /** An ECMP group: its paths are adjacencies {@code members[ifIndex .. ifIndex + gatewayLow)}. */
    public static final int MULTIPATH = 2;
    /** A steered prefix, as {@link Ip4Tables#STEERED}: next-node index in ifIndex, the owner's index in gatewayLow. */
    public static final int STEERED = 3;

    /**
     * Adjacency id to what to do: kind, output interface, gateway (both halves 0: the destination is
     * on-link). Id 0 is "on-link out of the packet's tx interface", used for replies to link-local
     * sources, which no route covers.
     */
    public record Adjacencies(int[] kind, int[] ifIndex, long[] gatewayHigh, long[] gatewayLow, int[] members) {
        static final Adjacencies EMPTY = new Adjacencies(new int[1], new int[1], new long[1], new long[1], new int[0]);
    }

    /** Per interface index: its primary global address (both 0: none) and its link-local interface id (0: no IPv6). */
    public record Addresses(long[] high, long[] low, long[] linkLocal) {
        static final Addresses EMPTY = new Addresses(new long[0], new long[0], new long[0]);
    }

    /** Replaced whole by a table load (read it once per vector); otherwise updated in place. */
    public volatile Ipv6Fib fib = new Ipv6Fib();
    /** Per interface, shared by every VRF's tables. */
    public final Ip6NeighbourTable neighbours;

    public Ip6Tables(Ip6NeighbourTable neighbours) {
        this.neighbours = neighbours;
    }

    public Ip6Tables() {
        this(new Ip6NeighbourTable());
    }
    public volatile Adjacencies adjacencies = Adjacencies.EMPTY;
    public volatile Addresses addresses = Addresses.EMPTY;

    /** The link-local interface id of an interface with IPv6 on, 0 when it has none. */
    public long linkLocalOf(int ifIndex) {
        long[] ll = addresses.linkLocal();
        return ifIndex >= 0 && ifIndex < ll.length ? ll[ifIndex] : 0;
    }

    /** Whether {@code high:low} is one of the router's own (non-link-local) addresses on interface {@code ifIndex}. */
    public boolean isLocal(long high, long low, int ifIndex) {
        Adjacencies adj = adjacencies;
        int id = fib.lookup(high, low);
        return id > 0 && id < adj.kind().length && adj.kind()[id] == LOCAL && adj.ifIndex()[id] == ifIndex;
    }
}
