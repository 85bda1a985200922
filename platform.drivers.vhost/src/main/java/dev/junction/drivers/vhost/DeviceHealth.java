package dev.junction.drivers.vhost;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Whether a device's guest has broken the ring rules. A worker that finds a violation marks it; the
 * first mark counts it and logs one line, and every queue of the device then stops until the control
 * thread clears it for a new connection. Read by the workers once per poll.
 */
final class DeviceHealth {
    private static final System.Logger LOG = System.getLogger("dev.junction.drivers.vhost");
    private static final VarHandle BROKEN;

    static {
        try {
            BROKEN = MethodHandles.lookup().findVarHandle(DeviceHealth.class, "broken", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String deviceName;
    private volatile int broken;
    private volatile long violations;

    DeviceHealth(String deviceName) {
        this.deviceName = deviceName;
    }

    boolean isBroken() {
        return broken != GuestViolation.NONE;
    }

    /** The violation that broke the device, {@link GuestViolation#NONE} if none. */
    int reason() {
        return broken;
    }

    long violations() {
        return violations;
    }

    /** Worker: the guest broke rule {@code reason}. Only the first mark counts and logs. */
    void markBroken(int reason) {
        if (BROKEN.compareAndSet(this, GuestViolation.NONE, reason)) {
            violations++; // one writer: the CAS winner
            LOG.log(Level.WARNING, "vhost " + deviceName + ": guest broke the ring rules ("
                    + GuestViolation.reason(reason) + "); device stopped until the frontend reconnects");
        }
    }

    /** Control thread, with no ring running: a new connection starts clean. */
    void clear() {
        broken = GuestViolation.NONE;
    }
}
