package dev.junction.drivers.ixgbe.regs;

import java.util.ArrayList;
import java.util.List;

/**
 * The control registers worth looking at, read for {@code ixgbe:registers}. Statistics registers
 * are left out on purpose: they clear when read, and reading them here would steal counts from the
 * device's totals ({@code ixgbe:statistics} reads those).
 */
public final class RegisterDump {
    private RegisterDump() {
    }

    /** One register: its name, offset and value. */
    public record Entry(String name, int offset, int value) {
    }

    public static List<Entry> read(Bar bar, int queues) {
        List<Entry> out = new ArrayList<>();
        add(out, bar, "CTRL", Regs.CTRL);
        add(out, bar, "STATUS", Regs.STATUS);
        add(out, bar, "CTRL_EXT", Regs.CTRL_EXT);
        add(out, bar, "EEC", Regs.EEC);
        add(out, bar, "AUTOC", Regs.AUTOC);
        add(out, bar, "LINKS", Regs.LINKS);
        add(out, bar, "HLREG0", Regs.HLREG0);
        add(out, bar, "RXCTRL", Regs.RXCTRL);
        add(out, bar, "RDRXCTL", Regs.RDRXCTL);
        add(out, bar, "FCTRL", Regs.FCTRL);
        add(out, bar, "RXCSUM", Regs.RXCSUM);
        add(out, bar, "MRQC", Regs.MRQC);
        add(out, bar, "RXPBSIZE(0)", Regs.rxpbsize(0));
        add(out, bar, "TXPBSIZE(0)", Regs.txpbsize(0));
        add(out, bar, "DTXMXSZRQ", Regs.DTXMXSZRQ);
        add(out, bar, "RTTDCS", Regs.RTTDCS);
        add(out, bar, "DMATXCTL", Regs.DMATXCTL);
        add(out, bar, "RAL(0)", Regs.ral(0));
        add(out, bar, "RAH(0)", Regs.rah(0));
        for (int q = 0; q < queues; q++) {
            add(out, bar, "RDBAL(" + q + ")", Regs.rdbal(q));
            add(out, bar, "RDBAH(" + q + ")", Regs.rdbah(q));
            add(out, bar, "RDLEN(" + q + ")", Regs.rdlen(q));
            add(out, bar, "RDH(" + q + ")", Regs.rdh(q));
            add(out, bar, "RDT(" + q + ")", Regs.rdt(q));
            add(out, bar, "SRRCTL(" + q + ")", Regs.srrctl(q));
            add(out, bar, "RXDCTL(" + q + ")", Regs.rxdctl(q));
            add(out, bar, "TDBAL(" + q + ")", Regs.tdbal(q));
            add(out, bar, "TDBAH(" + q + ")", Regs.tdbah(q));
            add(out, bar, "TDLEN(" + q + ")", Regs.tdlen(q));
            add(out, bar, "TDH(" + q + ")", Regs.tdh(q));
            add(out, bar, "TDT(" + q + ")", Regs.tdt(q));
            add(out, bar, "TXDCTL(" + q + ")", Regs.txdctl(q));
        }
        return out;
    }

    private static void add(List<Entry> out, Bar bar, String name, int offset) {
        out.add(new Entry(name, offset, bar.read(offset)));
    }
}
