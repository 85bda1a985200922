package dev.junction.l2.bridge;

/** A learned MAC by names, as one instance of the bundle hands it to the next. */
public record LearnedMac(String bridge, long mac, String iface, long ageMillis) {
}
