package dev.junction.device;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A network device the core polls: a NIC, a VM's vNIC, a Linux interface, or memory. Drivers register
 * implementations as OSGi services; the core gives the device an interface index, assigns its receive
 * queues to workers and transmits through {@link #txQueue(int)}.
 */
@ConsumerType
public interface NetDevice {

    /** Interface name, unique in Junction (e.g. {@code mem0}, {@code tap0}). */
    String name();

    /** Driver name shown in {@code interface:list}. */
    String driver();

    /** MAC address as the low 48 bits. */
    long mac();

    /** Largest layer-3 payload the device carries (1500 for plain Ethernet). */
    int mtu();

    /** Whether the link is up now. May change at any time. */
    boolean linkUp();

    int rxQueueCount();

    /** Receive queue {@code q}; polled by exactly one worker at a time. */
    RxQueue rxQueue(int q);

    /**
     * The transmit queue worker {@code worker} uses. The core calls it only from that worker; a device
     * that gives several workers the same queue must make that queue safe for them.
     */
    TxQueue txQueue(int worker);

    /** Totals over all queues, read from any thread. */
    DeviceCounters counters();
}
