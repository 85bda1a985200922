package dev.junction.routing.nodes;

import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.packet.PacketPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A worker as a node sees it, for running nodes by hand in unit tests: worker 0 of 1 unless the test
 * says otherwise, a pool of its own, a clock the test moves, and one interface (index 0, named j0)
 * whose MAC and MTU the test sets. {@link #ready} sizes a node for the workers, as the engine does.
 */
public final class TestContext implements NodeContext {
    public final PacketPool pool;
    public final MemorySegment memory;
    public long now = 1_000_000_000L;
    public long mac = 0x02_00_00_00_00_01L;
    public int mtu = 1500;
    /** The worker a node runs as, and how many there are. */
    public int worker = 0;
    public int workerCount = 1;

    public TestContext(int buffers) {
        pool = new PacketPool(Arena.ofAuto(), buffers);
        memory = pool.memory();
    }

    private final InterfaceView interfaces = new InterfaceView() {
        public int size() {
            return 1;
        }

        public boolean isUp(int ifIndex) {
            return true;
        }

        public String name(int ifIndex) {
            return "j0";
        }

        public long mac(int ifIndex) {
            return mac;
        }

        public int mtu(int ifIndex) {
            return mtu;
        }

        public int indexOf(String name) {
            return 0;
        }
    };

    /** Sizes {@code node}'s per-worker state for {@link #workerCount} workers, as the engine does first. */
    public <T extends dev.junction.graph.PacketNode> T ready(T node) {
        node.workers(workerCount);
        return node;
    }

    @Override
    public int worker() {
        return worker;
    }

    @Override
    public PacketPool pool() {
        return pool;
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public InterfaceView interfaces() {
        return interfaces;
    }

    @Override
    public int workers() {
        return workerCount;
    }

    /** Named counters of the node under test, by index (grown on demand). */
    public long[] counted = new long[0];

    @Override
    public void count(int counter, long delta) {
        if (counter >= counted.length) {
            counted = java.util.Arrays.copyOf(counted, counter + 1);
        }
        counted[counter] += delta;
    }
}
