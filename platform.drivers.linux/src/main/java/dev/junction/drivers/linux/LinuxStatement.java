package dev.junction.drivers.linux;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import org.osgi.service.component.annotations.Component;

/**
 * The configuration statement {@code linux NAME [type=afpacket|tap] [iface=IFNAME]}, stored as a
 * {@code junction.linux} factory configuration (the same one {@code linux:afpacket} and
 * {@code linux:tap} write). An afpacket device stores its interface (NAME when not given), which
 * must exist; a TAP is named by NAME alone.
 */
@Component(service = StatementType.class)
public final class LinuxStatement extends StatementSpec {

    public LinuxStatement() {
        super(named("linux", "junction.linux")
                .key("type", "afpacket|tap", "afpacket (attach an existing interface) or tap (create one); default afpacket",
                        choice("afpacket", "tap"), "afpacket")
                .key("iface", "IFNAME", "afpacket: the Linux interface, default NAME", text -> text, null)
                .check((name, values) -> {
                    if (values.get("type").equals("afpacket")) {
                        String iface = (String) values.getOrDefault("iface", name);
                        if (!LinuxInterface.exists(iface)) {
                            throw new IllegalArgumentException("no Linux interface named '" + iface + "' (see ip link)");
                        }
                        values.put("iface", iface);
                    } else if (name.length() > 15) {
                        throw new IllegalArgumentException("a TAP name has at most 15 characters (Linux IFNAMSIZ): " + name);
                    } else if (values.containsKey("iface")) {
                        throw new IllegalArgumentException("a tap is named by NAME; iface is for afpacket");
                    }
                }));
    }
}
