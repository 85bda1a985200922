package dev.junction.fuzz;

import dev.junction.graph.InterfaceView;
import dev.junction.graph.NodeContext;
import dev.junction.packet.PacketPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A worker as the nodes under fuzz see it: worker 0 with a real {@link PacketPool}, a clock the
 * harness moves, and a fixed set of interfaces. The interface view behaves like the engine's: an
 * index out of range is not up and has no name, and {@code mac}/{@code mtu} of one throw, as the
 * engine's arrays do, so that a node asking for them with a bad index is caught.
 */
public final class FuzzContext implements NodeContext {
    /** One interface: its name, MAC, MTU and whether it is up. */
    public record Interface(String name, long mac, int mtu, boolean up) {
    }

    private final PacketPool pool;
    private final Interface[] interfaces;
    private final View view = new View();
    private long now = 1_000_000_000L;
    /** The node running now, for {@link #count}: set by {@link FuzzGraph}. */
    FuzzGraph.Slot running;

    public FuzzContext(int buffers, Interface... interfaces) {
        this.pool = new PacketPool(Arena.ofAuto(), buffers);
        this.interfaces = interfaces.clone();
    }

    /** The usual four: j0..j2 up with MTUs 1500, 1500 and 576 (small, for fragmentation), j3 down. */
    public static Interface[] standardInterfaces() {
        return new Interface[] {
            new Interface("j0", 0x02_00_00_00_00_01L, 1500, true),
            new Interface("j1", 0x02_00_00_00_00_02L, 1500, true),
            new Interface("j2", 0x02_00_00_00_00_03L, 576, true),
            new Interface("j3", 0x02_00_00_00_00_04L, 1500, false)};
    }

    public Interface[] interfaceList() {
        return interfaces.clone();
    }

    public void advance(long nanos) {
        now += nanos;
    }

    @Override
    public int worker() {
        return 0;
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
        return view;
    }

    @Override
    public int workers() {
        return 1;
    }

    @Override
    public void count(int counter, long delta) {
        FuzzGraph.Slot s = running;
        if (s == null) {
            throw new FuzzFailure("count(" + counter + ") outside a node's process, tick or release");
        }
        if (counter < 0 || counter >= s.counters.length) {
            throw new FuzzFailure(s.name + " counted counter " + counter + " but names " + s.counters.length);
        }
        s.counters[counter] += delta;
    }

    private final class View implements InterfaceView {
        @Override
        public int size() {
            return interfaces.length;
        }

        @Override
        public boolean isUp(int ifIndex) {
            return ifIndex >= 0 && ifIndex < interfaces.length && interfaces[ifIndex].up;
        }

        @Override
        public String name(int ifIndex) {
            return ifIndex >= 0 && ifIndex < interfaces.length ? interfaces[ifIndex].name : null;
        }

        @Override
        public long mac(int ifIndex) {
            return interfaces[ifIndex].mac; // out of range throws, as in the engine's InterfaceTable
        }

        @Override
        public int mtu(int ifIndex) {
            return interfaces[ifIndex].mtu;
        }

        @Override
        public int indexOf(String name) {
            for (int i = 0; i < interfaces.length; i++) {
                if (interfaces[i].name.equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public String toString() {
            return Arrays.toString(interfaces);
        }
    }
}
