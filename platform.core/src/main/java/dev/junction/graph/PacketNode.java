package dev.junction.graph;

import dev.junction.packet.PacketVector;
import java.util.List;

/**
 * A node of the packet graph: one job over a whole vector. Register an implementation as an OSGi
 * service and the core adds it to the graph at run time; unregister it and the core removes it,
 * waiting until no worker can still be running it before the unregistration returns.
 *
 * <p>A node with an {@link #arc()} is a <em>feature</em> on that arc: packets reach it from the nodes
 * before it on the arc and {@link PacketVector#NEXT_FEATURE} sends them on along the arc. Any node may
 * also name further next nodes ({@link #next()}): another node's name, or {@code arc:NAME} for the
 * start of an arc. A verdict {@code k >= 0} picks {@code next().get(k)}.
 *
 * <p>Rules of the fast path: {@link #process} must not block, allocate, log or throw for any packet
 * content; a bad packet is dropped with one of the reasons of {@link #errors()}. A node that throws
 * anyway is quarantined and the worker goes on. One instance serves every worker concurrently: keep
 * per-worker state indexed by {@link NodeContext#worker()}, sized in {@link #workers(int)}.
 */
public interface PacketNode {

    /** Unique name shown by {@code graph:nodes} and {@code runtime:show}. */
    String name();

    /** The arc this node is a feature on (see {@link Arcs}), or null for a plain node. */
    default String arc() {
        return null;
    }

    /** Names of nodes on the same arc this feature must run before. */
    default List<String> runsBefore() {
        return List.of();
    }

    /** Names of nodes on the same arc this feature must run after. */
    default List<String> runsAfter() {
        return List.of();
    }

    /** The next nodes, by verdict index. */
    default List<String> next() {
        return List.of();
    }

    /**
     * How often, in nanoseconds, each worker calls {@link #tick}; 0 (the default): never. For nodes
     * that hold packets (waiting for a neighbour) and must let them go when an answer came or time
     * ran out, with no packet of their own to trigger them.
     */
    default long tickNanos() {
        return 0;
    }

    /**
     * Called between rounds on each worker, about every {@link #tickNanos()}, with an empty vector:
     * the node may append packets (ones it held) with verdicts, which then leave it as from
     * {@link #process}. Same fast-path rules.
     */
    default void tick(PacketVector out, NodeContext context) {
    }

    /**
     * Called once on each worker when this node leaves the graph (removed, or replaced by an update of
     * its bundle), after its last {@link #process} and {@link #tick} there, with an empty vector: the
     * node appends the packets it still holds for that worker, with verdicts, and they go on one last
     * time through the graph the node was part of (or are dropped with the node's reasons). Called
     * again while it appends any. Nodes that hold packets implement it so that no buffer is lost.
     */
    default void release(PacketVector out, NodeContext context) {
    }

    /** Drop reasons, by reason index, as shown in {@code runtime:drops}. */
    default List<String> errors() {
        return List.of();
    }

    /**
     * Whether this feature runs only on the interfaces it is enabled on ({@code feature:enable NODE
     * IFACE}, {@code Dataplane.enableFeature}): false (the default), it runs for every packet of its
     * arc. A per-interface feature is off on every interface until enabled; packets of other
     * interfaces skip it (the arc's {@link ArcDefinition#direction()} says which interface counts).
     * Enablement is kept by node name, so it survives an update of the feature's bundle.
     */
    default boolean perInterface() {
        return false;
    }

    /**
     * Names of this node's own counters, by counter index, counted per worker with
     * {@link NodeContext#count} and shown (summed) by {@code runtime:counters}; they leave the shell
     * with the node.
     */
    default List<String> counters() {
        return List.of();
    }

    /**
     * Called on the control thread with the number of workers, before any worker whose index is below
     * it runs this node, and again whenever the number grows: size per-worker state here (see
     * {@link PerWorker}). Never called concurrently with itself.
     */
    default void workers(int count) {
    }

    /**
     * Gives every packet of the vector a verdict. A node may also append packets to the vector (new
     * buffers from the pool, with their verdicts; {@link PacketVector#isFull()} first), as a node
     * that splits a packet into fragments does; they leave the node like the others.
     */
    void process(PacketVector vector, NodeContext context);
}
