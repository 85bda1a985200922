package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.WorkerStatus;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code worker:*}: the polling threads, the CPUs they are pinned to, and their settings. */
@Component(service = WorkerCommands.class, property = {"osgi.command.scope=worker",
        "osgi.command.function=list", "osgi.command.function=set"})
public final class WorkerCommands {
    static final Cli LIST = Cli.command("worker:list", "workers: thread, requested CPU, kernel affinity, idle mode, queues, load");
    static final Cli SET = Cli.command("worker:set", "change the workers (persisted; workers restart)")
            .option("cpus", "LIST|auto", "one worker per CPU, e.g. 1 or 0-1 or 1,3")
            .option("idle", "spin|backoff|park", "what an idle worker does")
            .option("buffers", "N", "packet buffers per worker");

    private final Dataplane dataplane;
    private final ConfigurationAdmin cm;

    @Activate
    public WorkerCommands(@Reference Dataplane dataplane, @Reference ConfigurationAdmin cm) {
        this.dataplane = dataplane;
        this.cm = cm;
    }

    @Descriptor("list workers")
    public Object list(String... args) {
        return LIST.run(args, a -> {
            Table t = new Table("WORKER", "THREAD", "TID", "CPU", "AFFINITY", "IDLE", "BUSY%", "PACKETS", "EPOCH", "RX-QUEUES");
            for (WorkerStatus w : dataplane.workers()) {
                double busy = w.polls() == 0 ? 0 : 100.0 * w.busyPolls() / w.polls();
                t.row(w.index(), w.thread(), w.tid(), w.cpu() < 0 ? "-" : w.cpu(), w.affinity(), w.idle(),
                        RuntimeCommands.fmt(busy), w.packets(), w.epoch(), String.join(", ", w.rxQueues()));
            }
            return t.toString();
        });
    }

    @Descriptor("change the workers (--help for options)")
    public Object set(String... args) {
        return SET.run(args, a -> {
            if (a.options.isEmpty()) {
                throw new IllegalArgumentException("nothing to set: give --cpus, --idle or --buffers");
            }
            try {
                Configuration c = cm.getConfiguration("junction.dataplane", "?");
                Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
                if (a.has("cpus")) {
                    p.put("cpus", a.get("cpus", "auto"));
                }
                if (a.has("idle")) {
                    p.put("idle", a.get("idle", "backoff"));
                }
                if (a.has("buffers")) {
                    p.put("buffers", (int) a.number("buffers", 16384, 1024, 1 << 22));
                }
                c.update(p);
            } catch (IOException e) {
                throw new IllegalStateException("cannot store configuration: " + e);
            }
            return null;
        });
    }
}
