package dev.junction.mpls.osgi;

import dev.junction.mpls.tables.FtnEntry;
import dev.junction.mpls.tables.LabelEntry;
import dev.junction.mpls.tables.MplsTables;
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
 * The entries' counters across an update of feature.mpls (the entries themselves come back from
 * their statements in ConfigAdmin): the old instance writes each entry's packets and bytes, keyed by
 * statement name (and label), to its bundle data area after its nodes left the graph; the new one
 * adds them to the entries that came back the same. Only a file of this framework launch, at most
 * 30 s old, is read.
 */
final class CounterHandover {
    private static final System.Logger LOG = System.getLogger("dev.junction.mpls");
    private static final String FILE = "counters.handover";
    private static final long MAX_AGE_MS = 30_000;
    private static final int MAGIC = 0x4a4d_5001;

    private CounterHandover() {
    }

    private static String framework(BundleContext context) {
        return context.getProperty("org.osgi.framework.uuid") + "/" + ProcessHandle.current().pid();
    }

    static void save(BundleContext context, MplsTables tables) {
        File f = context.getDataFile(FILE);
        if (f == null) {
            return;
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(f)))) {
            out.writeInt(MAGIC);
            out.writeUTF(framework(context));
            for (LabelEntry e : tables.labels.entries()) {
                out.writeByte(1);
                out.writeUTF(e.name());
                out.writeInt(e.label());
                out.writeLong(tables.labels.counters().packets(e.slot()));
                out.writeLong(tables.labels.counters().bytes(e.slot()));
            }
            for (FtnEntry e : tables.ftns.entries()) {
                out.writeByte(2);
                out.writeUTF(e.name());
                out.writeInt(0);
                out.writeLong(tables.ftns.counters().packets(e.slot()));
                out.writeLong(tables.ftns.counters().bytes(e.slot()));
            }
            out.writeByte(0);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "MPLS counters not handed over: " + e);
            f.delete();
        }
    }

    /** Returns how many entries got their counts back. */
    static int restore(BundleContext context, MplsTables tables) {
        File f = context.getDataFile(FILE);
        if (f == null || !f.isFile()) {
            return 0;
        }
        int n = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(f)))) {
            if (in.readInt() != MAGIC || !framework(context).equals(in.readUTF())
                    || System.currentTimeMillis() - f.lastModified() > MAX_AGE_MS) {
                return 0;
            }
            for (int kind = in.readByte(); kind != 0; kind = in.readByte()) {
                String name = in.readUTF();
                int label = in.readInt();
                long packets = in.readLong(), bytes = in.readLong();
                if (kind == 1) {
                    LabelEntry e = tables.labels.get(label);
                    if (e != null && e.name().equals(name)) {
                        tables.labels.counters().add(e.slot(), packets, bytes);
                        n++;
                    }
                } else {
                    for (FtnEntry e : tables.ftns.entries()) {
                        if (e.name().equals(name)) {
                            tables.ftns.counters().add(e.slot(), packets, bytes);
                            n++;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "MPLS counters not handed over: " + e);
        } finally {
            f.delete();
        }
        return n;
    }
}
