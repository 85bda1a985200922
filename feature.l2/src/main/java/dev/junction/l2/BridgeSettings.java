package dev.junction.l2;

/**
 * A bridge domain's settings. {@code ageingSeconds} 0 never ages entries out; {@code macLimit} is the
 * most MACs the domain may learn (static entries count too): a frame from a new source beyond it is
 * dropped and counted, so one tenant cannot fill the table for the others.
 *
 * @param name the domain's name
 * @param learning whether source MACs are learned
 * @param ageingSeconds how long an entry lives without a frame from its MAC (default 300)
 * @param macLimit the most MACs of this domain (default 16384)
 * @param flood whether broadcast and multicast frames are flooded to the domain's ports
 * @param unknownUnicastFlood whether frames to a MAC not learned are flooded (else dropped, counted)
 */
public record BridgeSettings(String name, boolean learning, long ageingSeconds, int macLimit, boolean flood,
        boolean unknownUnicastFlood) {
    public static final long DEFAULT_AGEING_SECONDS = 300;
    public static final int DEFAULT_MAC_LIMIT = 16_384;
    /** The most MACs one domain may be given. */
    public static final int MAX_MAC_LIMIT = 4_194_304;

    public BridgeSettings {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a bridge domain needs a name");
        }
        if (ageingSeconds < 0 || ageingSeconds > 1_000_000) {
            throw new IllegalArgumentException("ageing must be from 0 (never) to 1000000 seconds, not " + ageingSeconds);
        }
        if (macLimit < 1 || macLimit > MAX_MAC_LIMIT) {
            throw new IllegalArgumentException("mac-limit must be from 1 to " + MAX_MAC_LIMIT + ", not " + macLimit);
        }
    }

    /** A domain with the defaults: learning, 300 s ageing, 16384 MACs, flooding on. */
    public static BridgeSettings defaults(String name) {
        return new BridgeSettings(name, true, DEFAULT_AGEING_SECONDS, DEFAULT_MAC_LIMIT, true, true);
    }

    public BridgeSettings withLearning(boolean on) {
        return new BridgeSettings(name, on, ageingSeconds, macLimit, flood, unknownUnicastFlood);
    }

    public BridgeSettings withAgeing(long seconds) {
        return new BridgeSettings(name, learning, seconds, macLimit, flood, unknownUnicastFlood);
    }

    public BridgeSettings withMacLimit(int limit) {
        return new BridgeSettings(name, learning, ageingSeconds, limit, flood, unknownUnicastFlood);
    }

    public BridgeSettings withFlood(boolean on) {
        return new BridgeSettings(name, learning, ageingSeconds, macLimit, on, unknownUnicastFlood);
    }

    public BridgeSettings withUnknownUnicastFlood(boolean on) {
        return new BridgeSettings(name, learning, ageingSeconds, macLimit, flood, on);
    }
}
