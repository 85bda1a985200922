package dev.junction.l2.commands;

import dev.junction.l2.CrossConnects;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code l2:*}: layer-2 cross-connects, persisted as {@code cross-connect} statements. */
@Component(enabled = false, service = L2Commands.class, property = {"osgi.command.scope=l2",
        "osgi.command.function=xconnect", "osgi.command.function=xconnects"})
public final class L2Commands {
    static final Cli CONNECT = Cli.command("l2:xconnect",
                    "send every frame received on NAME out of PEER, unchanged (none: remove; persisted)")
            .arg("NAME").arg("PEER");
    static final Cli LIST = Cli.command("l2:xconnects", "the cross-connects, with their state");
    private static final String PID = "junction.xconnect";

    private final ConfigurationAdmin cm;
    private final CrossConnects crossConnects;

    @Activate
    public L2Commands(@Reference ConfigurationAdmin cm, @Reference CrossConnects crossConnects) {
        this.cm = cm;
        this.crossConnects = crossConnects;
    }

    @Descriptor("cross-connect an interface to another, or remove it with none")
    public Object xconnect(String... args) {
        return CONNECT.run(args, a -> {
            String from = a.arg(0);
            String to = a.arg(1);
            try {
                if (to.equals("none")) {
                    Configuration[] cs = cm.listConfigurations("(&(service.factoryPid=" + PID + ")(name=" + from + "))");
                    if (cs == null) {
                        throw new IllegalArgumentException(from + " is not cross-connected (see l2:xconnects)");
                    }
                    for (Configuration c : cs) {
                        c.delete();
                    }
                    return null;
                }
                if (to.equals(from)) {
                    throw new IllegalArgumentException("an interface cannot be cross-connected to itself");
                }
                Dictionary<String, Object> p = new Hashtable<>();
                p.put("name", from);
                p.put("peer", to);
                cm.getFactoryConfiguration(PID, from, "?").update(p);
            } catch (IOException | InvalidSyntaxException e) {
                throw new IllegalStateException("cannot store configuration: " + e);
            }
            return null;
        });
    }

    @Descriptor("list the cross-connects")
    public Object xconnects(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("INTERFACE", "PEER");
            for (Map.Entry<String, String> e : crossConnects.peers().entrySet()) {
                t.row(e.getKey(), e.getValue());
            }
            return t.isEmpty() ? "no cross-connects (l2:xconnect --help)" : t.toString();
        });
    }
}
