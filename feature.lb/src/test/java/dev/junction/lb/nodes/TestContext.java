package dev.junction.lb.nodes;

import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A worker as a node sees it: a pool, a clock the test moves, interfaces j0 (inside) and j1 (outside). */
public final class TestContext implements NodeContext {
    public final PacketPool pool;
    public long now = 1_000_000_000L;
    public int worker = 0;
    public int workerCount = 1;
    public long[] counted = new long[8];
    private static final String[] NAMES = {"j0", "j1", "j2"};

    public TestContext(int buffers) {
        pool = new PacketPool(Arena.ofAuto(), buffers);
    }

    private final InterfaceView interfaces = new InterfaceView() {
        public int size() {
            return NAMES.length;
        }

        public boolean isUp(int ifIndex) {
            return true;
        }

        public String name(int ifIndex) {
            return NAMES[ifIndex];
        }

        public long mac(int ifIndex) {
            return 0x02_00_00_00_00_01L + ifIndex;
        }

        public int mtu(int ifIndex) {
            return 1500;
        }

        public int indexOf(String name) {
            return java.util.Arrays.asList(NAMES).indexOf(name);
        }
    };

    public <T extends PacketNode> T ready(T node) {
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
        return pool.memory();
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

    @Override
    public void count(int counter, long delta) {
        counted[counter] += delta;
    }
}
