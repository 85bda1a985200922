package dev.junction.routing;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told the labelled routes a routing daemon holds ({@link LabelRoute}: label switched paths and IP
 * routes with label stacks), which routing takes over FPM but does not forward by itself: register it
 * as an OSGi service. Each call has the whole current set, which replaces what the previous call
 * gave: a route absent from it was withdrawn by the daemon, or removed because the daemon's session
 * ended and it did not send the route again in time (as routing does with its learned routes). A
 * listener is called once soon after it registers, with the set as it is then (possibly empty), and
 * after every change; changes close together come as one call, and a call may repeat the previous
 * set. Calls come on routing's own thread and never overlap; an exception is logged and does not
 * stop later calls.
 */
@ConsumerType
@FunctionalInterface
public interface LabelRouteListener {

    void labelRoutesChanged(List<LabelRoute> routes);
}
