package dev.junction.drivers.ixgbe;

import dev.junction.drivers.ixgbe.pci.PciDevice;
import dev.junction.drivers.ixgbe.regs.RegisterDump;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.function.Function;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code ixgbe:*}: the 82599 functions on the bus and their bind state, ports added and deleted
 * (persisted in ConfigAdmin, as the {@code ixgbe} statement), and for a running port its queues,
 * its control registers and its statistics registers.
 */
@Component(enabled = false, service = IxgbeCommands.class, property = {"osgi.command.scope=ixgbe",
        "osgi.command.function=devices", "osgi.command.function=add", "osgi.command.function=delete",
        "osgi.command.function=list", "osgi.command.function=queues", "osgi.command.function=registers",
        "osgi.command.function=statistics"})
public final class IxgbeCommands {
    static final Cli DEVICES = Cli.command("ixgbe:devices", "Intel 82599 functions in sysfs: ids, kernel driver, IOMMU group");
    static final Cli ADD = Cli.command("ixgbe:add", "a port on an 82599 function (bound to vfio-pci, or unbound for resource0)")
            .option("pci", "DDDD:BB:DD.F", "the function's PCI address (required)")
            .option("queues", "N", "queue pairs, RSS over them when more than one (default 1; at least the workers)")
            .arg("NAME");
    static final Cli DELETE = Cli.command("ixgbe:delete", "remove an ixgbe port (the device is reset)").arg("NAME");
    static final Cli LIST = Cli.command("ixgbe:list", "configured ixgbe ports: PCI address, access path, link, counters");
    static final Cli QUEUES = Cli.command("ixgbe:queues", "a port's rings: head, tail, in flight").arg("NAME");
    static final Cli REGISTERS = Cli.command("ixgbe:registers", "a port's control registers (statistics are left alone)").arg("NAME");
    static final Cli STATISTICS = Cli.command("ixgbe:statistics", "a port's statistics registers, summed since bring-up").arg("NAME");

    private final ConfigurationAdmin cm;
    private final BundleContext context;
    private final IxgbeStatement statement = new IxgbeStatement();

    @Activate
    public IxgbeCommands(@Reference ConfigurationAdmin cm, BundleContext context) {
        this.cm = cm;
        this.context = context;
    }

    @Descriptor("list Intel 82599 functions found in sysfs")
    public Object devices(String... args) {
        return DEVICES.run(args, a -> devicesTable(PciDevice.SYSFS));
    }

    static String devicesTable(Path sysfs) {
        Table t = new Table("PCI", "ID", "DRIVER", "IOMMU-GROUP", "USABLE-BY");
        for (PciDevice d : PciDevice.find82599(sysfs)) {
            String driver = d.driver().orElse("-");
            String usable = switch (driver) {
                case "vfio-pci" -> "vfio";
                case "-", "uio_pci_generic" -> "resource0 (root)";
                default -> "none: unbind " + driver + " first";
            };
            t.row(d.address(), String.format("%04x:%04x", d.vendor(), d.device()), driver, d.iommuGroup().orElse("-"), usable);
        }
        return t.isEmpty() ? "no Intel 82599 in " + sysfs : t.toString();
    }

    @Descriptor("add an ixgbe port (--help for options)")
    public Object add(String... args) {
        return ADD.run(args, a -> {
            if (!a.has("pci")) {
                throw new IllegalArgumentException("--pci DDDD:BB:DD.F is required");
            }
            Map<String, String> words = new java.util.HashMap<>();
            words.put("pci", a.get("pci", null));
            if (a.has("queues")) {
                words.put("queues", a.get("queues", null));
            }
            Map<String, Object> checked = statement.check(a.arg(0), words);
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("name", a.arg(0));
            checked.forEach(p::put);
            try {
                cm.getFactoryConfiguration(IxgbeDevices.PID, a.arg(0), "?").update(p);
            } catch (IOException e) {
                throw new IllegalStateException("cannot store configuration: " + e);
            }
            return null;
        });
    }

