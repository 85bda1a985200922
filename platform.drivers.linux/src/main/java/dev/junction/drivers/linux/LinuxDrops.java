package dev.junction.drivers.linux;

import java.util.Map;

/**
 * A Linux device's frames lost or refused, by reason, the kernel's own counters among them: what
 * {@code interface:list} sums into ERRORS, apart (the {@code linux:drops} command). Control path.
 */
interface LinuxDrops {
    /** Each reason and its count since the device was made, in a fixed order. */
    Map<String, Long> drops();
}
