package dev.junction.l2.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.packet.MacAddress;
import org.osgi.service.component.annotations.Component;

/**
 * The statement {@code bvi NAME bridge=DOMAIN [mac=MAC]}: a routed interface NAME in the bridge
 * domain (its bridge port is NAME-br). Give it addresses with {@code address} statements as any
 * interface. Stored as a {@code junction.bvi} factory configuration.
 */
@Component(service = StatementType.class)
public final class BviStatement extends StatementSpec {
    public static final String PID = "junction.bvi";
    public static final StatementSpec SPEC = new BviStatement();

    public BviStatement() {
        super(named("bvi", PID)
                .key("bridge", "NAME", "the bridge domain it is in", name("a bridge domain name"))
                .key("mac", "MAC", "its MAC (default: made from NAME, locally administered)", text -> {
                    long mac = MacAddress.parse(text);
                    if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
                        throw new IllegalArgumentException("must be a unicast MAC, not " + text);
                    }
                    return text;
                })
                .order(0));
    }

    /** The MAC a BVI named {@code name} has when none is given: 02:4a:b0 and three bytes of its name's hash. */
    public static long defaultMac(String name) {
        return 0x02_4a_b0_00_00_00L | (name.hashCode() & 0xFF_FF_FFL);
    }
}
