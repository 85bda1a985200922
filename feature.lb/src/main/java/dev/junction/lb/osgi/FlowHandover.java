package dev.junction.lb.osgi;

import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import dev.junction.lb.health.HealthChecker;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.osgi.framework.BundleContext;

/**
 * The flow table across an update of feature.lb, as the firewall hands over its connections: the old
 * instance writes every live flow (both keys and values, closing or not, idle time) to the bundle's data
 * area after its nodes have left the graph, with the names of the services and backends its numbers
 * stand for; the new one, its statements applied, maps those names to its own numbers and puts the
 * flows back before its nodes join. A flow whose service or backend is gone is left out. The health
 * checks' states follow the flows in the same file (a backend found down stays out of the Maglev
 * table; one checked now and not then starts unknown). Only a file
 * of this framework launch, at most 30 s old, is read.
 */
final class FlowHandover {
    private static final System.Logger LOG = System.getLogger("dev.junction.lb");
    private static final String FILE = "flows.handover";
    private static final long MAX_AGE_MS = 30_000;
    private static final int MAGIC = 0x4a4c_4202; // 02: health states after the flows

    private FlowHandover() {
    }

    private static String framework(BundleContext context) {
        return context.getProperty("org.osgi.framework.uuid") + "/" + ProcessHandle.current().pid() + "/"
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    static int save(BundleContext context, LbControl lb, HealthChecker health) {
        File f = context.getDataFile(FILE);
        if (f == null) {
            return 0;
        }
        long now = System.nanoTime();
        int[] n = {0};
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(f), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeUTF(framework(context));
            Map<String, Integer> services = lb.serviceNumbers(), backends = lb.backendIds();
            out.writeInt(services.size());
            for (Map.Entry<String, Integer> e : services.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue());
            }
            out.writeInt(backends.size());
            for (Map.Entry<String, Integer> e : backends.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue());
            }
            IOException[] failed = {null};
            lb.table().forEach(now, Integer.MAX_VALUE, (slot, k, v, closing, seen, rev, rk, rv) -> {
                if (failed[0] != null) {
                    return;
                }
                try {
                    out.writeBoolean(true);
                    for (long x : k) {
                        out.writeLong(x);
                    }
                    for (long x : v) {
                        out.writeLong(x);
                    }
                    out.writeBoolean(closing);
                    out.writeLong(Math.max(0, now - seen));
                    out.writeBoolean(rev);
                    if (rev) {
                        for (long x : rk) {
                            out.writeLong(x);
                        }
                        for (long x : rv) {
                            out.writeLong(x);
                        }
                    }
                    n[0]++;
                } catch (IOException e) {
                    failed[0] = e;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
            out.writeBoolean(false);
            // Then the health checks' states, so that a backend found down stays out of the table.
            Map<String, int[]> states = health.states();
            out.writeInt(states.size());
            for (Map.Entry<String, int[]> e : states.entrySet()) {
                out.writeUTF(e.getKey());
                for (int x : e.getValue()) {
                    out.writeInt(x);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "flows not handed over: " + e);
            f.delete();
            return 0;
        }
        LOG.log(System.Logger.Level.INFO, "handing over " + n[0] + " load-balanced flows");
        return n[0];
    }

    private static long renumber(long v2, Map<Integer, Integer> services, Map<Integer, Integer> backends) {
        Integer s = services.get(FlowTable.service(v2)), b = backends.get(FlowTable.backend(v2));
        return s == null || b == null ? -1 : FlowTable.value(s, b, FlowTable.port(v2));
    }

    static int restore(BundleContext context, LbControl lb, HealthChecker health) {
        File f = context.getDataFile(FILE);
        if (f == null || !f.isFile()) {
            return 0;
        }
        int n = 0, lost = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(f), 1 << 16))) {
            if (in.readInt() != MAGIC || !framework(context).equals(in.readUTF())
                    || System.currentTimeMillis() - f.lastModified() > MAX_AGE_MS) {
                return 0;
            }
            Map<String, Integer> nowServices = lb.serviceNumbers(), nowBackends = lb.backendIds();
            Map<Integer, Integer> services = new HashMap<>(), backends = new HashMap<>();
            for (int i = 0, c = in.readInt(); i < c; i++) {
                String name = in.readUTF();
                int old = in.readInt();
                if (nowServices.containsKey(name)) {
                    services.put(old, nowServices.get(name));
                }
            }
            for (int i = 0, c = in.readInt(); i < c; i++) {
                String name = in.readUTF();
                int old = in.readInt();
                if (nowBackends.containsKey(name)) {
                    backends.put(old, nowBackends.get(name));
                }
            }
            long now = System.nanoTime();
            long[] k = new long[5], v = new long[3], rk = new long[5], rv = new long[3];
            while (in.readBoolean()) {
                for (int i = 0; i < 5; i++) {
                    k[i] = in.readLong();
                }
                for (int i = 0; i < 3; i++) {
                    v[i] = in.readLong();
                }
                boolean closing = in.readBoolean();
                long idle = in.readLong();
                boolean rev = in.readBoolean();
                if (rev) {
                    for (int i = 0; i < 5; i++) {
                        rk[i] = in.readLong();
                    }
                    for (int i = 0; i < 3; i++) {
                        rv[i] = in.readLong();
                    }
                }
                v[2] = renumber(v[2], services, backends);
                // A NAT flow's reply key and value follow from its own (they are written for the file
                // readers of other versions: the file's layout is the one they know).
                if (v[2] >= 0 && lb.table().restore(k, v, closing, now - idle, rev, now)) {
                    n++;
                } else {
                    lost++;
                }
            }
            LOG.log(System.Logger.Level.INFO, "load-balanced flows handed over: " + n
                    + (lost > 0 ? ", " + lost + " left out (service or backend gone, or no room)" : ""));
            Map<String, int[]> states = new HashMap<>();
            for (int i = 0, c = in.readInt(); i < c; i++) {
                String key = in.readUTF();
                states.put(key, new int[] {in.readInt(), in.readInt(), in.readInt()});
            }
            int taken = health.restore(states, System.nanoTime());
            LOG.log(System.Logger.Level.INFO, "health states handed over: " + taken + " of " + states.size());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "flows not handed over: " + e);
        } finally {
            f.delete();
        }
        return n;
    }
}