    @Descriptor("remove an ixgbe port")
    public Object delete(String... args) {
        return DELETE.run(args, a -> {
            try {
                Configuration[] cs = cm.listConfigurations("(&(service.factoryPid=" + IxgbeDevices.PID + ")(name=" + a.arg(0) + "))");
                if (cs == null) {
                    throw new IllegalArgumentException("no ixgbe port named '" + a.arg(0) + "' (see ixgbe:list)");
                }
                for (Configuration c : cs) {
                    c.delete();
                }
            } catch (IOException | InvalidSyntaxException e) {
                throw new IllegalStateException(e.toString());
            }
            return null;
        });
    }

    @Descriptor("list configured ixgbe ports")
    public Object list(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("NAME", "PCI", "QUEUES", "STATE", "LINK", "RX-PKTS", "TX-PKTS", "RX-ERR", "TX-ERR");
            try {
                Configuration[] cs = cm.listConfigurations("(service.factoryPid=" + IxgbeDevices.PID + ")");
                for (Configuration c : cs == null ? new Configuration[0] : cs) {
                    Dictionary<String, Object> p = c.getProperties();
                    String name = String.valueOf(p.get("name"));
                    String row = withDevice(name, d -> {
                        var n = d.counters();
                        t.row(name, p.get("pci"), d.rxQueueCount(), "up", d.linkUp() ? d.speedMbps() + " Mb/s" : "down",
                                n.rxPackets(), n.txPackets(), n.rxErrors(), n.txErrors());
                        return "";
                    });
                    if (row == null) {
                        t.row(name, p.get("pci"), p.get("queues"), "not created (see the log)", "-", "-", "-", "-", "-");
                    }
                }
            } catch (IOException | InvalidSyntaxException e) {
                throw new IllegalStateException(e.toString());
            }
            return t.isEmpty() ? "no ixgbe ports (ixgbe:add --help)" : t.toString();
        });
    }

    @Descriptor("show a port's rings")
    public Object queues(String... args) {
        return QUEUES.run(args, a -> required(a.arg(0), IxgbeCommands::queuesText));
    }

    static String queuesText(IxgbeDevice d) {
        StringBuilder sb = new StringBuilder();
        for (int q = 0; q < d.rxQueueCount(); q++) {
            sb.append(d.rxRing(q).describe()).append('\n').append(d.txRing(q).describe()).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    @Descriptor("dump a port's control registers")
    public Object registers(String... args) {
        return REGISTERS.run(args, a -> required(a.arg(0), IxgbeCommands::registersText));
    }

    static String registersText(IxgbeDevice d) {
        Table t = new Table("REGISTER", "OFFSET", "VALUE");
        for (RegisterDump.Entry e : RegisterDump.read(d.bar(), d.rxQueueCount())) {
            t.row(e.name(), String.format("0x%05X", e.offset()), String.format("0x%08X", e.value()));
        }
        return t.toString();
    }

    @Descriptor("show a port's statistics registers")
    public Object statistics(String... args) {
        return STATISTICS.run(args, a -> required(a.arg(0), IxgbeCommands::statisticsText));
    }

    static String statisticsText(IxgbeDevice d) {
        d.statistics().update();
        Table t = new Table("REGISTER", "TOTAL");
        for (Map.Entry<String, Long> e : d.statistics().totals().entrySet()) {
            t.row(e.getKey(), e.getValue());
        }
        return t.toString();
    }

    private String required(String name, Function<IxgbeDevice, String> f) {
        String out = withDevice(name, f);
        if (out == null) {
            throw new IllegalArgumentException("no running ixgbe port named '" + name + "' (see ixgbe:list)");
        }
        return out;
    }

    /** The running device of that name, asked of the service registry when the command runs. */
    private String withDevice(String name, Function<IxgbeDevice, String> f) {
        try {
            for (ServiceReference<IxgbeDevice> ref : context.getServiceReferences(IxgbeDevice.class, null)) {
                IxgbeDevice d = context.getService(ref);
                try {
                    if (d != null && d.name().equals(name)) {
                        return f.apply(d);
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }
}
