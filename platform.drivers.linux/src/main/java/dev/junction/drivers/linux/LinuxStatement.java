package dev.junction.drivers.linux;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import org.osgi.service.component.annotations.Component;

/**
 * The configuration statement {@code linux NAME [type=afpacket|afxdp|tap] [iface=IFNAME]
 * [mode=native|generic|auto] [queues=N]}, stored as a {@code junction.linux} factory configuration (the same one
 * {@code linux:afpacket}, {@code linux:afxdp} and {@code linux:tap} write). An afpacket or afxdp
 * device stores its interface (NAME when not given), which must exist; afxdp also its XDP mode
 * (default auto) and how many of the interface's receive queues get a socket (default 1); a TAP is named by NAME alone.
 */
@Component(service = StatementType.class)
public final class LinuxStatement extends StatementSpec {

    public LinuxStatement() {
        super(named("linux", "junction.linux")
                .key("type", "afpacket|afxdp|tap",
                        "afpacket or afxdp (attach an existing interface through AF_PACKET rings or an AF_XDP socket) or tap (create one); default afpacket",
                        choice("afpacket", "afxdp", "tap"), "afpacket")
                .key("iface", "IFNAME", "afpacket, afxdp: the Linux interface, default NAME", text -> text, null)
                .key("mode", "native|generic|auto", "afxdp: attach the XDP program in driver mode, skb mode, or native falling back to generic; default auto",
                        choice("native", "generic", "auto"), null)
                .key("queues", "N", "afxdp: a socket on each of the interface's first N receive queues (give each worker one); default 1",
                        number(1, 64), null)
                .check((name, values) -> {
                    String type = (String) values.get("type");
                    if (type.equals("afxdp")) {
                        values.putIfAbsent("mode", "auto");
                        values.putIfAbsent("queues", 1L);
                    } else if (values.containsKey("mode")) {
                        throw new IllegalArgumentException("mode is for afxdp, not " + type);
                    } else if (values.containsKey("queues")) {
                        throw new IllegalArgumentException("queues is for afxdp, not " + type);
                    }
                    if (!type.equals("tap")) {
                        String iface = (String) values.getOrDefault("iface", name);
                        if (!LinuxInterface.exists(iface)) {
                            throw new IllegalArgumentException("no Linux interface named '" + iface + "' (see ip link)");
                        }
                        values.put("iface", iface);
                        long queues = type.equals("afxdp") ? (Long) values.get("queues") : 1;
                        int has = LinuxInterface.rxQueues(iface);
                        if (queues > has) {
                            throw new IllegalArgumentException("queues=" + queues + ": " + iface + " has " + has + " receive queue"
                                    + (has == 1 ? "" : "s") + " (ethtool -l " + iface + ")");
                        }
                    } else if (name.length() > 15) {
                        throw new IllegalArgumentException("a TAP name has at most 15 characters (Linux IFNAMSIZ): " + name);
                    } else if (values.containsKey("iface")) {
                        throw new IllegalArgumentException("a tap is named by NAME; iface is for afpacket and afxdp");
                    }
                }));
    }
}
