package dev.junction.mpls.commands;

import dev.junction.mpls.Mpls;
import dev.junction.mpls.osgi.MplsStatements;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.StoredStatements;
import dev.junction.shell.cli.Table;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Deactivate;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mpls:*}: entries are persisted as {@code mpls-label} and {@code mpls-ftn} statements, checked
 * whole by the same specs (a bad word is refused with the form and nothing is stored); the tables and
 * their counters are shown as they run.
 */
@Component(enabled = false, immediate = true, service = MplsCommands.class, property = {"osgi.command.scope=mpls",
        "osgi.command.function=labels", "osgi.command.function=ftns"})
public final class MplsCommands {
    static final Cli LABELS = Cli.command("mpls:labels", "the label table with each entry's next hops and counters")
            .option("label", "N", "only this incoming label").option("action", "ACTION", "only swap, pop, pop-lookup or pop-continue")
            .option("via", "GW", "only entries with this gateway").option("vrf", "VRF", "only pop-lookup into this VRF");
    static final Cli LABEL_ADD = Cli.command("mpls:label-add", "make or replace a label table entry (persisted): "
            + MplsStatements.LabelStatement.SPEC.usage()).arg("NAME").optionalArg("KEY=VALUE...");
    static final Cli LABEL_REMOVE = Cli.command("mpls:label-remove", "remove a label table entry (persisted)").arg("NAME");
    static final Cli FTNS = Cli.command("mpls:ftns", "the imposition entries with their label stacks and counters")
            .option("prefix", "PREFIX", "only this prefix");
    static final Cli FTN_ADD = Cli.command("mpls:ftn-add", "make or replace an imposition entry (persisted): "
            + MplsStatements.FtnStatement.SPEC.usage()).arg("NAME").optionalArg("KEY=VALUE...");
    static final Cli FTN_REMOVE = Cli.command("mpls:ftn-remove", "remove an imposition entry (persisted)").arg("NAME");

    private final StoredStatements statements;
    private final Mpls mpls;

    private final List<ServiceRegistration<?>> hyphenated = new ArrayList<>();

    /**
     * {@code labels} and {@code ftns} are methods; Gogo finds a method by the command's name, which
     * cannot hold a hyphen, so the hyphenated commands are registered as {@link Function}s of their own.
     * Immediate: Gogo ungets a command service after each call, which would deactivate a delayed
     * component and take these registrations with it.
     */
    @Activate
    public MplsCommands(@Reference ConfigurationAdmin cm, @Reference Mpls mpls, BundleContext context) {
        this.statements = new StoredStatements(cm);
        this.mpls = mpls;
        command(context, "label-add", this::labelAdd);
        command(context, "label-remove", this::labelRemove);
        command(context, "ftn-add", this::ftnAdd);
        command(context, "ftn-remove", this::ftnRemove);
    }

