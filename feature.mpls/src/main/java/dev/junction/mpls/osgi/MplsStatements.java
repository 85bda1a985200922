package dev.junction.mpls.osgi;

import dev.junction.config.StatementSpec;
import dev.junction.config.StatementType;
import dev.junction.mpls.control.NextHops;
import dev.junction.mpls.control.Prefixes;
import org.osgi.service.component.annotations.Component;

/** The MPLS statements: label table entries and imposition entries. */
public final class MplsStatements {
    public static final String LABEL_PID = "junction.mpls.label", FTN_PID = "junction.mpls.ftn";

    private MplsStatements() {
    }

    private static StatementSpec.Parser text(String what) {
        return t -> {
            if (t.isEmpty() || t.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("must be " + what + ", not '" + t + "'");
            }
            return t;
        };
    }

    /** The {@code tc=} word: {@code copy} or 0-7, as the imposition takes it ({@code -1} for copy). */
    public static int tc(Object word) {
        String t = String.valueOf(word);
        if (t.equals("copy")) {
            return -1;
        }
        try {
            int n = Integer.parseInt(t);
            if (n >= 0 && n <= 7) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("tc=" + t + ": use copy (the DSCP's top three bits) or 0-7");
    }

    /**
     * {@code mpls-label NAME label=N action=swap|pop|pop-lookup|pop-continue [via=GW,..] [out=STACK,..]
     * [vrf=VRF] [ttl=uniform|pipe]}: what an incoming label does.
     */
    @Component(service = StatementType.class)
    public static final class LabelStatement extends StatementSpec {
        public static final StatementSpec SPEC = new LabelStatement();

        public LabelStatement() {
            super(named("mpls-label", LABEL_PID)
                    .key("label", "N", "the incoming label", number(16, (1 << 20) - 1))
                    .key("action", "swap|pop|pop-lookup|pop-continue", "what it does",
                            choice("swap", "pop", "pop-lookup", "pop-continue"))
                    .key("via", "GW[,GW...]", "IPv4 gateways (swap, pop; several: ECMP by flow)", text("gateways such as 10.0.1.2,10.0.2.2"), null)
                    .key("out", "LABEL[/LABEL...][,...]", "labels pushed in its place, top first, one stack or one per gateway (swap)",
                            text("labels such as 200/300 or implicit-null"), null)
                    .key("vrf", "VRF", "where pop-lookup looks the payload up", name("a VRF name"), "default")
                    .key("ttl", "uniform|pipe", "TTL at disposition: copied to what is under (uniform) or not (pipe)",
                            choice("uniform", "pipe"), "uniform")
                    .unique("label")
                    .order(45)
                    .check((name, v) -> {
                        String action = v.get("action").toString();
                        Object via = v.get("via"), out = v.get("out");
                        switch (action) {
                            case "swap" -> {
                                if (out == null) {
                                    throw new IllegalArgumentException("swap needs out=LABEL[/LABEL...] and via=GW");
                                }
                                NextHops.parse(via == null ? null : via.toString(), out.toString());
                            }
                            case "pop" -> {
                                if (out != null) {
                                    throw new IllegalArgumentException("pop pushes nothing: leave out out= (or use swap)");
                                }
                                NextHops.parse(via == null ? null : via.toString(), null);
                            }
                            default -> {
                                if (via != null || out != null) {
                                    throw new IllegalArgumentException(action + " takes no via= or out= (it forwards by "
                                            + (action.equals("pop-lookup") ? "the IP lookup in vrf=" : "the next label") + ")");
                                }
                            }
                        }
                    }));
        }
    }

    /**
     * {@code mpls-ftn NAME prefix=P [vrf=VRF] via=GW,.. out=STACK,.. [ttl=uniform|pipe] [tc=copy|N]}:
     * a prefix whose packets get labels pushed.
     */
    @Component(service = StatementType.class)
    public static final class FtnStatement extends StatementSpec {
        public static final StatementSpec SPEC = new FtnStatement();

        public FtnStatement() {
            super(named("mpls-ftn", FTN_PID)
                    .key("prefix", "PREFIX", "IPv4 or IPv6 prefix steered to mpls-impose", text("a prefix such as 10.2.0.0/16"))
                    .key("vrf", "VRF", "the VRF whose lookups steer it", name("a VRF name"), "default")
                    .key("via", "GW[,GW...]", "IPv4 gateways (several: ECMP by flow)", text("gateways such as 10.0.1.2"))
                    .key("out", "LABEL[/LABEL...][,...]", "labels pushed, top first (at most 4), one stack or one per gateway",
                            text("labels such as 100/200 or implicit-null"))
                    .key("ttl", "uniform|pipe", "labels' TTL: the IP TTL (uniform) or 255 (pipe)", choice("uniform", "pipe"),
                            "uniform")
                    .key("tc", "copy|0-7", "labels' traffic class: the DSCP's top three bits, or this", text("copy or 0-7"),
                            "copy")
                    .order(46)
                    .check((name, v) -> {
                        Prefixes.check(v.get("prefix").toString());
                        NextHops.parse(v.get("via").toString(), v.get("out").toString());
                        tc(v.get("tc"));
                    }));
        }
    }
}
