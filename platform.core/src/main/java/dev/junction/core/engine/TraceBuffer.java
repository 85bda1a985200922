package dev.junction.core.engine;

import dev.junction.dataplane.TraceEntry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One worker's trace records, preallocated: the worker appends (node and verdict labels are strings
 * the compiled graph already holds, so tracing allocates nothing); the shell reads up to the size the
 * worker published with a release store.
 */
final class TraceBuffer {
    static final int CAPACITY = 8192;
    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(TraceBuffer.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int worker;
    private final int[] packet = new int[CAPACITY];
    private final long[] nanos = new long[CAPACITY];
    private final int[] length = new int[CAPACITY];
    private final String[] node = new String[CAPACITY];
    private final String[] verdict = new String[CAPACITY];
    @SuppressWarnings("unused") // accessed through SIZE
    private int size;

    TraceBuffer(int worker) {
        this.worker = worker;
    }

    void record(int id, long time, String nodeName, String verdictLabel, int len) {
        int s = (int) SIZE.getOpaque(this);
        if (s >= CAPACITY) {
            return;
        }
        packet[s] = id;
        nanos[s] = time;
        node[s] = nodeName;
        verdict[s] = verdictLabel;
        length[s] = len;
        SIZE.setRelease(this, s + 1);
    }

    List<TraceEntry> entries() {
        int s = (int) SIZE.getAcquire(this);
        List<TraceEntry> out = new ArrayList<>(s);
        for (int i = 0; i < s; i++) {
            out.add(new TraceEntry(packet[i], worker, nanos[i], node[i], verdict[i], length[i]));
        }
        return out;
    }
}
