package dev.junction.mpls.nodes;

import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** One worker as a node sees it: a pool and interfaces j0, j1, j2 (MAC 02:00:00:00:00:0N+1, MTU 1500). */
public final class TestContext implements NodeContext {
    public final PacketPool pool;
    public int worker = 0;
    public int workerCount = 1;
    public final long[] counted = new long[8];
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

    public int worker() {
        return worker;
    }

    public PacketPool pool() {
        return pool;
    }

    public MemorySegment memory() {
        return pool.memory();
    }

    public long now() {
        return 1_000_000_000L;
    }

    public InterfaceView interfaces() {
        return interfaces;
    }

    public int workers() {
        return workerCount;
    }

    public void count(int counter, long delta) {
        counted[counter] += delta;
    }
}
