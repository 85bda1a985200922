package dev.junction.l2.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.packet.MacAddress;
import org.osgi.service.component.annotations.Component;

/**
 * The statement {@code bridge-mac MAC bridge=NAME interface=IFACE}: a static MAC table entry, never
 * aged or moved. Named by the MAC, so a MAC is static in one domain at most. Stored as a
 * {@code junction.bridge.mac} factory configuration, the one {@code l2:mac} writes.
 */
@Component(service = StatementType.class)
public final class BridgeMacStatement extends StatementSpec {
    public static final String PID = "junction.bridge.mac";
    public static final StatementSpec SPEC = new BridgeMacStatement();

    public BridgeMacStatement() {
        super(named("bridge-mac", PID)
                .key("bridge", "NAME", "the bridge domain", name("a bridge domain name"))
                .key("interface", "IFACE", "the port frames to MAC go out of", name("an interface name"))
                .order(0)
                .check((mac, values) -> unicast(mac)));
    }

    /** The MAC a statement is named by; refused unless a unicast address. */
    public static long unicast(String text) {
        long mac;
        try {
            mac = MacAddress.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a static entry is named by its MAC, like 02:00:00:00:00:01, not '" + text + "'");
        }
        if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
            throw new IllegalArgumentException("a static MAC must be a unicast address, not " + text);
        }
        return mac;
    }
}
