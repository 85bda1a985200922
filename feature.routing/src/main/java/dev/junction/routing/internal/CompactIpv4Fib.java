package dev.junction.routing.internal;

import dev.junction.routing.fib.Ipv6Fib;

/**
 * An IPv4 table for VRFs, small ones mostly: the multibit trie of {@link Ipv6Fib} (a 16-bit root of
 * 256 KiB, then 256-entry groups made only under longer prefixes) with the IPv4 address in the top
 * 32 bits of the key, so a /24 lookup is two loads and a /32 three. Memory grows with the routes
 * instead of the 80 MiB a DIR-24-8 takes for any table. Freed groups are reused only after a second
 * without changes ({@link #reclaim}).
 */
public final class CompactIpv4Fib implements Ipv4Lookup {
    private static final long GRACE_NANOS = 1_000_000_000L;
    private final Ipv6Fib trie = new Ipv6Fib();
    private long lastChange;
    private boolean retired;

    @Override
    public int lookup(int address) {
        return trie.lookup((address & 0xFFFF_FFFFL) << 32, 0);
    }

    @Override
    public void add(int prefix, int len, int result) {
        if (len < 0 || len > 32 || result <= 0) {
            throw new IllegalArgumentException("bad route " + prefix + "/" + len + " -> " + result);
        }
        trie.add((prefix & 0xFFFF_FFFFL) << 32, 0, len, result);
        lastChange = System.nanoTime();
    }

    @Override
    public boolean remove(int prefix, int len) {
        boolean had = trie.remove((prefix & 0xFFFF_FFFFL) << 32, 0, len);
        if (had) {
            lastChange = System.nanoTime();
            retired = true;
        }
        return had;
    }

    @Override
    public int size() {
        return trie.size();
    }

    @Override
    public long memoryBytes() {
        return trie.memoryBytes();
    }

    @Override
    public void reclaim() {
        if (retired && System.nanoTime() - lastChange >= GRACE_NANOS) {
            trie.reclaimGroups();
            retired = false;
        }
    }
}
