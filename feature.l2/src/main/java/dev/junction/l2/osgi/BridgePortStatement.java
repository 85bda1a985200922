package dev.junction.l2.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import org.osgi.service.component.annotations.Component;

/**
 * The statement {@code bridge-port IFACE bridge=NAME [split-horizon=N]}: the interface switches in
 * that domain; ports of one non-zero split-horizon group never flood to each other. Stored as a
 * {@code junction.bridge.port} factory configuration, the one {@code l2:port} writes.
 */
@Component(service = StatementType.class)
public final class BridgePortStatement extends StatementSpec {
    public static final String PID = "junction.bridge.port";
    public static final StatementSpec SPEC = new BridgePortStatement();

    public BridgePortStatement() {
        super(named("bridge-port", PID)
                .key("bridge", "NAME", "the bridge domain", name("a bridge domain name"))
                .key("split-horizon", "N", "split-horizon group, 0 for none", number(0, 255), 0L)
                .order(0));
    }
}
