package dev.junction.test.ixgbe;

/**
 * A misuse of the device the model detected: what kind, the register involved ({@link #NO_REGISTER}
 * when none, e.g. a descriptor in memory), the offending value, and a sentence a test failure can
 * print.
 */
public record ModelFault(Kind kind, int register, long value, String what) {
    public static final int NO_REGISTER = -1;

    public enum Kind {
        /** A DMA address outside every registered region: the device stops, as a real NIC hangs. */
        DMA_UNMAPPED,
        /** RDLEN/TDLEN zero, not a multiple of 128 bytes, or (strict option) not a power of two. */
        RING_LENGTH,
        /** RDBAL/TDBAL not 128-byte aligned. */
        RING_ALIGNMENT,
        /** A queue register written before RDRXCTL.DMAIDONE, or while a reset is under way. */
        BEFORE_DMA_INIT,
        /** RDT/TDT moved on a queue that is not (yet) enabled. */
        QUEUE_NOT_ENABLED,
        /** RDT/TDT past the end of the ring, or RDH/TDH written while the queue runs. */
        BAD_INDEX,
        /** SRRCTL asks for a descriptor type or buffer size the model does not accept. */
        SRRCTL,
        /** HLREG0.RXCRCSTRP and RDRXCTL.CRCSTRIP disagree (the datasheet wants them equal). */
        CRC_STRIP,
        /** A receive descriptor handed to the device with DD still set (not cleared on refill). */
        STALE_RX_DESCRIPTOR,
        /** A transmit descriptor that is not an advanced data/context descriptor, or already done. */
        BAD_TX_DESCRIPTOR,
        /** The queue's transmit rules broken: PAYLEN wrong, frame too long, TE clear. */
        TX_RULE,
        /** A driver read of a read-to-clear register at an offset the model does not count. */
        UNKNOWN_STATISTIC,
        /** The model itself failed (a bug in the model, not in the driver). */
        MODEL_ERROR
    }

    @Override
    public String toString() {
        String reg = register == NO_REGISTER ? "-" : String.format("0x%05X", register);
        return kind + " at " + reg + " value 0x" + Long.toHexString(value) + ": " + what;
    }
}
