package dev.junction.drivers.vhost;

import dev.junction.config.StatementSpec;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code vhost:*}: add, delete and list vhost-user devices, persisted in ConfigAdmin. */
@Component(enabled = false, service = VhostCommands.class, property = {"osgi.command.scope=vhost",
        "osgi.command.function=add", "osgi.command.function=delete", "osgi.command.function=list"})
public final class VhostCommands {
    static final Cli ADD = Cli.command("vhost:add", "a vhost-user device on a Unix socket (Junction is the backend)")
            .option("socket", "PATH", "the Unix socket path (absolute; required)")
            .flag("client", "connect to a frontend that listens (retry every second) instead of listening")
            .option("queues", "N", "queue pairs offered to the guest (default 1; QEMU: queues=N on the netdev, mq=on on the device)")
            .arg("NAME");
    static final Cli DELETE = Cli.command("vhost:delete", "remove a vhost-user device").arg("NAME");
    static final Cli LIST = Cli.command("vhost:list", "vhost-user devices: state, features, rings, counters");

    private final ConfigurationAdmin cm;
    private final BundleContext context;

    @Activate
    public VhostCommands(@Reference ConfigurationAdmin cm, BundleContext context) {
        this.cm = cm;
        this.context = context;
    }

    @Descriptor("add a vhost-user device (--help for options)")
    public Object add(String... args) {
        return ADD.run(args, a -> {
            if (!a.has("socket")) {
                throw new IllegalArgumentException("--socket PATH is required");
            }
            String socket = VhostStatement.checkSocket(a.get("socket", null));
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("name", a.arg(0));
            p.put("socket", socket);
            p.put("mode", a.has("client") ? "client" : "server");
            if (a.has("queues")) {
                Object q;
                try {
                    q = StatementSpec.number(1, VhostUserBackend.MAX_QUEUE_PAIRS).parse(a.get("queues", null));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--queues " + e.getMessage());
                }
                p.put("queues", q);
            }
            try {
                cm.getFactoryConfiguration(VhostDevices.PID, a.arg(0), "?").update(p);
            } catch (IOException e) {
                throw new IllegalStateException("cannot store configuration: " + e);
            }
            return null;
        });
    }

    @Descriptor("remove a vhost-user device")
    public Object delete(String... args) {
        return DELETE.run(args, a -> {
            try {
                Configuration[] cs = cm.listConfigurations("(&(service.factoryPid=" + VhostDevices.PID + ")(name=" + a.arg(0) + "))");
                if (cs == null) {
                    throw new IllegalArgumentException("no vhost device named '" + a.arg(0) + "' (see vhost:list)");
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

    @Descriptor("list vhost-user devices")
    public Object list(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("NAME", "MODE", "SOCKET", "STATE", "FEATURES", "PROTOCOL", "RINGS", "RX-PKTS", "TX-PKTS",
                    "RX-ERR", "TX-ERR", "VIOLATIONS", "PROTO-ERR", "BROKEN");
            try {
                Configuration[] cs = cm.listConfigurations("(service.factoryPid=" + VhostDevices.PID + ")");
                for (Configuration c : cs == null ? new Configuration[0] : cs) {
                    Dictionary<String, Object> p = c.getProperties();
                    VhostUserDevice d = device(String.valueOf(p.get("name")));
                    if (d == null) {
                        t.row(p.get("name"), p.get("mode"), p.get("socket"), "not created (see the log)", "-", "-", "-",
                                "-", "-", "-", "-", "-", "-", "-");
                        continue;
                    }
                    var n = d.counters();
                    t.row(d.name(), d.mode(), d.socketPath(), d.state(), "0x" + Long.toHexString(d.negotiatedFeatures()),
                            "0x" + Long.toHexString(d.negotiatedProtocolFeatures()), d.rings(), n.rxPackets(), n.txPackets(),
                            n.rxErrors(), n.txErrors(), d.violations(), d.protocolErrors(), d.brokenReason());
                }
            } catch (IOException | InvalidSyntaxException e) {
                throw new IllegalStateException(e.toString());
            }
            return t.isEmpty() ? "no vhost devices (vhost:add --help)" : t.toString();
        });
    }

    /**
     * The device of that name, asked of the service registry when the command runs: a list kept by
     * a dynamic reference could lag a device just registered, and `vhost:list` then called it
     * "not created" while the data plane already forwarded through it.
     */
    private VhostUserDevice device(String name) {
        try {
            for (ServiceReference<VhostUserDevice> ref : context.getServiceReferences(VhostUserDevice.class, null)) {
                VhostUserDevice d = context.getService(ref);
                try {
                    if (d != null && d.name().equals(name)) {
                        return d;
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e); // no filter given: cannot happen
        }
        return null;
    }
}
