package dev.junction.mpls.control;

import dev.junction.mpls.tables.MplsHeader;
import dev.junction.mpls.tables.Nhlfe;
import dev.junction.packet.Ipv4;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code via=} and {@code out=} words of a statement read into next hops: {@code via} one IPv4
 * gateway or several (comma-separated, ECMP by flow), {@code out} one label stack (top first, labels
 * separated by {@code /}) for every gateway or one per gateway (comma-separated, in the same order).
 * {@code implicit-null} (or 3) alone means no label at all. Throws with the right form.
 */
public final class NextHops {
    static final String FORM = "via=A.B.C.D[,A.B.C.D...] out=LABEL[/LABEL...][,LABEL[/LABEL...]...] "
            + "(labels 16-1048575, 0 or 2 for explicit null, implicit-null; at most 4 a stack)";

    private NextHops() {
    }

    public static Nhlfe[] parse(String via, String out) {
        if (via == null || via.isBlank()) {
            throw new IllegalArgumentException("say where to: " + FORM);
        }
        String[] gateways = via.split(",", -1);
        String[] stacks = out == null ? new String[] {"implicit-null"} : out.split(",", -1);
        if (stacks.length != 1 && stacks.length != gateways.length) {
            throw new IllegalArgumentException(gateways.length + " gateways but " + stacks.length
                    + " label stacks: give one stack for all or one per gateway, " + FORM);
        }
        List<Nhlfe> paths = new ArrayList<>();
        for (int i = 0; i < gateways.length; i++) {
            int gw;
            try {
                gw = Ipv4.parse(gateways[i].trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("'" + gateways[i] + "' is not an IPv4 gateway: " + FORM);
            }
            paths.add(new Nhlfe(gw, stack(stacks.length == 1 ? stacks[0] : stacks[i])));
        }
        return paths.toArray(new Nhlfe[0]);
    }

    static int[] stack(String text) {
        String t = text.trim();
        if (t.equals("implicit-null") || t.equals("3")) {
            return new int[0];
        }
        String[] parts = t.split("/", -1);
        if (parts.length > Nhlfe.MAX_LABELS) {
            throw new IllegalArgumentException("at most " + Nhlfe.MAX_LABELS + " labels in a stack, not '" + t + "'");
        }
        int[] labels = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            labels[i] = outLabel(parts[i].trim());
        }
        return labels;
    }

    private static int outLabel(String t) {
        int l;
        try {
            l = Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + t + "' is not a label: " + FORM);
        }
        if (l == MplsHeader.IPV4_EXPLICIT_NULL || l == MplsHeader.IPV6_EXPLICIT_NULL
                || (l >= MplsHeader.FIRST_UNRESERVED && l <= MplsHeader.MAX_LABEL)) {
            return l;
        }
        throw new IllegalArgumentException("label " + t + " cannot be pushed (reserved or beyond 20 bits; "
                + "implicit-null only alone): " + FORM);
    }

    /** An incoming label: 16 to 2^20-1. */
    public static int inLabel(String t) {
        int l;
        try {
            l = Integer.parseInt(t.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + t + "' is not a label (16-1048575)");
        }
        if (l < MplsHeader.FIRST_UNRESERVED || l > MplsHeader.MAX_LABEL) {
            throw new IllegalArgumentException("label " + l + " is reserved or beyond 20 bits: use 16-1048575");
        }
        return l;
    }

    static String text(Nhlfe p) {
        if (p.labelCount() == 0) {
            return "implicit-null";
        }
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < p.labelCount(); j++) {
            sb.append(j == 0 ? "" : "/").append(p.label(j));
        }
        return sb.toString();
    }
}
