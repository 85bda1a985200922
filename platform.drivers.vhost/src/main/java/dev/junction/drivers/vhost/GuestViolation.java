package dev.junction.drivers.vhost;

/**
 * Why a guest's ring broke the virtio rules. A violation found by a worker marks the device broken:
 * its queues stop until the frontend connects again; the reason is shown by {@code vhost:list}.
 */
final class GuestViolation {
    static final int NONE = 0;
    static final int AVAIL_INDEX = 1;
    static final int HEAD_INDEX = 2;
    static final int NEXT_INDEX = 3;
    static final int CHAIN_LOOP = 4;
    static final int ADDRESS = 5;
    static final int INDIRECT = 6;
    static final int WRITABLE_TX = 7;
    static final int READ_ONLY_RX = 8;
    static final int CHANGED = 9;

    private static final String[] REASONS = {
        "none",
        "available index runs more than the ring size ahead",
        "descriptor head index outside the ring",
        "descriptor next index outside the ring",
        "descriptor chain longer than the ring (a loop)",
        "buffer address or length outside the guest memory regions",
        "indirect descriptor, not negotiated",
        "device-writable descriptor in a transmit chain",
        "device-readable descriptor in a receive chain",
        "descriptors changed while the device used them",
    };

    private GuestViolation() {
    }

    static String reason(int code) {
        return code >= 0 && code < REASONS.length ? REASONS[code] : "unknown (" + code + ")";
    }
}
