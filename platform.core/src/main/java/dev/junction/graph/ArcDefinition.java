package dev.junction.graph;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An arc a bundle adds to the graph: register an implementation as an OSGi service (with the node
 * named by {@link #end()}) and features may hook onto it and other nodes may send packets to
 * {@code arc:NAME}; unregister it and the arc leaves the graph under the same snapshot and
 * quiescence rules as nodes (features on it are then rejected, packets sent to it dropped with
 * "next node unavailable"). The core's own arcs are in {@link Arcs}.
 */
@ConsumerType
public interface ArcDefinition {

    /** Which interface decides whether a per-interface feature of the arc runs for a packet. */
    enum Direction {
        /** The interface the packet was received on (input arcs). */
        INPUT,
        /** The interface the packet is to be sent on (output arcs). */
        OUTPUT
    }

    /** The arc's name, unique in the graph: {@code arc:NAME} is its start. */
    String name();

    /** The node that ends the arc, after its features: a plain node (no arc of its own). */
    String end();

    default Direction direction() {
        return Direction.INPUT;
    }

    /** An arc definition to register as it is. */
    static ArcDefinition of(String name, String end, Direction direction) {
        record Simple(String name, String end, Direction direction) implements ArcDefinition {
        }
        return new Simple(name, end, direction);
    }
}
