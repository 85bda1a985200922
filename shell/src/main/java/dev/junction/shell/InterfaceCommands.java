package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.DeviceCounters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code interface:*}: list and inspect interfaces, set their state, make memory devices. */
@Component(service = InterfaceCommands.class, property = {"osgi.command.scope=interface",
        "osgi.command.function=list", "osgi.command.function=show", "osgi.command.function=set",
        "osgi.command.function=memdev", "osgi.command.function=delete", "osgi.command.function=names"})
public final class InterfaceCommands {
    static final Cli LIST = Cli.command("interface:list", "interfaces with their state, mode and counters");
    static final Cli SHOW = Cli.command("interface:show", "one interface in detail").arg("NAME");
    static final Cli SET = Cli.command("interface:set", "set an interface's administrative state (persisted)")
            .option("state", "up|down", "administrative state")
            .arg("NAME");
    static final Cli MEMDEV = Cli.command("interface:memdev", "create or replace a memory device (generator and sink)")
            .flag("generate", "generate traffic on the receive side")
            .option("rate", "PPS", "frames per second, 0 = as fast as polled (default 0)")
            .option("count", "N", "frames to generate, 0 = forever (default 0)")
            .option("frame-size", "BYTES", "60..1514 (default 64)")
            .option("flows", "N", "UDP flows, 1..65536 (default 16)")
            .flag("verify", "the sink checks each frame it receives")
            .arg("NAME");
    static final Cli DELETE = Cli.command("interface:delete", "delete a memory device").arg("NAME");

    private final Dataplane dataplane;
    private final ConfigurationAdmin cm;

    @Activate
    public InterfaceCommands(@Reference Dataplane dataplane, @Reference ConfigurationAdmin cm) {
        this.dataplane = dataplane;
        this.cm = cm;
    }

    @Descriptor("interfaces with their state, mode and counters (--help for options)")
    public Object list(@Descriptor("options") String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("IDX", "NAME", "DRIVER", "MAC", "MTU", "STATE", "MODE", "RX-PKTS", "RX-BYTES", "TX-PKTS",
                    "TX-BYTES", "ERRORS");
            for (InterfaceStatus s : dataplane.interfaces()) {
                DeviceCounters c = s.counters();
                t.row(s.index(), s.name(), s.driver(), s.mac(), s.mtu(), state(s), s.mode(), c.rxPackets(), c.rxBytes(),
                        c.txPackets(), c.txBytes(), c.rxErrors() + c.txErrors());
            }
            return t.isEmpty() ? "no interfaces (create one: interface:memdev --help)" : t.toString();
        });
    }

    static String state(InterfaceStatus s) {
        return (s.adminUp() ? "up" : "down") + (s.linkUp() ? "" : "/no-link");
    }

    @Descriptor("one interface in detail")
    public Object show(@Descriptor("NAME") String... args) {
        return SHOW.run(args, a -> {
            InterfaceStatus s = find(a.arg(0));
            DeviceCounters c = s.counters();
            return String.format("""
                    %s (index %d, driver %s)
                      mac %s  mtu %d  state %s  mode %s  rx queues %d
                      rx %d packets %d bytes %d errors
                      tx %d packets %d bytes %d errors
                    """, s.name(), s.index(), s.driver(), s.mac(), s.mtu(), state(s), s.mode(), s.rxQueues(),
                    c.rxPackets(), c.rxBytes(), c.rxErrors(), c.txPackets(), c.txBytes(), c.txErrors());
        });
    }

    private InterfaceStatus find(String name) {
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no interface named '" + name + "'; interfaces: " + names());
    }

    @Descriptor("set an interface's state (--help for options)")
    public Object set(@Descriptor("[--state up|down] NAME") String... args) {
        return SET.run(args, a -> {
            String name = a.arg(0);
            if (!a.has("state")) {
                throw new IllegalArgumentException("nothing to set: give --state up|down");
            }
            Dictionary<String, Object> p = current("junction.interface", name);
            p.put("name", name);
            if (a.has("state")) {
                String st = a.get("state", "");
                if (!st.equals("up") && !st.equals("down")) {
                    throw new IllegalArgumentException("--state must be up or down, not '" + st + "'");
                }
                p.put("state", st);
            }
            update("junction.interface", name, p);
            return null;
        });
    }

    @Descriptor("create or replace a memory device (--help for options)")
    public Object memdev(@Descriptor("[options] NAME") String... args) {
        return MEMDEV.run(args, a -> {
            String name = a.arg(0);
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("name", name);
            p.put("generate", a.has("generate"));
            p.put("verify", a.has("verify"));
            p.put("rate", a.number("rate", 0, 0, 1_000_000_000L));
            p.put("count", a.number("count", 0, 0, Long.MAX_VALUE));
            p.put("frame-size", (int) a.number("frame-size", 64, 60, 1514));
            p.put("flows", (int) a.number("flows", 16, 1, 65536));
            update("junction.memdev", name, p);
            return null;
        });
    }

    @Descriptor("delete a memory device")
    public Object delete(@Descriptor("NAME") String... args) {
        return DELETE.run(args, a -> {
            try {
                Configuration[] cs = cm.listConfigurations("(&(service.factoryPid=junction.memdev)(name=" + a.arg(0) + "))");
                if (cs == null) {
                    throw new IllegalArgumentException("no memory device named '" + a.arg(0) + "'");
                }
                for (Configuration c : cs) {
                    c.delete();
                }
            } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e.toString());
            }
            return null;
        });
    }

    @Descriptor("names of all interfaces (for completion)")
    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (InterfaceStatus s : dataplane.interfaces()) {
            out.add(s.name());
        }
        return out;
    }

    private Dictionary<String, Object> current(String factoryPid, String name) {
        try {
            Dictionary<String, Object> p = cm.getFactoryConfiguration(factoryPid, name, "?").getProperties();
            return p == null ? new Hashtable<>() : p;
        } catch (IOException e) {
            throw new IllegalStateException(e.toString());
        }
    }

    private void update(String factoryPid, String name, Dictionary<String, Object> p) {
        try {
            cm.getFactoryConfiguration(factoryPid, name, "?").update(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot store configuration: " + e);
        }
    }
}
