package dev.junction.dataplane;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when Junction's interfaces change, instead of polling: register it as an OSGi service. It is
 * called on the dataplane's control thread, once when it is added and then after every change of
 * the set of interfaces or of one's index, administrative state, MTU, MAC or mode, and within about a
 * second of a change of a link state ({@link InterfaceStatus#linkUp()}), with every
 * interface as it is now (counters included, though they alone never cause a call). Calls are in
 * order and never overlap; keep them short (recompute, hand work to a thread of one's own). An
 * exception is logged and does not stop later calls.
 */
@ConsumerType
@FunctionalInterface
public interface InterfaceListener {

    void interfacesChanged(List<InterfaceStatus> interfaces);
}
