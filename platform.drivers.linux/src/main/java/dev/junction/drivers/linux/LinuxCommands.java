package dev.junction.drivers.linux;

import dev.junction.device.NetDevice;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code linux:*}: attach Linux interfaces (AF_PACKET, AF_XDP) and create TAPs, persisted in ConfigAdmin. */
@Component(enabled = false, service = LinuxCommands.class, property = {"osgi.command.scope=linux",
        "osgi.command.function=afpacket", "osgi.command.function=afxdp", "osgi.command.function=tap", "osgi.command.function=delete",
        "osgi.command.function=list", "osgi.command.function=drops"})
public final class LinuxCommands {
    static final Cli AFPACKET = Cli.command("linux:afpacket", "attach an existing Linux interface through AF_PACKET rings")
            .option("iface", "IFNAME", "the Linux interface (default: NAME)").arg("NAME");
    static final Cli AFXDP = Cli.command("linux:afxdp", "attach an existing Linux interface through an AF_XDP socket (an XDP program redirects its frames)")
            .option("iface", "IFNAME", "the Linux interface (default: NAME)")
            .option("mode", "native|generic|auto", "XDP attach mode: driver, skb, or native falling back to generic (default: auto)")
            .option("queues", "N", "a socket on each of the interface's first N receive queues, one per worker (default: 1)")
            .arg("NAME");
    static final Cli TAP = Cli.command("linux:tap", "create a TAP interface named NAME").arg("NAME");
    static final Cli DELETE = Cli.command("linux:delete", "detach or remove a Linux device").arg("NAME");
    static final Cli LIST = Cli.command("linux:list", "configured Linux devices");
    static final Cli DROPS = Cli.command("linux:drops", "a running Linux device's lost or refused frames by reason, the kernel's counters among them")
            .arg("NAME");

    private final ConfigurationAdmin cm;
    private final BundleContext context;

    @Activate
    public LinuxCommands(@Reference ConfigurationAdmin cm, BundleContext context) {
        this.cm = cm;
        this.context = context;
    }

    @Descriptor("attach a Linux interface through AF_PACKET (--help for options)")
    public Object afpacket(String... args) {
        return AFPACKET.run(args, a -> {
            String iface = a.get("iface", a.arg(0));
            if (!LinuxInterface.exists(iface)) {
                throw new IllegalArgumentException("no Linux interface named '" + iface + "' (see ip link)");
            }
            store(a.arg(0), "afpacket", iface, null, 0);
            return null;
        });
    }

    @Descriptor("attach a Linux interface through AF_XDP (--help for options)")
    public Object afxdp(String... args) {
        return AFXDP.run(args, a -> {
            String iface = a.get("iface", a.arg(0));
            if (!LinuxInterface.exists(iface)) {
                throw new IllegalArgumentException("no Linux interface named '" + iface + "' (see ip link)");
            }
            String mode = a.get("mode", "auto");
            AfXdpDevice.Mode.parse(mode); // refuses anything else, saying what is allowed
            String q = a.get("queues", "1");
            int queues;
            try {
                queues = Integer.parseInt(q);
            } catch (NumberFormatException e) {
                queues = 0;
            }
            int has = LinuxInterface.rxQueues(iface);
            if (queues < 1 || queues > has) {
                throw new IllegalArgumentException("--queues must be 1.." + has + " (" + iface + " has " + has + " receive queue"
                        + (has == 1 ? "" : "s") + "), not '" + q + "'");
            }
            store(a.arg(0), "afxdp", iface, mode, queues);
            return null;
        });
    }

    @Descriptor("create a TAP interface")
    public Object tap(String... args) {
        return TAP.run(args, a -> {
            store(a.arg(0), "tap", null, null, 0);
            return null;
        });
    }

    @Descriptor("detach or remove a Linux device")
    public Object delete(String... args) {
        return DELETE.run(args, a -> {
            try {
                Configuration[] cs = cm.listConfigurations("(&(service.factoryPid=junction.linux)(name=" + a.arg(0) + "))");
                if (cs == null) {
                    throw new IllegalArgumentException("no Linux device named '" + a.arg(0) + "' (see linux:list)");
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

    @Descriptor("list configured Linux devices")
    public Object list(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("NAME", "TYPE", "LINUX-INTERFACE");
            try {
                Configuration[] cs = cm.listConfigurations("(service.factoryPid=junction.linux)");
                for (Configuration c : cs == null ? new Configuration[0] : cs) {
                    Dictionary<String, Object> p = c.getProperties();
                    t.row(p.get("name"), p.get("mode") == null ? p.get("type") : p.get("type") + " " + p.get("mode")
                            + (p.get("queues") == null ? "" : " queues " + p.get("queues")), p.get("iface") == null ? "-" : p.get("iface"));
                }
            } catch (IOException | InvalidSyntaxException e) {
                throw new IllegalStateException(e.toString());
            }
            return t.isEmpty() ? "no Linux devices (linux:afpacket --help, linux:afxdp --help, linux:tap --help)" : t.toString();
        });
    }

    @Descriptor("show a running Linux device's drops by reason")
    public Object drops(String... args) {
        return DROPS.run(args, a -> {
            String name = a.arg(0);
            try {
                for (ServiceReference<NetDevice> ref : context.getServiceReferences(NetDevice.class, "(name=" + name + ")")) {
                    NetDevice d = context.getService(ref);
                    try {
                        if (d instanceof LinuxDrops l && d.name().equals(name)) {
                            return dropsText(l.drops());
                        }
                    } finally {
                        context.ungetService(ref);
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException("'" + name + "' is not a device name");
            }
            throw new IllegalArgumentException("no running Linux device named '" + name + "' (see linux:list; "
                    + "a configured one that failed to start is in the log)");
        });
    }

    static String dropsText(Map<String, Long> drops) {
        Table t = new Table("REASON", "FRAMES");
        for (Map.Entry<String, Long> e : drops.entrySet()) {
            t.row(e.getKey(), e.getValue());
        }
        return t.toString();
    }

    /** Stores the device's configuration in one update; {@code queues} 0 for a type without queues. */
    private void store(String name, String type, String iface, String mode, int queues) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("name", name);
        p.put("type", type);
        if (iface != null) {
            p.put("iface", iface);
        }
        if (mode != null) {
            p.put("mode", mode);
        }
        if (queues > 0) {
            p.put("queues", (long) queues);
        }
        try {
            cm.getFactoryConfiguration("junction.linux", name, "?").update(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot store configuration: " + e);
        }
    }
}
