package dev.junction.shell;

import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.WorkerStatus;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code worker:*}: the polling threads, the CPUs they are pinned to, and their settings. */
@Component(service = WorkerCommands.class, property = {"osgi.command.scope=worker",
        "osgi.command.function=list", "osgi.command.function=rate", "osgi.command.function=set"})
public final class WorkerCommands {
    static final Cli LIST = Cli.command("worker:list", "workers: thread, requested CPU, kernel affinity, idle mode, queues, load");
    static final Cli RATE = Cli.command("worker:rate", "each worker's packet rate over a short window, and the spread between them")
            .option("seconds", "S", "the window, 0.1 to 60 (default 1)");
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

    @Descriptor("each worker's rate (--help for options)")
    public Object rate(String... args) {
        return RATE.run(args, a -> {
            double seconds;
            try {
                seconds = Double.parseDouble(a.get("seconds", "1"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--seconds takes a number of seconds, 0.1 to 60, e.g. --seconds 2");
            }
            if (!(seconds >= 0.1 && seconds <= 60)) {
                throw new IllegalArgumentException("--seconds is 0.1 to 60, not " + a.get("seconds", "1"));
            }
            List<WorkerStatus> before = dataplane.workers();
            long t0 = System.nanoTime();
            try {
                Thread.sleep((long) (seconds * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
            return rates(before, dataplane.workers(), (System.nanoTime() - t0) / 1e9);
        });
    }

    /**
     * Each worker's packets per second and busy share between two samples {@code seconds} apart,
     * then the total and how far apart the busiest and the idlest worker are. Workers that were not in
     * both samples (restarted in between) are left out and said so.
     */
    static String rates(List<WorkerStatus> before, List<WorkerStatus> after, double seconds) {
        Table t = new Table("WORKER", "CPU", "MPPS", "BUSY%", "RX-QUEUES");
        double total = 0, max = -1, min = Double.MAX_VALUE;
        int skipped = 0;
        for (WorkerStatus w : after) {
            WorkerStatus b = null;
            for (WorkerStatus x : before) {
                if (x.index() == w.index() && x.tid() == w.tid() && x.epoch() <= w.epoch()) {
                    b = x;
                }
            }
            if (b == null || w.packets() < b.packets()) {
                skipped++;
                continue;
            }
            double pps = (w.packets() - b.packets()) / seconds;
            long polls = w.polls() - b.polls();
            double busy = polls <= 0 ? 0 : 100.0 * (w.busyPolls() - b.busyPolls()) / polls;
            t.row(w.index(), w.cpu() < 0 ? "-" : w.cpu(), String.format(java.util.Locale.ROOT, "%.3f", pps / 1e6),
                    RuntimeCommands.fmt(busy), String.join(", ", w.rxQueues()));
            total += pps;
            max = Math.max(max, pps);
            min = Math.min(min, pps);
        }
        StringBuilder out = new StringBuilder(t.toString());
        out.append(String.format(java.util.Locale.ROOT, "total %.3f Mpps over %.1f s", total / 1e6, seconds));
        if (max > 0) {
            out.append(String.format(java.util.Locale.ROOT, "; busiest worker %.2fx the idlest", min > 0 ? max / min : Double.POSITIVE_INFINITY));
        }
        if (skipped > 0) {
            out.append("; ").append(skipped).append(" worker(s) restarted in the window, left out");
        }
        return out.append('\n').toString();
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
