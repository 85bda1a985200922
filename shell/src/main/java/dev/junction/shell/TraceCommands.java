package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.TraceEntry;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code trace:*}: follow the next N received packets through the graph, node by node. */
@Component(service = TraceCommands.class, property = {"osgi.command.scope=trace",
        "osgi.command.function=start", "osgi.command.function=show", "osgi.command.function=stop"})
public final class TraceCommands {
    static final Cli START = Cli.command("trace:start", "trace the next COUNT received packets (1..1000)").arg("COUNT");
    static final Cli SHOW = Cli.command("trace:show", "each traced packet's path: node and verdict");
    static final Cli STOP = Cli.command("trace:stop", "stop tracing and forget the records");

    private final Dataplane dataplane;

    @Activate
    public TraceCommands(@Reference Dataplane dataplane) {
        this.dataplane = dataplane;
    }

    @Descriptor("trace the next COUNT received packets")
    public Object start(String... args) {
        return START.run(args, a -> {
            int n;
            try {
                n = Integer.parseInt(a.arg(0));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("COUNT must be a number from 1 to 1000, not '" + a.arg(0) + "'");
            }
            if (n < 1) {
                throw new IllegalArgumentException("COUNT must be a number from 1 to 1000, not " + n);
            }
            dataplane.trace(n);
            return "tracing the next " + n + " packets; see trace:show";
        });
    }

    @Descriptor("show traced packets")
    public Object show(String... args) {
        return SHOW.run(args, a -> {
            StringBuilder sb = new StringBuilder();
            int last = -1;
            long t0 = 0;
            for (TraceEntry e : dataplane.traceEntries()) {
                if (e.packet() != last) {
                    last = e.packet();
                    t0 = e.nanos();
                    sb.append(String.format("packet %d (worker %d)%n", e.packet(), e.worker()));
                }
                sb.append(String.format("  %+8.3f us  %-18s %-40s len %d%n", (e.nanos() - t0) / 1000.0, e.node(),
                        e.verdict(), e.length()));
            }
            return sb.isEmpty() ? "no traced packets (trace:start COUNT first)" : sb.toString();
        });
    }

    @Descriptor("stop tracing")
    public Object stop(String... args) {
        return STOP.run(args, a -> {
            dataplane.trace(0);
            return null;
        });
    }
}
