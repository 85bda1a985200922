package dev.junction.drivers.ixgbe;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.drivers.ixgbe.pci.PciDevice;
import org.osgi.service.component.annotations.Component;

/**
 * The configuration statement {@code ixgbe NAME pci=DDDD:BB:DD.F [queues=N]}, stored as a
 * {@code junction.ixgbe} factory configuration (the one {@code ixgbe:add} writes). The address is
 * checked for its form and stored canonical; whether the card is there is found when the port is
 * opened, so a configuration can be written before the card is bound.
 */
@Component(service = StatementType.class)
public final class IxgbeStatement extends StatementSpec {

    public IxgbeStatement() {
        super(named("ixgbe", IxgbeDevices.PID)
                .key("pci", "DDDD:BB:DD.F", "the 82599 function's PCI address (lspci -D)", IxgbeStatement::pci)
                .key("queues", "N", "receive/transmit queue pairs, RSS over them when more than one; at least the workers",
                        number(1, 16), 1L)
                .unique("pci"));
    }

    static String pci(String text) {
        return PciDevice.canonical(text);
    }
}
