package dev.junction.dataplane;

import dev.junction.device.DeviceCounters;

/** One interface: identity, state, mode and counters. */
public record InterfaceStatus(int index, String name, String driver, String mac, int mtu, boolean adminUp,
        boolean linkUp, String mode, int rxQueues, DeviceCounters counters) {
}
