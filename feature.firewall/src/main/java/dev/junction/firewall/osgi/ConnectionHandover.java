package dev.junction.firewall.osgi;

import dev.junction.firewall.conntrack.ConnTable;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import org.osgi.framework.BundleContext;

/**
 * The connection table across an update of feature.firewall, as feature.l2 hands over its MAC table:
 * the old instance writes every live entry (key, state and flags, how long it has been idle, TCP
 * window words) to the bundle's data area, which survives an update, after its nodes have left the
 * graph; the new one reads them back before its nodes join. The data plane holds receiving between
 * the two (the swap window), so no packet meets a firewall without its connections. Only a file of
 * this framework launch, at most 30 s old, is read: another run's zones may mean other VRFs.
 */
final class ConnectionHandover {
    private static final System.Logger LOG = System.getLogger("dev.junction.firewall");
    private static final String FILE = "connections.handover";
    private static final long MAX_AGE_MS = 30_000;
    private static final int MAGIC = 0x4a46_5701;

    private ConnectionHandover() {
    }

    private static String framework(BundleContext context) {
        return context.getProperty("org.osgi.framework.uuid") + "/" + ProcessHandle.current().pid() + "/"
                + java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    /** Returns how many entries were written. */
    static int save(BundleContext context, ConnTable table) {
        File f = context.getDataFile(FILE);
        if (f == null) {
            return 0;
        }
        long now = System.nanoTime();
        int[] n = {0};
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(f), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeUTF(framework(context));
            IOException[] failed = {null};
            table.forEach(now, Integer.MAX_VALUE, (slot, k0, k1, k2, k3, k4, word, seen) -> {
                if (failed[0] != null) {
                    return;
                }
                try {
                    out.writeBoolean(true);
                    out.writeLong(k0);
                    out.writeLong(k1);
                    out.writeLong(k2);
                    out.writeLong(k3);
                    out.writeLong(k4);
                    out.writeLong(ConnTable.stateBits(word));
                    out.writeLong(Math.max(0, now - seen));
                    for (int i = 0; i < ConnTable.TCP_WORDS; i++) {
                        out.writeInt(table.tcp[slot * ConnTable.TCP_WORDS + i]);
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
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "connections not handed over: " + e);
            f.delete();
            return 0;
        }
        LOG.log(System.Logger.Level.INFO, "handing over " + n[0] + " tracked connections");
        return n[0];
    }

    private static final String HITS = "rule-hits.handover";

    /** The rule sets' hits, by set, with the rules they counted for (written next to the table). */
    static void saveHits(BundleContext context, dev.junction.firewall.Firewall fw) {
        File f = context.getDataFile(HITS);
        if (f == null) {
            return;
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(f)))) {
            out.writeInt(MAGIC);
            out.writeUTF(framework(context));
            for (String set : fw.ruleSets().keySet()) {
                java.util.List<dev.junction.firewall.Firewall.RuleHits> hits = fw.hits(set);
                out.writeBoolean(true);
                out.writeUTF(set);
                out.writeInt(hits.size());
                for (dev.junction.firewall.Firewall.RuleHits h : hits) {
                    out.writeUTF(h.rule().text());
                    out.writeLong(h.hits());
                }
            }
            out.writeBoolean(false);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "rule hits not handed over: " + e);
            f.delete();
        }
    }

    /** Gives each rule set that came back unchanged the hits it had; returns how many sets. */
    static int restoreHits(BundleContext context, dev.junction.firewall.control.FirewallControl fw) {
        File f = context.getDataFile(HITS);
        if (f == null || !f.isFile()) {
            return 0;
        }
        int n = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(f)))) {
            if (in.readInt() != MAGIC || !framework(context).equals(in.readUTF())
                    || System.currentTimeMillis() - f.lastModified() > MAX_AGE_MS) {
                return 0;
            }
            while (in.readBoolean()) {
                String set = in.readUTF();
                int count = in.readInt();
                java.util.List<dev.junction.firewall.Rule> rules = new java.util.ArrayList<>();
                long[] hits = new long[count];
                for (int i = 0; i < count; i++) {
                    rules.add(dev.junction.firewall.Rule.parse(in.readUTF()));
                    hits[i] = in.readLong();
                }
                n += fw.carryHits(set, rules, hits) ? 1 : 0;
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "rule hits not handed over: " + e);
        } finally {
            f.delete();
        }
        return n;
    }

    /** Returns how many entries came back. */
    static int restore(BundleContext context, ConnTable table) {
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
            long now = System.nanoTime();
            int[] tcp = new int[ConnTable.TCP_WORDS];
            while (in.readBoolean()) {
                long k0 = in.readLong(), k1 = in.readLong(), k2 = in.readLong(), k3 = in.readLong(), k4 = in.readLong();
                long bits = in.readLong(), idle = in.readLong();
                for (int i = 0; i < tcp.length; i++) {
                    tcp[i] = in.readInt();
                }
                if (table.restore(k0, k1, k2, k3, k4, bits, now - idle, tcp, now)) {
                    n++;
                } else {
                    lost++;
                }
            }
            LOG.log(System.Logger.Level.INFO, "tracked connections handed over: " + n + (lost > 0 ? ", " + lost + " without room" : ""));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "connections not handed over: " + e);
        } finally {
            f.delete();
        }
        return n;
    }
}
