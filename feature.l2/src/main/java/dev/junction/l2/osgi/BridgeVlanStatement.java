package dev.junction.l2.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import org.osgi.service.component.annotations.Component;

/**
 * The statement {@code bridge-vlan IFACE.VLAN bridge=NAME [split-horizon=N]}: frames of interface
 * IFACE with outer 802.1Q tag VLAN switch in that domain, and its frames leave IFACE with that tag
 * ({@code IFACE.sVLAN}: an 802.1ad service tag). Stored as a {@code junction.bridge.vlan} factory
 * configuration, the one {@code l2:vlan} writes.
 */
@Component(service = StatementType.class)
public final class BridgeVlanStatement extends StatementSpec {
    public static final String PID = "junction.bridge.vlan";
    public static final StatementSpec SPEC = new BridgeVlanStatement();

    /** A sub-port name taken apart. */
    public record SubPort(String iface, int vlan, boolean serviceTag) {
        public String name() {
            return iface + (serviceTag ? ".s" : ".") + vlan;
        }
    }

    public BridgeVlanStatement() {
        super(named("bridge-vlan", PID)
                .key("bridge", "NAME", "the bridge domain", name("a bridge domain name"))
                .key("split-horizon", "N", "split-horizon group, 0 for none", number(0, 255), 0L)
                .order(0)
                .check((name, values) -> subPort(name)));
    }

    /** {@code eth1.42} or {@code eth1.s100}; refused with the form otherwise. */
    public static SubPort subPort(String name) {
        int dot = name.lastIndexOf('.');
        String tag = dot < 0 ? "" : name.substring(dot + 1);
        boolean service = tag.startsWith("s");
        String digits = service ? tag.substring(1) : tag;
        if (dot <= 0 || digits.isEmpty() || digits.length() > 4 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("a VLAN port is IFACE.VLAN (802.1Q) or IFACE.sVLAN (802.1ad), not '" + name + "'");
        }
        int vlan = Integer.parseInt(digits);
        if (vlan < 1 || vlan > 4094) {
            throw new IllegalArgumentException("a VLAN id is from 1 to 4094, not " + vlan + " (in '" + name + "')");
        }
        return new SubPort(name.substring(0, dot), vlan, service);
    }
}
