package dev.junction.routing.internal;

/**
 * What the IPv4 nodes read: the FIB (prefix to adjacency id), the adjacencies, each interface's
 * primary address and the neighbours. The control thread changes them; workers read them without
 * locks. Adjacency and address arrays are immutable once published (one volatile write); the FIB is
 * updated in place in an order that never shows a lookup a half-made entry.
 */
public final class Ip4Tables {
    public static final int FORWARD = 0;
    public static final int LOCAL = 1;
    /** An ECMP group: its paths are adjacencies {@code members[ifIndex .. ifIndex + gateway)}. */
    public static final int MULTIPATH = 2;
    /**
     * A prefix steered to another bundle's node: {@code ifIndex} is the lookup's next-node index
     * ({@link SteerTargets}), {@code gateway} the index that bundle gave, put in the adjacency word.
     */
    public static final int STEERED = 3;

    /**
     * Adjacency id to what to do: kind, output interface, gateway (0: the destination is on-link);
     * for a MULTIPATH group, where its paths start in {@code members} and how many there are.
     */
    public record Adjacencies(int[] kind, int[] ifIndex, int[] gateway, int[] members) {
        static final Adjacencies EMPTY = new Adjacencies(new int[1], new int[1], new int[1], new int[0]);
    }

    /** Replaced whole by a table load (read it once per vector); otherwise updated in place. */
    public volatile Ipv4Lookup fib;
    /** Whether this VRF's FIB is the compact kind (any VRF but the default). */
    final boolean compact;
    /** Per interface, shared by every VRF's tables. */
    public final NeighbourTable neighbours;
    public volatile Adjacencies adjacencies = Adjacencies.EMPTY;
    /** Primary address by interface index (0: none), the source of the router's own packets. */
    public volatile int[] interfaceAddress = new int[0];

    public Ip4Tables(NeighbourTable neighbours) {
        this(neighbours, false);
    }

    /** Tables for a VRF: with a DIR-24-8 FIB, or ({@code compact}) a trie that grows with the routes. */
    public Ip4Tables(NeighbourTable neighbours, boolean compact) {
        this.neighbours = neighbours;
        this.compact = compact;
        this.fib = newFib();
    }

    /** An empty FIB of this VRF's kind. */
    Ipv4Lookup newFib() {
        return compact ? new CompactIpv4Fib() : new Dir24Fib();
    }

    public Ip4Tables() {
        this(new NeighbourTable());
    }

    /** Whether {@code address} is one of the router's own addresses on interface {@code ifIndex}. */
    public boolean isLocal(int address, int ifIndex) {
        Adjacencies adj = adjacencies;
        int id = fib.lookup(address);
        return id > 0 && id < adj.kind().length && adj.kind()[id] == LOCAL && adj.ifIndex()[id] == ifIndex;
    }

    public int addressOf(int ifIndex) {
        int[] a = interfaceAddress;
        return ifIndex >= 0 && ifIndex < a.length ? a[ifIndex] : 0;
    }
}
