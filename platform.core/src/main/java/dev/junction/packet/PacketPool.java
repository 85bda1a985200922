package dev.junction.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A worker's packet buffers: one off-heap slab cut into fixed-size buffers, each with headroom for
 * encapsulations, and the per-packet metadata kept as parallel arrays indexed by buffer number
 * (struct of arrays, so a packet is an {@code int}, never an object).
 *
 * <p>A pool belongs to exactly one worker thread; it is not thread-safe. Buffers leave the pool
 * through {@link #allocate()} and come back through {@link #free(int)}.
 */
public final class PacketPool {
    /** Bytes kept free in front of the frame so that a node can prepend headers without a copy. */
    public static final int HEADROOM = 128;
    /** Largest frame a buffer holds. */
    public static final int DATA_ROOM = 2048;
    /** Distance between two buffers in {@link #memory()}. */
    public static final int BUFFER_SIZE = HEADROOM + DATA_ROOM;
    /**
     * Opaque metadata words per packet. A bundle claims one by name
     * ({@code Dataplane.claimOpaqueWord}) and alone gives it a meaning, as VPP's buffer opaque.
     */
    public static final int OPAQUE_WORDS = 4;

    private final MemorySegment memory;
    private final int capacity;
    private final int[] dataOffset;
    private final int[] length;
    private final int[] rxInterface;
    private final int[] txInterface;
    private final int[] vrf;
    private final int[] flowHash;
    private final int[] l3Offset;
    private final int[] nextHop;
    private final int[] adjacency;
    private final int[] opaque;
    private final int[] traceId;
    private final int[] free;
    private int freeCount;

    public PacketPool(Arena arena, int capacity) {
        this(arena, capacity, PacketMemory.NATIVE);
    }

    /**
     * A pool whose slab comes from {@code source} (for instance DMA-able huge pages a NIC driver
     * supplies) instead of plain native memory. The segment must be native, 4096-byte aligned and
     * at least {@code capacity * BUFFER_SIZE} bytes; only that much of it is used.
     */
    public PacketPool(Arena arena, int capacity, PacketMemory source) {
        if (capacity <= 0 || capacity > (1 << 22)) {
            throw new IllegalArgumentException("pool capacity must be 1.." + (1 << 22) + ", not " + capacity);
        }
        this.capacity = capacity;
        long bytes = (long) capacity * BUFFER_SIZE;
        MemorySegment slab = source.allocate(arena, bytes);
        if (slab == null || !slab.isNative() || slab.byteSize() < bytes || (slab.address() & 4095) != 0) {
            throw new IllegalArgumentException("packet memory must be native, 4 KiB aligned and at least "
                    + bytes + " bytes, not " + slab);
        }
        this.memory = slab.asSlice(0, bytes);
        this.dataOffset = new int[capacity];
        this.length = new int[capacity];
        this.rxInterface = new int[capacity];
        this.txInterface = new int[capacity];
        this.vrf = new int[capacity];
        this.flowHash = new int[capacity];
        this.l3Offset = new int[capacity];
        this.nextHop = new int[capacity];
        this.adjacency = new int[capacity];
        this.opaque = new int[capacity * OPAQUE_WORDS];
        this.traceId = new int[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        freeCount = capacity;
    }

    /** The slab every buffer of this pool lives in; header accessors take offsets into it. */
    public MemorySegment memory() {
        return memory;
    }

    public int capacity() {
        return capacity;
    }

    public int available() {
        return freeCount;
    }

    /** Takes a buffer with its data start at the headroom and all metadata cleared; -1 when empty. */
    public int allocate() {
        if (freeCount == 0) {
            return -1;
        }
        int b = free[--freeCount];
        dataOffset[b] = HEADROOM;
        length[b] = 0;
        rxInterface[b] = -1;
        txInterface[b] = -1;
        vrf[b] = 0;
        flowHash[b] = 0;
        l3Offset[b] = 0;
        nextHop[b] = 0;
        traceId[b] = 0;
        return b;
    }

    public void free(int buffer) {
        free[freeCount++] = buffer;
    }

    /** Offset in {@link #memory()} of the first byte of the packet's data. */
    public long data(int buffer) {
        return (long) buffer * BUFFER_SIZE + dataOffset[buffer];
    }

    /** Offset in {@link #memory()} of the start of the buffer (the headroom). */
    public long bufferStart(int buffer) {
        return (long) buffer * BUFFER_SIZE;
    }

    public int length(int buffer) {
        return length[buffer];
    }

    public void length(int buffer, int len) {
        length[buffer] = len;
    }

    /** Headroom left in front of the data. */
    public int headroom(int buffer) {
        return dataOffset[buffer];
    }

    /**
     * Moves the data start by {@code delta} bytes (negative: prepend, positive: strip) and the length
     * with it. Returns false, changing nothing, when that would leave the buffer.
     */
    public boolean advance(int buffer, int delta) {
        int off = dataOffset[buffer] + delta;
        int len = length[buffer] - delta;
        if (off < 0 || len < 0 || off + len > BUFFER_SIZE) {
            return false;
        }
        dataOffset[buffer] = off;
        length[buffer] = len;
        return true;
    }

    public int rxInterface(int buffer) {
        return rxInterface[buffer];
    }

    public void rxInterface(int buffer, int ifIndex) {
        rxInterface[buffer] = ifIndex;
    }

    public int txInterface(int buffer) {
        return txInterface[buffer];
    }

    public void txInterface(int buffer, int ifIndex) {
        txInterface[buffer] = ifIndex;
    }

    public int vrf(int buffer) {
        return vrf[buffer];
    }

    public void vrf(int buffer, int table) {
        vrf[buffer] = table;
    }

    public int flowHash(int buffer) {
        return flowHash[buffer];
    }

    public void flowHash(int buffer, int hash) {
        flowHash[buffer] = hash;
    }

    /** Offset of the network header from the data start, set by ethernet-input. */
    public int l3Offset(int buffer) {
        return l3Offset[buffer];
    }

    public void l3Offset(int buffer, int offset) {
        l3Offset[buffer] = offset;
    }

    /** The IPv4 next hop a route lookup chose (0: the destination itself). */
    public int nextHop(int buffer) {
        return nextHop[buffer];
    }

    public void nextHop(int buffer, int address) {
        nextHop[buffer] = address;
    }

    /**
     * What a route lookup chose: for a prefix steered to another bundle's node, the index that
     * bundle gave, in both families; for routing's own IPv6 forwarding, its adjacency id. Routing's
     * own IPv4 forwarding leaves it alone (its next hop's address, {@link #nextHop}, is all
     * ip4-rewrite needs, and one store fewer per packet shows in routed IPv4 figures).
     */
    public int adjacency(int buffer) {
        return adjacency[buffer];
    }

    public void adjacency(int buffer, int id) {
        adjacency[buffer] = id;
    }

    /** Opaque word {@code word} (0..{@link #OPAQUE_WORDS}-1) of a packet: its claimant's to read and write. */
    public int opaque(int buffer, int word) {
        return opaque[buffer * OPAQUE_WORDS + word];
    }

    public void opaque(int buffer, int word, int value) {
        opaque[buffer * OPAQUE_WORDS + word] = value;
    }

    /** Non-zero while the packet is being traced: the trace record number. */
    public int traceId(int buffer) {
        return traceId[buffer];
    }

    public void traceId(int buffer, int id) {
        traceId[buffer] = id;
    }
}
