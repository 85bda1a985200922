package dev.junction.routing.fib;

import java.util.Arrays;

/**
 * The slow and obviously right answer: a binary trie with one node per prefix bit, for prefixes of
 * up to 128 bits. IPv4 prefixes use the first 32 bits of {@code high}.
 */
final class ReferenceLpm {
    private int[] zero = new int[1024];
    private int[] one = new int[1024];
    private int[] hop = new int[1024];
    private int nodes = 1;

    void add(long high, long low, int length, int nextHop) {
        int node = 0;
        for (int bit = 0; bit < length; bit++) {
            int[] children = bit(high, low, bit) ? one : zero;
            if (children[node] == 0) {
                if (nodes == hop.length) {
                    zero = Arrays.copyOf(zero, nodes * 2);
                    one = Arrays.copyOf(one, nodes * 2);
                    hop = Arrays.copyOf(hop, nodes * 2);
                    children = bit(high, low, bit) ? one : zero;
                }
                children[node] = nodes++;
            }
            node = children[node];
        }
        hop[node] = nextHop;
    }

    int lookup(long high, long low) {
        int node = 0;
        int best = hop[0];
        for (int bit = 0; bit < 128; bit++) {
            node = (bit(high, low, bit) ? one : zero)[node];
            if (node == 0) {
                break;
            }
            if (hop[node] != 0) {
                best = hop[node];
            }
        }
        return best;
    }

    void add4(int prefix, int length, int nextHop) {
        add((prefix & 0xFFFF_FFFFL) << 32, 0, length, nextHop);
    }

    int lookup4(int address) {
        return lookup((address & 0xFFFF_FFFFL) << 32, 0);
    }

    private static boolean bit(long high, long low, int bit) {
        return ((bit < 64 ? high << bit : low << (bit - 64)) & Long.MIN_VALUE) != 0;
    }
}
