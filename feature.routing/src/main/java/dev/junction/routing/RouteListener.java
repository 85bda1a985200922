package dev.junction.routing;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when a VRF's forwarding table changes, instead of polling {@link Routing#routes}: register it
 * as an OSGi service. It is called on routing's own thread, after the change is in the FIB, with the
 * VRF's name; changes close together (a table load, FRR streaming routes) come as one call. Calls
 * never overlap; an exception is logged and does not stop later calls. Read what changed with
 * {@link Routing#routes(String)} or {@link Routing#adjacencies(String)}.
 */
@ConsumerType
@FunctionalInterface
public interface RouteListener {

    void routesChanged(String vrf);
}
