package dev.junction.l2.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import org.osgi.service.component.annotations.Component;

/**
 * The statement {@code cross-connect NAME peer=PEER}: every frame received on NAME goes out of PEER,
 * unchanged (one direction; write two for both). Stored as a {@code junction.xconnect} factory
 * configuration, the one {@code l2:xconnect} writes. Applied with interface settings, before the
 * devices, so a device configured at boot meets its cross-connect before its first frame.
 */
@Component(service = StatementType.class)
public final class XconnectStatement extends StatementSpec {
    static final String PID = "junction.xconnect";

    public XconnectStatement() {
        super(named("cross-connect", PID)
                .key("peer", "PEER", "the interface every frame received on NAME is sent out of", name("an interface name"))
                .order(0)
                .check((name, values) -> {
                    if (values.get("peer").equals(name)) {
                        throw new IllegalArgumentException("an interface cannot be cross-connected to itself");
                    }
                }));
    }
}
