package dev.junction.mpls.control;

import dev.junction.mpls.Mpls;
import dev.junction.mpls.tables.ArpWishes;
import dev.junction.mpls.tables.FtnEntry;
import dev.junction.mpls.tables.LabelEntry;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.mpls.tables.Nhlfe;
import dev.junction.packet.Ipv4;
import dev.junction.routing.LabelRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The control side of feature.mpls: makes and removes label table and imposition entries, registers
 * each imposition's prefix with routing ({@link Steering}), and resolves every next hop's gateway
 * to an interface and neighbour MAC ({@link Resolver}) after each route change and once a second,
 * publishing each resolution in its {@link Nhlfe} and the gateways without a neighbour as ARP wishes.
 * Entries learned from FRR ({@link #applyLearned}) are named {@code frr:LABEL} (a label switched
 * path) and {@code frr:VRF:PREFIX} (a labelled route); a statement for the same label or prefix wins
 * over them, and they come back when it goes.
 * Synchronized: one change at a time; the workers never wait for it.
 */
public final class MplsControl implements Mpls {
    /** Where a gateway leads now. */
    public interface Resolver {
        /** The VRF id of a VRF name; throws with the right form for a VRF that does not exist. */
        int vrfId(String vrf);

        /**
         * The gateway's next hop in the default VRF: interface index and the neighbour's MAC as
         * {@link Nhlfe#resolve} takes them packed ({@code ifIndex << 48 | mac}), or -1 with
         * {@code wish} filled ({ifIndex, target, source}, or ifIndex -1) when a neighbour is missing.
         */
        long resolve(int gateway, int[] wish);

        /** An interface's name, for the shell. */
        String ifName(int ifIndex);

        /** Each interface's first IPv4 address by interface index (0: none), for ICMP errors' source. */
        default int[] interfaceAddresses() {
            return new int[0];
        }

        /** Each interface's VRF id by interface index (missing: the default VRF, 0). */
        default int[] interfaceVrfs() {
            return new int[0];
        }
    }

    /** Routing's steering of a prefix to mpls-impose. */
    public interface Steering {
        /** Steers {@code prefix} of {@code vrf} to the node with {@code index}; returns how to stop it. */
        Runnable steer(String vrf, String prefix, int index);
    }

    private final MplsTables tables;
    private final Resolver resolver;
    private final Steering steering;
    private final Map<String, Integer> labelByName = new HashMap<>();
    /** The reverse of {@link #labelByName}: which statement owns a label, without a scan per put. */
    private final Map<Integer, String> nameByLabel = new HashMap<>();
    private final Map<String, FtnEntry> ftnByName = new TreeMap<>();
    /** Which entry imposes a prefix ("VRF PREFIX"), without a scan per put. */
    private final Map<String, String> ftnByPrefix = new HashMap<>();
    private final Map<String, Runnable> unsteer = new HashMap<>();
    private static final System.Logger LOG = System.getLogger("dev.junction.mpls");
    /** FRR's routes that are entries now, by entry name. */
    private final Map<String, LabelRoute> learned = new HashMap<>();
    /** FRR's routes that are not, by entry name, with why. */
    private final Map<String, String> refused = new TreeMap<>();
    /** The set FRR gave last, applied again when a statement that shadowed one of its routes goes. */
    private List<LabelRoute> lastLearned = List.of();

    public MplsControl(MplsTables tables, Resolver resolver, Steering steering) {
        this.tables = tables;
        this.resolver = resolver;
        this.steering = steering;
    }

    public MplsTables tables() {
        return tables;
    }

    /**
     * Makes or replaces the label table entry of statement {@code name}. {@code action} swap (via and
     * out), pop (via), pop-lookup (vrf) or pop-continue. Throws saying what is wrong; then nothing changed.
     */
    public synchronized void putLabel(String name, int label, String action, String via, String out, String vrf,
            boolean uniform) {
        int a = java.util.Arrays.asList(LabelEntry.ACTIONS).indexOf(action);
        if (a < 0) {
            throw new IllegalArgumentException("action=" + action + ": use swap, pop, pop-lookup or pop-continue");
        }
        Nhlfe[] paths = new Nhlfe[0];
        switch (a) {
            case LabelEntry.SWAP -> {
                if (out == null) {
                    throw new IllegalArgumentException("swap needs out=: " + NextHops.FORM);
                }
                paths = NextHops.parse(via, out);
            }
            case LabelEntry.POP -> {
                if (out != null) {
                    throw new IllegalArgumentException("pop pushes nothing: leave out out= (or use swap)");
                }
                paths = NextHops.parse(via, null);
            }
            default -> {
                if (via != null || out != null) {
                    throw new IllegalArgumentException(action + " forwards by the IP lookup or the next label: "
                            + "no via= or out=");
                }
            }
        }
        String vrfName = vrf == null ? "default" : vrf;
        int vrfId = resolver.vrfId(vrfName);
        String owner = nameByLabel.get(label);
        String other = owner != null && !owner.equals(name) ? owner : null;
        if (other != null && (learned.containsKey(name) || !learned.containsKey(other))) {
            throw new IllegalArgumentException("label " + label + " is already taken by "
                    + (learned.containsKey(other) ? "FRR's label switched path " + other : "mpls-label " + other)
                    + (learned.containsKey(name) ? " (a statement wins over FRR)" : ""));
        }
        if (other != null) { // a statement takes the label from FRR's path
            LOG.log(System.Logger.Level.INFO, "mpls-label " + name + " takes label " + label + " from FRR's " + other);
            learned.remove(other);
            refused.put(other, "label " + label + " is mpls-label " + name + "'s (a statement wins over FRR)");
            labelByName.remove(other);
        }
        LabelEntry old = tables.labels.get(label);
        int slot = old != null && old.name().equals(name) ? old.slot() : tables.labels.allocateSlot();
        if (slot < 0) {
            throw new IllegalArgumentException("the label table is full (" + dev.junction.mpls.tables.LabelTable.MAX_ENTRIES
                    + " entries)");
        }
        resolve(paths, new ArrayList<>());
        Integer before = labelByName.put(name, label);
        nameByLabel.put(label, name);
        tables.labels.put(new LabelEntry(name, label, a, paths, vrfId, vrfName, uniform, slot));
        if (before != null && before != label) {
            tables.labels.remove(before);
            nameByLabel.remove(before);
        }
    }

    /** Removes statement {@code name}'s label entry; false when there is none. */
    public synchronized boolean removeLabel(String name) {
        boolean statement = !learned.containsKey(name);
        if (!dropLabel(name)) {
            return false;
        }
        if (statement && !refused.isEmpty()) {
            applyLearned(lastLearned); // FRR's path of that label, if the statement shadowed one, comes back
        }
        return true;
    }

    private boolean dropLabel(String name) {
        learned.remove(name);
        Integer label = labelByName.remove(name);
        if (label == null) {
            return false;
        }
        nameByLabel.remove(label);
        tables.labels.remove(label);
        return true;
    }

    /**
     * Makes or replaces imposition entry {@code name}: packets of {@code prefix} (IPv4 or IPv6) in
     * {@code vrf} get a stack pushed towards one of the gateways. {@code tc} 0-7 or
     * {@link FtnEntry#TC_COPY}.
     */
    public synchronized void putFtn(String name, String vrf, String prefix, String via, String out, boolean uniform,
            int tc) {
        Nhlfe[] paths = NextHops.parse(via, out);
        String vrfName = vrf == null ? "default" : vrf;
        resolver.vrfId(vrfName);
        String imposer = ftnByPrefix.get(vrfName + " " + prefix);
        String other = imposer != null && !imposer.equals(name) ? imposer : null;
        if (other != null && (learned.containsKey(name) || !learned.containsKey(other))) {
            throw new IllegalArgumentException("prefix " + prefix + " of VRF " + vrfName + " is already imposed by "
                    + (learned.containsKey(other) ? "FRR's route " + other : "mpls-ftn " + other)
                    + (learned.containsKey(name) ? " (a statement wins over FRR)" : ""));
        }
        if (other != null) { // a statement takes the prefix from FRR's route
            LOG.log(System.Logger.Level.INFO, "mpls-ftn " + name + " takes " + prefix + " from FRR's " + other);
            dropFtn(other);
            refused.put(other, prefix + " is mpls-ftn " + name + "'s (a statement wins over FRR)");
        }
        FtnEntry old = ftnByName.get(name);
        int slot = old != null ? old.slot() : tables.ftns.allocate();
        if (slot < 0) {
            throw new IllegalArgumentException("the imposition table is full");
        }
        resolve(paths, new ArrayList<>());
        FtnEntry e = new FtnEntry(name, vrfName, prefix, paths, uniform, tc, slot);
        tables.ftns.put(e); // before the steering: the first packet steered finds its entry
        if (old == null || !old.vrf().equals(vrfName) || !old.prefix().equals(prefix)) {
            Runnable stop;
            try {
                stop = steering.steer(vrfName, prefix, slot);
            } catch (RuntimeException ex) {
                if (old == null) {
                    tables.ftns.remove(slot);
                } else {
                    tables.ftns.put(old);
                }
                throw ex;
            }
            Runnable before = unsteer.put(name, stop);
            if (before != null) {
                before.run();
            }
            if (old != null) {
                ftnByPrefix.remove(old.vrf() + " " + old.prefix(), name);
            }
        }
        ftnByName.put(name, e);
        ftnByPrefix.put(vrfName + " " + prefix, name);
    }

    public synchronized boolean removeFtn(String name) {
        boolean statement = !learned.containsKey(name);
        if (!dropFtn(name)) {
            return false;
        }
        if (statement && !refused.isEmpty()) {
            applyLearned(lastLearned); // FRR's route of that prefix, if the statement shadowed one, comes back
        }
        return true;
    }

    private boolean dropFtn(String name) {
        learned.remove(name);
        FtnEntry e = ftnByName.remove(name);
        if (e == null) {
            return false;
        }
        ftnByPrefix.remove(e.vrf() + " " + e.prefix(), name);
        Runnable stop = unsteer.remove(name);
        if (stop != null) {
            stop.run(); // out of the FIB first; a packet already steered finds no entry and is counted
        }
        tables.ftns.remove(e.slot());
        return true;
    }

    /** The entry name of one of FRR's routes. */
    public static String learnedName(LabelRoute r) {
        return r.isPath() ? "frr:" + r.label() : "frr:" + r.vrf() + ":" + r.prefix();
    }

    /**
     * Makes the entries learned from FRR those of {@code routes}, the whole set FRR holds now: a
     * label switched path becomes a {@code swap} entry (to implicit null, PHP, for a next hop without
     * labels), a labelled route an imposition entry (uniform TTL, TC copied; a next hop without labels
     * forwards unlabelled); those no longer in the set go. What cannot be an entry is logged and listed
     * ({@link #refusedFromFrr}); the rest is applied.
     */
    public synchronized void applyLearned(List<LabelRoute> routes) {
        lastLearned = List.copyOf(routes);
        Map<String, LabelRoute> want = new LinkedHashMap<>();
        for (LabelRoute r : routes) {
            want.put(learnedName(r), r);
        }
        for (String name : new ArrayList<>(learned.keySet())) {
            if (!want.containsKey(name)) {
                if (learned.get(name).isPath()) {
                    dropLabel(name);
                } else {
                    dropFtn(name);
                }
            }
        }
        refused.clear();
        for (Map.Entry<String, LabelRoute> e : want.entrySet()) {
            String name = e.getKey();
            LabelRoute r = e.getValue();
            if (r.equals(learned.get(name))) {
                continue;
            }
            boolean had = learned.put(name, r) != null; // before the put: it tells putLabel who asks
            try {
                StringBuilder via = new StringBuilder(), out = new StringBuilder();
                for (LabelRoute.Path p : r.paths()) {
                    via.append(via.isEmpty() ? "" : ",").append(p.gateway());
                    out.append(out.isEmpty() ? "" : ",").append(p.labels().isEmpty() ? "implicit-null"
                            : String.join("/", p.labels().stream().map(String::valueOf).toList()));
                }
                if (r.isPath()) {
                    NextHops.inLabel(Integer.toString(r.label()));
                    putLabel(name, r.label(), "swap", via.toString(), out.toString(), null, true);
                } else {
                    putFtn(name, r.vrf(), r.prefix(), via.toString(), out.toString(), true, FtnEntry.TC_COPY);
                }
            } catch (IllegalArgumentException ex) {
                learned.remove(name);
                if (had) {
                    if (r.isPath()) {
                        dropLabel(name);
                    } else {
                        dropFtn(name);
                    }
                }
                refused.put(name, ex.getMessage());
                LOG.log(System.Logger.Level.WARNING, "FRR's " + (r.isPath() ? "label switched path " + r.label()
                        : "labelled route " + r.prefix() + " (VRF " + r.vrf() + ")") + " not taken: " + ex.getMessage());
            }
        }
    }

    @Override
    public synchronized Map<String, String> refusedFromFrr() {
        return new TreeMap<>(refused);
    }

    /** Stops every steering (the bundle is going). */
    public synchronized void close() {
        for (Runnable r : unsteer.values()) {
            r.run();
        }
        unsteer.clear();
    }

    /** Resolves every next hop again and publishes the gateways that lack a neighbour. */
    public synchronized void resolveAll() {
        List<int[]> wishes = new ArrayList<>();
        Map<Integer, long[]> pass = new HashMap<>(); // each gateway asked once a pass: gateway -> result, wish
        for (LabelEntry e : tables.labels.entries()) {
            resolve(e.paths(), wishes, pass);
            tables.labels.refreshResolution(e.label());
        }
        for (FtnEntry e : tables.ftns.entries()) {
            resolve(e.paths(), wishes, pass);
            tables.ftns.refreshResolution(e.slot());
        }
        int[] ifs = new int[wishes.size()], targets = new int[wishes.size()], sources = new int[wishes.size()];
        for (int i = 0; i < wishes.size(); i++) {
            ifs[i] = wishes.get(i)[0];
            targets[i] = wishes.get(i)[1];
            sources[i] = wishes.get(i)[2];
        }
        tables.arpWishes(new ArpWishes(ifs, targets, sources));
        int[] addresses = resolver.interfaceAddresses();
        if (!java.util.Arrays.equals(addresses, tables.interfaceAddresses())) {
            tables.interfaceAddresses(addresses);
        }
        int[] vrfs = resolver.interfaceVrfs();
        if (!java.util.Arrays.equals(vrfs, tables.interfaceVrfs())) {
            tables.interfaceVrfs(vrfs);
        }
    }

    private void resolve(Nhlfe[] paths, List<int[]> wishes) {
        resolve(paths, wishes, new HashMap<>());
    }

    private void resolve(Nhlfe[] paths, List<int[]> wishes, Map<Integer, long[]> pass) {
        for (Nhlfe p : paths) {
            long[] known = pass.computeIfAbsent(p.via(), gw -> {
                int[] w = {-1, 0, 0};
                long res = resolver.resolve(gw, w);
                return new long[] {res, w[0], w[1], w[2]};
            });
            long r = known[0];
            int[] wish = {(int) known[1], (int) known[2], (int) known[3]};
            if (r < 0) {
                p.unresolve();
                if (wish[0] >= 0 && wishes.stream().noneMatch(w -> w[0] == wish[0] && w[1] == wish[1])) {
                    wishes.add(wish);
                }
            } else {
                p.resolve(Nhlfe.ifIndex(r), Nhlfe.mac(r));
            }
        }
    }

    private List<NextHop> nextHops(Nhlfe[] paths) {
        List<NextHop> out = new ArrayList<>();
        for (Nhlfe p : paths) {
            List<Integer> labels = new ArrayList<>();
            for (int j = 0; j < p.labelCount(); j++) {
                labels.add(p.label(j));
            }
            long r = p.resolved();
            out.add(new NextHop(Ipv4.format(p.via()), labels, r == Nhlfe.UNRESOLVED ? null : resolver.ifName(Nhlfe.ifIndex(r)),
                    r == Nhlfe.UNRESOLVED ? null : mac(Nhlfe.mac(r))));
        }
        return out;
    }

    static String mac(long mac) {
        StringBuilder sb = new StringBuilder();
        for (int i = 5; i >= 0; i--) {
            sb.append(String.format("%02x", (mac >>> (8 * i)) & 0xFF)).append(i > 0 ? ":" : "");
        }
        return sb.toString();
    }

    @Override
    public synchronized List<LabelStatus> labels() {
        List<LabelStatus> out = new ArrayList<>();
        for (LabelEntry e : tables.labels.entries()) {
            out.add(new LabelStatus(e.name(), e.label(), LabelEntry.ACTIONS[e.action()], nextHops(e.paths()),
                    e.vrfName(), e.uniform() ? "uniform" : "pipe", tables.labels.counters().packets(e.slot()),
                    tables.labels.counters().bytes(e.slot()), learned.containsKey(e.name()) ? FRR : CONFIGURED));
        }
        return out;
    }

    @Override
    public synchronized List<FtnStatus> ftns() {
        List<FtnStatus> out = new ArrayList<>();
        for (FtnEntry e : ftnByName.values()) {
            out.add(new FtnStatus(e.name(), e.vrf(), e.prefix(), nextHops(e.paths()), e.uniform() ? "uniform" : "pipe",
                    e.tc() == FtnEntry.TC_COPY ? "copy" : Integer.toString(e.tc()),
                    tables.ftns.counters().packets(e.slot()), tables.ftns.counters().bytes(e.slot()),
                    learned.containsKey(e.name()) ? FRR : CONFIGURED));
        }
        return out;
    }
}
