package dev.junction.device;

/** A device's counters at one moment. */
public record DeviceCounters(long rxPackets, long rxBytes, long rxErrors, long txPackets, long txBytes, long txErrors) {
    public static final DeviceCounters ZERO = new DeviceCounters(0, 0, 0, 0, 0, 0);

    public DeviceCounters plus(DeviceCounters o) {
        return new DeviceCounters(rxPackets + o.rxPackets, rxBytes + o.rxBytes, rxErrors + o.rxErrors,
                txPackets + o.txPackets, txBytes + o.txBytes, txErrors + o.txErrors);
    }
}
