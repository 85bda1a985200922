package dev.junction.test.ixgbe;

/**
 * How the model behaves: the MAC address in its EEPROM, the delays with which it plays the NIC,
 * and how strict it is. {@link #defaults()} then the {@code with...} methods.
 *
 * @param mac                   the address loaded into RAL/RAH(0) after each reset (low 48 bits,
 *                              first byte on the wire in bits 47:40)
 * @param queues                receive and transmit queues watched (the 82599 has 128; fewer keep
 *                              the device thread's polling short)
 * @param resetNanos            from CTRL.RST (or LRST) seen to the bit clearing itself
 * @param eepromNanos           from the end of a reset to EEC.ARD
 * @param dmaInitNanos          from the end of a reset to RDRXCTL.DMAIDONE
 * @param linkNanos             from AUTOC.AN_RESTART to LINKS up at 10 Gb/s
 * @param queueEnableNanos      from RXDCTL/TXDCTL.ENABLE written to it reading back set
 * @param rxWriteBackNanos      between a frame's bytes landing in its buffer and the write-back of
 *                              its descriptor; meanwhile the descriptor's length and hash hold
 *                              garbage ({@link #RX_POISON_LENGTH}), as a driver that reads them
 *                              before DD may see
 * @param rxPacketBufferBytes   the receive packet buffer: frames held there when no descriptor is
 *                              free and SRRCTL.DROP_EN is clear; beyond it frames are missed (MPC)
 * @param failFast              the first fault stops the device and is thrown from the next call
 *                              into the model
 * @param powerOfTwoRings       also refuse rings whose descriptor count is not a power of two (the
 *                              82599 does not need it; a driver that wraps indexes with a mask does)
 */
public record ModelConfig(long mac, int queues, long resetNanos, long eepromNanos, long dmaInitNanos,
                          long linkNanos, long queueEnableNanos, long rxWriteBackNanos,
                          int rxPacketBufferBytes, boolean failFast, boolean powerOfTwoRings) {

    /** The length a descriptor shows while its write-back is delayed. */
    public static final int RX_POISON_LENGTH = 0xBEEF;
    /** The RSS hash a descriptor shows while its write-back is delayed. */
    public static final int RX_POISON_HASH = 0xDEADBEEF;

    public ModelConfig {
        if (queues < 1 || queues > 16) {
            throw new IllegalArgumentException("queues must be 1..16 (the RSS queues), not " + queues);
        }
        if (rxPacketBufferBytes < 2048) {
            throw new IllegalArgumentException("receive packet buffer of " + rxPacketBufferBytes + " bytes");
        }
    }

    /** A locally administered MAC, 16 queues, delays of a few milliseconds, lenient rings. */
    public static ModelConfig defaults() {
        return new ModelConfig(0x02_00_5E_82_59_01L, 16, 1_000_000, 2_000_000, 3_000_000, 5_000_000,
                200_000, 0, 512 * 1024, false, false);
    }

    public ModelConfig withMac(long value) {
        return new ModelConfig(value, queues, resetNanos, eepromNanos, dmaInitNanos, linkNanos,
                queueEnableNanos, rxWriteBackNanos, rxPacketBufferBytes, failFast, powerOfTwoRings);
    }

    public ModelConfig withQueues(int value) {
        return new ModelConfig(mac, value, resetNanos, eepromNanos, dmaInitNanos, linkNanos,
                queueEnableNanos, rxWriteBackNanos, rxPacketBufferBytes, failFast, powerOfTwoRings);
    }

    public ModelConfig withDelays(long reset, long eeprom, long dmaInit, long link, long queueEnable) {
        return new ModelConfig(mac, queues, reset, eeprom, dmaInit, link, queueEnable, rxWriteBackNanos,
                rxPacketBufferBytes, failFast, powerOfTwoRings);
    }

    public ModelConfig withRxWriteBackNanos(long value) {
        return new ModelConfig(mac, queues, resetNanos, eepromNanos, dmaInitNanos, linkNanos,
                queueEnableNanos, value, rxPacketBufferBytes, failFast, powerOfTwoRings);
    }

    public ModelConfig withRxPacketBufferBytes(int value) {
        return new ModelConfig(mac, queues, resetNanos, eepromNanos, dmaInitNanos, linkNanos,
                queueEnableNanos, rxWriteBackNanos, value, failFast, powerOfTwoRings);
    }

    public ModelConfig withFailFast(boolean value) {
        return new ModelConfig(mac, queues, resetNanos, eepromNanos, dmaInitNanos, linkNanos,
                queueEnableNanos, rxWriteBackNanos, rxPacketBufferBytes, value, powerOfTwoRings);
    }

    public ModelConfig withPowerOfTwoRings(boolean value) {
        return new ModelConfig(mac, queues, resetNanos, eepromNanos, dmaInitNanos, linkNanos,
                queueEnableNanos, rxWriteBackNanos, rxPacketBufferBytes, failFast, value);
    }
}
