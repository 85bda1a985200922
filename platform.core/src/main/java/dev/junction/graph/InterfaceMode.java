package dev.junction.graph;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A bundle's claim on an interface's layer 2: register it as an OSGi service and every frame received
 * on {@link #interfaceName()} goes to the start of {@link #arc()} instead of being dispatched by
 * ethertype (a cross-connect, a bridge port). One bundle owns an interface at a time: the earliest
 * claim holds, a later one is reported as a conflict. Unregistering returns the interface to
 * layer-3 mode. The interface need not exist yet.
 */
@ConsumerType
public interface InterfaceMode {

    String interfaceName();

    /** The arc this interface's frames enter. */
    String arc();

    /** What {@code interface:list} shows as the interface's mode, e.g. {@code l2 bridge blue}. */
    String description();

    static InterfaceMode of(String interfaceName, String arc, String description) {
        record Simple(String interfaceName, String arc, String description) implements InterfaceMode {
        }
        return new Simple(interfaceName, arc, description);
    }
}
