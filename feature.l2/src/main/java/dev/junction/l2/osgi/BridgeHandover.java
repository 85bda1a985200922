package dev.junction.l2.osgi;

import dev.junction.l2.Bridges;
import dev.junction.l2.bridge.BridgeControl;
import dev.junction.l2.bridge.LearnedMac;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;

/**
 * The MAC table across an update of feature.l2: the old instance writes its learned MACs and its
 * domains' counters to the bundle's data area (which survives an update), by domain and interface
 * name; the new one reads them back before its ports are configured, so that after the update
 * nothing floods that did not flood before. Only a file of this framework launch, at most 30 s old,
 * is read: another run's interface names may mean other ports.
 */
final class BridgeHandover {
    private static final System.Logger LOG = System.getLogger("dev.junction.l2");
    private static final String FILE = "bridge-macs.handover";
    private static final long MAX_AGE_MS = 30_000;

    private BridgeHandover() {
    }

    private static String framework(BundleContext context) {
        return context.getProperty("org.osgi.framework.uuid") + "/" + ProcessHandle.current().pid() + "/"
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    static void save(BundleContext context, BridgeControl control) {
        File f = context.getDataFile(FILE);
        if (f == null) {
            return;
        }
        BridgeControl.Handover h = control.handover();
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(f)))) {
            out.writeUTF(framework(context));
            out.writeInt(h.macs().size());
            for (LearnedMac m : h.macs()) {
                out.writeUTF(m.bridge());
                out.writeLong(m.mac());
                out.writeUTF(m.iface());
                out.writeLong(m.ageMillis());
            }
            out.writeInt(h.counters().size());
            for (Map.Entry<String, long[]> e : h.counters().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (long c : e.getValue()) {
                    out.writeLong(c);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "MAC table not handed over: " + e);
        }
    }

    static void restore(BundleContext context, BridgeControl control) {
        File f = context.getDataFile(FILE);
        if (f == null || !f.isFile()) {
            return;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(f)))) {
            if (!framework(context).equals(in.readUTF()) || System.currentTimeMillis() - f.lastModified() > MAX_AGE_MS) {
                return;
            }
            int n = in.readInt();
            List<LearnedMac> macs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                macs.add(new LearnedMac(in.readUTF(), in.readLong(), in.readUTF(), in.readLong()));
            }
            int d = in.readInt();
            Map<String, long[]> counters = new LinkedHashMap<>();
            for (int i = 0; i < d; i++) {
                String name = in.readUTF();
                long[] c = new long[Math.min(in.readInt(), Bridges.COUNTERS.size() * 4)];
                for (int k = 0; k < c.length; k++) {
                    c[k] = in.readLong();
                }
                counters.put(name, c);
            }
            control.adopt(new BridgeControl.Handover(macs, counters));
            LOG.log(System.Logger.Level.INFO, "MAC table handed over: " + n + " MACs");
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "MAC table not handed over: " + e);
        } finally {
            f.delete();
        }
    }
}
