package dev.junction.fuzz;

import dev.junction.graph.Arcs;
import dev.junction.graph.PacketNode;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small graph runner for fuzzing: a node or a chain of nodes, wired by their {@code next()} names
 * and arcs as the engine wires them, on one worker's pool, checking each node's every move. A verdict
 * naming a node outside the graph, or the start of an arc the graph does not have, ends the packet
 * there (an exit, counted by name, its buffer freed).
 *
 * <p>What it checks, failing with a {@link FuzzFailure} at the first breach: {@code process},
 * {@code tick} and {@code release} throw nothing; every packet has a verdict (a next index within
 * {@code next()}, NEXT_FEATURE only from a feature of an arc, a drop reason within {@code errors()},
 * or taken); a node keeps every packet it was given (the vector never shrinks), appends only buffers
 * that were free, never the same buffer twice, and hands back only what it holds itself; counters
 * are within {@code counters()}; data start and length stay inside the buffer; no packet loops
 * (more than {@link #MAX_HOPS} nodes); and at the end, after {@link #releaseAll()}, nothing is held
 * and the pool has every buffer back ({@link #checkNoLeak()}).
 */
public final class FuzzGraph {
    public static final int MAX_HOPS = 64;
    private static final int FREE = 0, IN_FLIGHT = 1, HELD = 2;
    private static final int NONE = Integer.MIN_VALUE;

    /** A node in the graph, with what the harness counted for it. */
    public static final class Slot {
        final int index;
        final PacketNode node;
        final String name;
        final String[] nextNames;
        final int errors;
        final long[] counters;
        final long[] drops;
        final boolean ticks;
        final PacketVector vector = new PacketVector();
        int[] next;
        int arcNext = NONE;
        long in;
        long calls;
        boolean gone;
        private int[] queue;
        private int head, tail;

        Slot(int index, PacketNode node, List<String> nextNames) {
            this.index = index;
            this.node = node;
            this.name = node.name();
            this.nextNames = nextNames.toArray(String[]::new);
            this.errors = node.errors().size();
            this.counters = new long[node.counters().size()];
            this.drops = new long[errors];
            this.ticks = node.tickNanos() > 0;
        }

        public String name() {
            return name;
        }

        /** Packets handed to this node's process. */
        public long in() {
            return in;
        }

        public long[] drops() {
            return drops.clone();
        }
    }

    private final FuzzContext ctx;
    private final PacketPool pool;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<String, Slot> byName = new HashMap<>();
    private final Map<String, String> arcEnds = new LinkedHashMap<>();
    private final Map<String, List<Slot>> features = new HashMap<>();
    private final List<String> exitNames = new ArrayList<>();
    private long[] exitCounts = new long[0];
    private final Map<String, Integer> entries = new HashMap<>();
    private final PacketVector out = new PacketVector();
    private final int[] state, holder, hops, stampIn, stampSeen;
    private final long[] frameOf;
    private int step;
    private boolean compiled;

    public FuzzGraph(FuzzContext ctx) {
        this.ctx = ctx;
        this.pool = ctx.pool();
        int cap = pool.capacity();
        state = new int[cap];
        holder = new int[cap];
        hops = new int[cap];
        stampIn = new int[cap];
        stampSeen = new int[cap];
        frameOf = new long[cap];
    }

    public FuzzContext context() {
        return ctx;
    }

    /** Adds a node with its own {@code next()}. Features run on their arc in the order they were added. */
    public FuzzGraph node(PacketNode node) {
        return node(node, node.next());
    }

    /** Adds a node whose next list the engine makes (ethernet-input's), given here. */
    public FuzzGraph node(PacketNode node, List<String> next) {
        if (compiled) {
            throw new IllegalStateException("graph already running");
        }
        if (byName.containsKey(node.name())) {
            throw new IllegalArgumentException("two nodes named " + node.name());
        }
        node.workers(1);
        Slot s = new Slot(slots.size(), node, next);
        s.queue = new int[pool.capacity() + 1];
        slots.add(s);
        byName.put(s.name, s);
        return this;
    }

    /** Declares an arc and the node that ends it (which may be absent: packets leave there). */
    public FuzzGraph arc(String arc, String end) {
        arcEnds.put(arc, end);
        return this;
    }

    public Slot slot(String name) {
        Slot s = byName.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no node " + name + " in the graph");
        }
        return s;
    }

    public List<Slot> slots() {
        return List.copyOf(slots);
    }

    private void compile() {
        if (compiled) {
            return;
        }
        compiled = true;
        for (Slot s : slots) {
            String arc = s.node.arc();
            if (arc != null && !features.containsKey(arc)) {
                features.put(arc, order(arc));
            }
        }
        for (Slot s : slots) {
            s.next = new int[s.nextNames.length];
            for (int k = 0; k < s.next.length; k++) {
                s.next[k] = resolve(s.nextNames[k]);
            }
            String arc = s.node.arc();
            if (arc != null) {
                List<Slot> on = features.get(arc);
                int at = on.indexOf(s);
                s.arcNext = at + 1 < on.size() ? on.get(at + 1).index : end(arc);
            }
        }
    }

    /** The features of an arc in the order their runsAfter/runsBefore ask for (else the order added). */
    private List<Slot> order(String arc) {
        List<Slot> left = new ArrayList<>();
        for (Slot s : slots) {
            if (arc.equals(s.node.arc())) {
                left.add(s);
            }
        }
        List<Slot> placed = new ArrayList<>();
        while (!left.isEmpty()) {
            Slot pick = null;
            for (Slot s : left) {
                boolean ready = true;
                for (Slot o : left) {
                    if (o != s && (s.node.runsAfter().contains(o.name) || o.node.runsBefore().contains(s.name))) {
                        ready = false;
                        break;
                    }
                }
                if (ready) {
                    pick = s;
                    break;
                }
            }
            if (pick == null) {
                throw new IllegalStateException("features of " + arc + " order each other in a cycle");
            }
            left.remove(pick);
            placed.add(pick);
        }
        return placed;
    }

    /** A next name as a slot (>= 0) or an exit (< 0). */
    private int resolve(String name) {
        if (name.startsWith(Arcs.PREFIX)) {
            String arc = name.substring(Arcs.PREFIX.length());
            List<Slot> on = features.get(arc);
            return on != null && !on.isEmpty() ? on.get(0).index : end(arc);
        }
        Slot s = byName.get(name);
        return s != null ? s.index : exit(name);
    }

    private int end(String arc) {
        String end = arcEnds.get(arc);
        if (end != null && byName.containsKey(end)) {
            return byName.get(end).index;
        }
        return exit(end != null ? end : "end of arc " + arc);
    }

    private int exit(String name) {
        int k = exitNames.indexOf(name);
        if (k < 0) {
            k = exitNames.size();
            exitNames.add(name);
            exitCounts = Arrays.copyOf(exitCounts, k + 1);
        }
        return -1 - k;
    }

    /**
     * Sends a frame the harness allocated and filled to {@code entry} (a node name or {@code arc:NAME});
     * {@code frame} is its index in the run, for the failure report. Call {@link #run()} to move it.
     */
    public void inject(String entry, int buffer, long frame) {
        compile();
        Integer target = entries.get(entry);
        if (target == null) {
            target = resolve(entry);
            entries.put(entry, target);
        }
        if (state[buffer] != FREE) {
            throw new FuzzFailure("the pool handed out buffer " + buffer + " that is still in use");
        }
        state[buffer] = IN_FLIGHT;
        hops[buffer] = 0;
        frameOf[buffer] = frame;
        route(target, buffer, null);
    }

    /** Runs nodes until no packet waits anywhere. */
    public void run() {
        compile();
        boolean any;
        do {
            any = false;
            for (Slot s : slots) {
                if (s.head != s.tail) {
                    process(s);
                    any = true;
                }
            }
        } while (any);
    }

    /** Calls every ticking node's tick once (as a worker does between rounds) and runs what they hand out. */
    public void tick() {
        compile();
        for (Slot s : slots) {
            if (s.ticks && !s.gone) {
                out.clear();
                ctx.running = s;
                try {
                    s.node.tick(out, ctx);
                } catch (Throwable t) {
                    throw failure(s, "tick threw " + t, t, out);
                } finally {
                    ctx.running = null;
                }
                dispatch(s, out, 0, "tick");
                run();
            }
        }
    }

    /** Takes every node out of the graph, last added first, calling release until it hands back nothing. */
    public void releaseAll() {
        compile();
        for (int k = slots.size() - 1; k >= 0; k--) {
            Slot s = slots.get(k);
            s.gone = true;
            for (int round = 0; ; round++) {
                if (round > pool.capacity()) {
                    throw failure(s, "release keeps handing out packets", null, out);
                }
                out.clear();
                ctx.running = s;
                try {
                    s.node.release(out, ctx);
                } catch (Throwable t) {
                    throw failure(s, "release threw " + t, t, out);
                } finally {
                    ctx.running = null;
                }
                if (out.count() == 0) {
                    break;
                }
                dispatch(s, out, 0, "release");
                run();
            }
        }
    }

    /** After {@link #releaseAll()}: nothing held, every buffer back in the pool. */
    public void checkNoLeak() {
        int inUse = 0;
        for (int b = 0; b < state.length; b++) {
            if (state[b] == HELD) {
                throw new FuzzFailure(slots.get(holder[b]).name + " still holds buffer " + b + " (frame " + frameOf[b]
                        + ") after release", null, new long[] {frameOf[b]});
            }
            if (state[b] == IN_FLIGHT) {
                inUse++;
            }
        }
        if (inUse != 0) {
            throw new FuzzFailure(inUse + " buffers still in flight after the graph ran dry");
        }
        if (pool.available() != pool.capacity()) {
            throw new FuzzFailure("pool leak: " + pool.available() + " of " + pool.capacity() + " buffers free after the run"
                    + (pool.available() > pool.capacity() ? " (a buffer was freed twice)" : ""));
        }
    }

    private void process(Slot s) {
        PacketVector v = s.vector;
        v.clear();
        while (s.head != s.tail && !v.isFull()) {
            v.add(s.queue[s.head]);
            s.head = s.head + 1 == s.queue.length ? 0 : s.head + 1;
        }
        int n0 = v.count();
        int in = ++step;
        for (int i = 0; i < n0; i++) {
            stampIn[v.buffer(i)] = in;
        }
        s.in += n0;
        s.calls++;
        ctx.running = s;
        try {
            s.node.process(v, ctx);
        } catch (Throwable t) {
            v.truncate(n0);
            throw failure(s, "process threw " + t, t, v);
        } finally {
            ctx.running = null;
        }
        if (v.count() < n0) {
            throw failure(s, "the vector shrank from " + n0 + " to " + v.count() + " packets (lost)", null, v);
        }
        dispatch(s, v, n0, "process");
    }

    /** Checks and sends on the packets of {@code v}; the first {@code given} were handed to the node. */
    private void dispatch(Slot s, PacketVector v, int given, String phase) {
        int n = v.count();
        int seen = ++step;
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            if (b < 0 || b >= state.length) {
                throw failure(s, phase + " put buffer number " + b + " in the vector (pool of " + state.length + ")", null, v);
            }
            if (stampSeen[b] == seen) {
                throw failure(s, phase + " put buffer " + b + " in the vector twice", null, v);
            }
            stampSeen[b] = seen;
            if (i >= given) {
                if (state[b] == IN_FLIGHT) {
                    throw failure(s, phase + " appended buffer " + b + " (frame " + frameOf[b]
                            + ") that is already on its way elsewhere", null, v);
                }
                if (state[b] == HELD && holder[b] != s.index) {
                    throw failure(s, phase + " appended buffer " + b + " held by " + slots.get(holder[b]).name, null, v);
                }
                if (state[b] == FREE) {
                    frameOf[b] = -1;
                    hops[b] = 0;
                }
                state[b] = IN_FLIGHT;
            }
            int room = pool.headroom(b) + pool.length(b);
            if (pool.length(b) < 0 || pool.headroom(b) < 0 || room > PacketPool.BUFFER_SIZE) {
                throw failure(s, phase + " left buffer " + b + " with headroom " + pool.headroom(b) + " and length "
                        + pool.length(b) + " (outside its buffer)", null, v);
            }
        }
        for (int i = 0; i < n; i++) {
            int b = v.buffer(i);
            int verdict = v.verdict(i);
            if (verdict >= 0) {
                if (verdict >= s.next.length) {
                    throw failure(s, phase + " gave verdict " + verdict + " but has " + s.next.length + " next nodes", null, v);
                }
                route(s.next[verdict], b, s);
            } else if (verdict == PacketVector.NEXT_FEATURE) {
                if (s.arcNext == NONE) {
                    throw failure(s, phase + " gave packet " + i + " no verdict (NEXT_FEATURE from a node on no arc)", null, v);
                }
                route(s.arcNext, b, s);
            } else if (verdict == PacketVector.TAKEN) {
                if (phase.equals("release")) {
                    throw failure(s, "release kept a packet it was to hand back", null, v);
                }
                state[b] = HELD;
                holder[b] = s.index;
            } else {
                int reason = PacketVector.dropReason(verdict);
                if (reason >= s.errors) {
                    throw failure(s, phase + " dropped with reason " + reason + " but names " + s.errors + " errors", null, v);
                }
                s.drops[reason]++;
                free(b);
            }
        }
    }

    private void route(int target, int b, Slot from) {
        if (target < 0) {
            exitCounts[-1 - target]++;
            free(b);
            return;
        }
        Slot t = slots.get(target);
        if (t.gone) {
            exit("gone: " + t.name);
            exitCounts[exitNames.indexOf("gone: " + t.name)]++;
            free(b);
            return;
        }
        if (++hops[b] > MAX_HOPS) {
            throw new FuzzFailure("packet (frame " + frameOf[b] + ") went through " + MAX_HOPS + " nodes: a loop, last "
                    + (from == null ? "?" : from.name) + " -> " + t.name, null, new long[] {frameOf[b]});
        }
        t.queue[t.tail] = b;
        t.tail = t.tail + 1 == t.queue.length ? 0 : t.tail + 1;
    }

    private void free(int b) {
        if (state[b] != IN_FLIGHT) {
            throw new FuzzFailure("buffer " + b + " freed while not in flight");
        }
        state[b] = FREE;
        pool.free(b);
    }

    private FuzzFailure failure(Slot s, String what, Throwable cause, PacketVector v) {
        long[] frames = new long[v.count()];
        for (int i = 0; i < frames.length; i++) {
            int b = v.buffer(i);
            frames[i] = b >= 0 && b < frameOf.length ? frameOf[b] : -1;
        }
        return new FuzzFailure(s.name + ": " + what, cause, frames);
    }

    /** Packets each exit saw, by name. */
    public Map<String, Long> exits() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int k = 0; k < exitNames.size(); k++) {
            m.put(exitNames.get(k), exitCounts[k]);
        }
        return m;
    }

    /** One line per node: packets in, drops by reason; then the exits. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        for (Slot s : slots) {
            if (s.in == 0 && s.calls == 0) {
                continue;
            }
            sb.append(String.format("  %-24s %,12d in", s.name, s.in));
            List<String> reasons = s.node.errors();
            for (int r = 0; r < s.drops.length; r++) {
                if (s.drops[r] > 0) {
                    sb.append(String.format("; %,d %s", s.drops[r], reasons.get(r)));
                }
            }
            sb.append('\n');
        }
        exits().forEach((name, count) -> {
            if (count > 0) {
                sb.append(String.format("  exit %-19s %,12d%n", name, count));
            }
        });
        return sb.toString();
    }
}
