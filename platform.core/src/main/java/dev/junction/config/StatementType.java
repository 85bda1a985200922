package dev.junction.config;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A kind of statement a bundle adds to the configuration file, e.g. a driver's {@code linux NAME
 * type=afpacket iface=eth0}. Register it as a service; the configuration service then parses, checks,
 * stores (in ConfigAdmin, under {@link #pid()}) and shows such statements. A named statement becomes
 * a named factory configuration with the property {@code name}.
 */
@ConsumerType
public interface StatementType {

    /** The first word of the statement. */
    String kind();

    /** Whether the statement names an object (factory configuration) or is a singleton. */
    boolean named();

    /** ConfigAdmin PID: the factory PID for named statements. */
    String pid();

    /** The keys it takes, in the order {@code config:show} writes them, with a short help each. */
    Map<String, String> keys();

    /** The one-line form shown with errors, e.g. {@code linux NAME [type=afpacket|tap] [iface=IFNAME]}. */
    String usage();

    /**
     * Checks one statement's {@code key=value} words (keys already known to be in {@link #keys()})
     * and returns the values to store: Boolean, Integer, Long or String. Throws
     * IllegalArgumentException saying what is wrong and what is allowed.
     */
    Map<String, Object> check(String name, Map<String, String> words);

    /**
     * Keys whose value no two statements of this kind may share (a VRF's kernel table, say): a file
     * that repeats one is refused whole, naming both lines.
     */
    default java.util.Set<String> uniqueKeys() {
        return java.util.Set.of();
    }

    /**
     * Statements apply in this order, lower first: interface settings 0, devices 10, traffic
     * generators 20, routes 30; so that what a statement refers to exists before it takes effect.
     */
    default int order(Map<String, Object> settings) {
        return 10;
    }
}
