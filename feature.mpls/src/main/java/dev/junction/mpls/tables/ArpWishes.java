package dev.junction.mpls.tables;

/**
 * Gateways the control side could not find a neighbour for, as one immutable snapshot published with
 * one volatile write: a node sends an ARP request for each about once a second (the reply is learnt
 * by routing's arp-input, and the next resolution picks it up).
 */
public final class ArpWishes {
    public static final ArpWishes NONE = new ArpWishes(new int[0], new int[0], new int[0]);
    private final int[] ifIndex, target, source;

    public ArpWishes(int[] ifIndex, int[] target, int[] source) {
        this.ifIndex = ifIndex.clone();
        this.target = target.clone();
        this.source = source.clone();
    }

    public int size() {
        return ifIndex.length;
    }

    public int ifIndex(int i) {
        return ifIndex[i];
    }

    public int target(int i) {
        return target[i];
    }

    /** The router's own address on that interface, the request's sender. */
    public int source(int i) {
        return source[i];
    }
}