    private void command(BundleContext context, String function, java.util.function.Function<String[], Object> body) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("osgi.command.scope", "mpls");
        p.put("osgi.command.function", function);
        Function f = (CommandSession session, List<Object> arguments) -> {
            String[] words = new String[arguments.size()];
            for (int i = 0; i < words.length; i++) {
                words[i] = String.valueOf(arguments.get(i));
            }
            return body.apply(words);
        };
        hyphenated.add(context.registerService(Function.class, f, p));
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : hyphenated) {
            r.unregister();
        }
        hyphenated.clear();
    }

    private static String hops(List<Mpls.NextHop> hops) {
        StringBuilder sb = new StringBuilder();
        for (Mpls.NextHop h : hops) {
            sb.append(sb.isEmpty() ? "" : " ");
            StringBuilder labels = new StringBuilder();
            for (int l : h.labels()) {
                labels.append(labels.isEmpty() ? "" : "/").append(l);
            }
            sb.append(labels.isEmpty() ? "implicit-null" : labels).append("@").append(h.via())
                    .append(h.iface() == null ? "(unresolved)" : "(" + h.iface() + ")");
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    @Descriptor("list the label table")
    public Object labels(String... args) {
        return LABELS.run(args, a -> {
            long label = a.number("label", -1, -1, (1 << 20) - 1);
            String action = a.get("action", null), via = a.get("via", null), vrf = a.get("vrf", null);
            Table t = new Table("LABEL", "NAME", "KIND", "ACTION", "NEXT HOPS (out@gateway(interface))", "VRF", "TTL", "PACKETS",
                    "BYTES");
            for (Mpls.LabelStatus s : mpls.labels()) {
                if ((label >= 0 && s.label() != label) || (action != null && !action.equals(s.action()))
                        || (via != null && s.nextHops().stream().noneMatch(h -> h.via().equals(via)))
                        || (vrf != null && !(s.action().equals("pop-lookup") && s.vrf().equals(vrf)))) {
                    continue;
                }
                t.row(Integer.toString(s.label()), s.name(), s.kind(), s.action(), hops(s.nextHops()),
                        s.action().equals("pop-lookup") ? s.vrf() : "-", s.ttl(), Long.toString(s.packets()),
                        Long.toString(s.bytes()));
            }
            StringBuilder notTaken = new StringBuilder();
            mpls.refusedFromFrr().forEach((n, why) -> notTaken.append("\nnot taken from FRR: ").append(n).append(": ").append(why));
            return (t.isEmpty() ? "no label table entries (mpls:label-add --help)" : t.toString()) + notTaken;
        });
    }

    private Object add(Cli cli, Object[] args, dev.junction.config.StatementSpec spec) {
        return cli.run(args, a -> {
            String name = a.arg(0);
            List<String> words = a.positional.subList(1, a.positional.size());
            if (words.isEmpty()) {
                throw new IllegalArgumentException("say what it is: " + spec.usage());
            }
            Map<String, String> kv = StoredStatements.keyValues(spec, words);
            statements.store(spec, name, kv); // checked whole first: a bad word stores nothing
            return null;
        });
    }

    @Descriptor("make or replace a label table entry")
    public Object labelAdd(String... args) {
        return add(LABEL_ADD, args, MplsStatements.LabelStatement.SPEC);
    }

    @Descriptor("remove a label table entry")
    public Object labelRemove(String... args) {
        return LABEL_REMOVE.run(args, a -> {
            if (!statements.delete(MplsStatements.LABEL_PID, a.arg(0))) {
                throw new IllegalArgumentException("no label entry " + a.arg(0) + " (see mpls:labels)");
            }
            return null;
        });
    }

    @Descriptor("list the imposition entries")
    public Object ftns(String... args) {
        return FTNS.run(args, a -> {
            String prefix = a.get("prefix", null);
            Table t = new Table("NAME", "KIND", "VRF", "PREFIX", "NEXT HOPS (out@gateway(interface))", "TTL", "TC", "PACKETS",
                    "BYTES");
            for (Mpls.FtnStatus s : mpls.ftns()) {
                if (prefix != null && !prefix.equals(s.prefix())) {
                    continue;
                }
                t.row(s.name(), s.kind(), s.vrf(), s.prefix(), hops(s.nextHops()), s.ttl(), s.tc(), Long.toString(s.packets()),
                        Long.toString(s.bytes()));
            }
            return t.isEmpty() ? "no imposition entries (mpls:ftn-add --help)" : t.toString();
        });
    }

    @Descriptor("make or replace an imposition entry")
    public Object ftnAdd(String... args) {
        return add(FTN_ADD, args, MplsStatements.FtnStatement.SPEC);
    }

    @Descriptor("remove an imposition entry")
    public Object ftnRemove(String... args) {
        return FTN_REMOVE.run(args, a -> {
            if (!statements.delete(MplsStatements.FTN_PID, a.arg(0))) {
                throw new IllegalArgumentException("no imposition entry " + a.arg(0) + " (see mpls:ftns)");
            }
            return null;
        });
    }
}
