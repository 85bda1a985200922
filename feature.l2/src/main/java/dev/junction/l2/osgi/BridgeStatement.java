package dev.junction.l2.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.l2.BridgeSettings;
import org.osgi.service.component.annotations.Component;

/**
 * The statement {@code bridge NAME [learning=true|false] [ageing=SECONDS] [mac-limit=N]
 * [flood=true|false] [unknown-unicast-flood=true|false]}: a bridge domain. Stored as a
 * {@code junction.bridge} factory configuration, the one {@code l2:bridge} writes.
 */
@Component(service = StatementType.class)
public final class BridgeStatement extends StatementSpec {
    public static final String PID = "junction.bridge";
    public static final StatementSpec SPEC = new BridgeStatement();

    public BridgeStatement() {
        super(named("bridge", PID)
                .key("learning", "true|false", "learn source MACs", bool(), true)
                .key("ageing", "SECONDS", "forget a MAC not seen for this long (0: never)", number(0, 1_000_000),
                        BridgeSettings.DEFAULT_AGEING_SECONDS)
                .key("mac-limit", "N", "the most MACs this domain holds; frames from further new MACs are dropped",
                        number(1, BridgeSettings.MAX_MAC_LIMIT), (long) BridgeSettings.DEFAULT_MAC_LIMIT)
                .key("flood", "true|false", "flood broadcast and multicast frames", bool(), true)
                .key("unknown-unicast-flood", "true|false", "flood frames to MACs not learned (else drop them)", bool(), true)
                .order(0));
    }

    /** The settings a stored or checked statement says. */
    static BridgeSettings settings(String name, java.util.Map<String, Object> v) {
        return new BridgeSettings(name, (Boolean) v.get("learning"), ((Number) v.get("ageing")).longValue(),
                ((Number) v.get("mac-limit")).intValue(), (Boolean) v.get("flood"), (Boolean) v.get("unknown-unicast-flood"));
    }
}
