package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.CaptureDirection;
import dev.junction.dataplane.CaptureStatus;
import dev.junction.dataplane.Dataplane;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code pcap:*}: capture an interface's frames to a pcap file that tcpdump, tshark and Wireshark read. */
@Component(service = PcapCommands.class, property = {"osgi.command.scope=pcap",
        "osgi.command.function=start", "osgi.command.function=stop", "osgi.command.function=list"})
public final class PcapCommands {
    static final Cli START = Cli.command("pcap:start", "capture an interface's frames to a pcap file")
            .option("count", "N", "stop after N frames (default: until pcap:stop)")
            .option("direction", "rx|tx|both", "which frames (default both)")
            .arg("INTERFACE").arg("FILE");
    static final Cli STOP = Cli.command("pcap:stop", "stop a capture and close its file").arg("INTERFACE");
    static final Cli LIST = Cli.command("pcap:list", "captures with frames written and lost");

    private final Dataplane dataplane;

    @Activate
    public PcapCommands(@Reference Dataplane dataplane) {
        this.dataplane = dataplane;
    }

    @Descriptor("start a capture (--help for options)")
    public Object start(String... args) {
        return START.run(args, a -> {
            CaptureDirection dir;
            try {
                dir = CaptureDirection.valueOf(a.get("direction", "both").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--direction must be rx, tx or both, not '" + a.get("direction", "") + "'");
            }
            CaptureStatus s = dataplane.startCapture(a.arg(0), Path.of(a.arg(1)), dir, a.number("count", 0, 0, Long.MAX_VALUE));
            return "capturing " + s.direction().name().toLowerCase(Locale.ROOT) + " frames of " + s.iface() + " to " + s.file();
        });
    }

    @Descriptor("stop a capture")
    public Object stop(String... args) {
        return STOP.run(args, a -> {
            CaptureStatus s = dataplane.stopCapture(a.arg(0));
            return s.written() + " frames written to " + s.file() + (s.dropped() > 0 ? ", " + s.dropped() + " lost (ring full)" : "");
        });
    }

    @Descriptor("list captures")
    public Object list(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("INTERFACE", "DIRECTION", "FILE", "WRITTEN", "LOST", "LIMIT", "STATE");
            for (CaptureStatus s : dataplane.captures()) {
                t.row(s.iface(), s.direction().name().toLowerCase(Locale.ROOT), s.file(), s.written(), s.dropped(),
                        s.limit() == 0 ? "-" : s.limit(), s.active() ? "running" : "done");
            }
            return t.isEmpty() ? "no captures" : t.toString();
        });
    }
}
