package dev.junction.routing.internal;

import dev.junction.dataplane.Dataplane;
import dev.junction.routing.Routing;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import dev.junction.shell.cli.Cli;
import dev.junction.shell.cli.Table;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ip:*}: IPv4 and IPv6 addresses, routes and neighbours. */
@Component(enabled = false, service = RoutingCommands.class, property = {"osgi.command.scope=ip",
        "osgi.command.function=address", "osgi.command.function=unaddress", "osgi.command.function=route",
        "osgi.command.function=unroute", "osgi.command.function=routes", "osgi.command.function=addresses",
        "osgi.command.function=neighbours", "osgi.command.function=fpm", "osgi.command.function=load",
        "osgi.command.function=unload", "osgi.command.function=vrf", "osgi.command.function=unvrf",
        "osgi.command.function=vrfs", "osgi.command.function=announce", "osgi.command.function=ecmp"})
public final class RoutingCommands {
    static final Cli ADDRESS = Cli.command("ip:address", "add an IPv4 or IPv6 address (and its connected route) to an interface")
            .arg("INTERFACE").arg("ADDRESS/LEN");
    static final Cli UNADDRESS = Cli.command("ip:unaddress", "remove an address from an interface")
            .arg("INTERFACE").arg("ADDRESS/LEN");
    static final Cli ROUTE = Cli.command("ip:route", "add or replace a static route")
            .option("via", "GATEWAY[,GATEWAY...]", "next hop (its interface is found from the connected routes); several, comma-separated, share the traffic by flow (ECMP)")
            .option("iface", "INTERFACE", "output interface (on-link, or with --via)")
            .option("vrf", "VRF", "the VRF whose table gets the route (default: default)")
            .arg("PREFIX/LEN");
    static final Cli UNROUTE = Cli.command("ip:unroute", "remove a static route")
            .option("vrf", "VRF", "the VRF it is in (default: default)").arg("PREFIX/LEN");
    static final Cli VRF = Cli.command("ip:vrf", "put interfaces in a VRF (made if new): a routing table of its own,"
            + " so tenants may use the same prefixes; their addresses go with them")
            .option("table", "N|none", "the kernel routing table the VRF stands for, as in 'ip link add NAME type vrf table N':"
                    + " FRR's routes of that table come to it over FPM (1..4294967295 but 253, 254, 255; none: no table;"
                    + " default: as it is)")
            .arg("VRF").optionalArg("INTERFACE...");
    static final Cli UNVRF = Cli.command("ip:unvrf", "remove a VRF: its interfaces go back to the default VRF").arg("VRF");
    static final Cli VRFS = Cli.command("ip:vrfs", "the VRFs, their kernel tables, interfaces and route counts");
    static final Cli ROUTES = Cli.command("ip:routes", "the FIB: connected, local, static and learned (frr) routes")
            .option("kind", "KIND", "only routes of this kind: connected, local, static, frr")
            .option("family", "4|6", "only IPv4 or only IPv6 routes")
            .option("within", "PREFIX/LEN", "only routes inside this prefix (same family)")
            .option("vrf", "VRF", "the VRF whose table to show (default: default)")
            .flag("summary", "counts per family and kind instead of the routes");
    static final Cli ADDRESSES = Cli.command("ip:addresses", "interface addresses");
    static final Cli ECMP = Cli.command("ip:ecmp", "the ECMP groups: each set of gateways that routes share traffic"
            + " over by flow, how many routes use it, and whether each gateway's neighbour is resolved")
            .option("vrf", "VRF", "the VRF whose groups to show (default: default)");
    static final Cli NEIGHBOURS = Cli.command("ip:neighbours", "neighbours learned by ARP and IPv6 neighbour discovery");
    static final Cli ANNOUNCE = Cli.command("ip:announce", "send gratuitous ARP and unsolicited neighbour advertisements"
            + " for an interface's addresses (as when they come up), 3 times a second apart").arg("INTERFACE");
    static final Cli LOAD = Cli.command("ip:load", "load a route table from a file (a full Internet table, say):"
            + " one PREFIX/LEN [GATEWAY[,GATEWAY...]] per line, # comments; .xz files are read through xz."
            + " Built beside the running FIB and swapped in whole; not persisted")
            .option("via", "GATEWAY[,GATEWAY...]", "IPv4 gateway(s) for lines without one")
            .option("via6", "GATEWAY[,GATEWAY...]", "IPv6 gateway(s) for lines without one")
            .option("kind", "NAME", "the kind the routes show in ip:routes (default: table); a new load of a kind replaces it")
            .option("vrf", "VRF", "the VRF whose table gets the routes (default: default)")
            .arg("FILE");
    static final Cli UNLOAD = Cli.command("ip:unload", "remove the routes a table load added")
            .option("kind", "NAME", "which load (default: table)")
            .option("vrf", "VRF", "the VRF it went into (default: default)");
    static final Cli FPM = Cli.command("ip:fpm", "routes from FRR over FPM: the listener, its peer and counters"
            + " (configure with the statement: fpm listen=ADDRESS:PORT)");

    private final Routing routing;
    private final Dataplane dataplane;
    private final ConfigurationAdmin cm;

    @Activate
    public RoutingCommands(@Reference Routing routing, @Reference Dataplane dataplane, @Reference ConfigurationAdmin cm) {
        this.routing = routing;
        this.dataplane = dataplane;
        this.cm = cm;
    }

    private void requireInterface(String iface) {
        if (dataplane.interfaces().stream().noneMatch(s -> s.name().equals(iface))) {
            throw new IllegalArgumentException("no interface named '" + iface + "' (see interface:list)");
        }
    }

    /** Stores a named factory configuration; the routing bundle applies it (and keeps it across restarts). */
    private void store(String factoryPid, String name, Map<String, Object> props) {
        Dictionary<String, Object> p = new Hashtable<>(props);
        p.put("name", name);
        try {
            cm.getFactoryConfiguration(factoryPid, name, "?").update(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot store configuration: " + e);
        }
    }

    private void delete(String factoryPid, String name, String what) {
        try {
            Configuration[] cs = cm.listConfigurations("(&(service.factoryPid=" + factoryPid + ")(name=" + name + "))");
            if (cs == null) {
                throw new IllegalArgumentException("no " + what);
            }
            for (Configuration c : cs) {
                c.delete();
            }
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException(e.toString());
        }
    }

    @Descriptor("add an IPv4 address to an interface")
    public Object address(String... args) {
        return ADDRESS.run(args, a -> {
            requireInterface(a.arg(0));
            RoutingControl.checkAnyAddress(a.arg(1));
            store(RoutingStatements.ADDRESS_PID, RoutingStatements.addressName(a.arg(0), a.arg(1)),
                    Map.of("iface", a.arg(0), "ip", a.arg(1)));
            return null;
        });
    }

    @Descriptor("remove an IPv4 address")
    public Object unaddress(String... args) {
        return UNADDRESS.run(args, a -> {
            delete(RoutingStatements.ADDRESS_PID, RoutingStatements.addressName(a.arg(0), a.arg(1)),
                    "address " + a.arg(1) + " on " + a.arg(0) + " (see ip:addresses)");
            return null;
        });
    }

    @Descriptor("add or replace a static route (--help for options)")
    public Object route(String... args) {
        return ROUTE.run(args, a -> {
            RoutingControl.checkAnyPrefix(a.arg(0));
            String via = a.options.get("via");
            String iface = a.options.get("iface");
            if (via == null && iface == null) {
                throw new IllegalArgumentException("a route needs --via GATEWAY or --iface INTERFACE");
            }
            Map<String, Object> p = new java.util.HashMap<>();
            p.put("prefix", a.arg(0));
            if (via != null) {
                RoutingControl.checkGateway(a.arg(0), via);
                p.put("via", via);
            }
            if (iface != null) {
                requireInterface(iface);
                p.put("iface", iface);
            }
            String vrf = a.options.get("vrf");
            if (vrf != null) {
                ((VrfControl) routing).control(vrf); // exists, or say which do
                if (iface != null && routing.vrfs().stream().noneMatch(x -> x.name().equals(vrf) && x.interfaces().contains(iface))) {
                    throw new IllegalArgumentException("interface " + iface + " is not in VRF " + vrf + " (see ip:vrfs)");
                }
                p.put("vrf", vrf);
            }
            store(RoutingStatements.ROUTE_PID, RoutingStatements.routeName(vrf, a.arg(0)), p);
            return null;
        });
    }

    @Descriptor("remove a static route")
    public Object unroute(String... args) {
        return UNROUTE.run(args, a -> {
            String vrf = a.options.get("vrf");
            delete(RoutingStatements.ROUTE_PID, RoutingStatements.routeName(vrf, a.arg(0)), "static route " + a.arg(0)
                    + (vrf == null ? "" : " in VRF " + vrf) + " (see ip:routes" + (vrf == null ? "" : " --vrf " + vrf) + ")");
            return null;
        });
    }

    @Descriptor("show the routes")
    public Object routes(String... args) {
        return ROUTES.run(args, a -> {
            String kind = a.options.get("kind");
            String family = a.options.get("family");
            String within = a.options.get("within");
            if (family != null && !family.equals("4") && !family.equals("6")) {
                throw new IllegalArgumentException("--family must be 4 or 6, not '" + family + "'");
            }
            if (within != null) {
                RoutingControl.checkAnyPrefix(within);
            }
            java.util.List<Routing.RouteEntry> routes = new java.util.ArrayList<>();
            for (Routing.RouteEntry r : routing.routes(a.get("vrf", VrfControl.DEFAULT))) {
                boolean v6 = r.prefix().indexOf(':') >= 0;
                if ((kind == null || r.kind().equals(kind)) && (family == null || family.equals(v6 ? "6" : "4"))
                        && (within == null || RoutingControl.covers(within, r.prefix()))) {
                    routes.add(r);
                }
            }
            if (a.has("summary")) {
                java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
                for (Routing.RouteEntry r : routes) {
                    counts.merge((r.prefix().indexOf(':') >= 0 ? "ipv6 " : "ipv4 ") + r.kind() + (r.active() ? "" : " (inactive)"), 1, Integer::sum);
                }
                Table t = new Table("FAMILY", "KIND", "ROUTES");
                counts.forEach((k, n) -> t.row(k.substring(0, 4), k.substring(5), n));
                return t.isEmpty() ? "no routes" : t.toString();
            }
            Table t = new Table("PREFIX", "KIND", "VIA", "INTERFACE", "STATE");
            for (Routing.RouteEntry r : routes) {
                t.row(r.prefix(), r.kind(), r.via() == null ? "-" : r.via(), r.iface() == null ? "-" : r.iface(),
                        r.active() ? "active" : "no route to gateway");
            }
            return t.isEmpty() ? "no routes (add an address: ip:address --help)" : t.toString();
        });
    }

    @Descriptor("show interface addresses")
    public Object addresses(String... args) {
        return ADDRESSES.run(args, a -> {
            Table t = new Table("INTERFACE", "ADDRESS");
            routing.addresses().forEach(x -> t.row(x.iface(), x.cidr()));
            return t.isEmpty() ? "no addresses" : t.toString();
        });
    }

    @Descriptor("load a route table from a file (--help for the format)")
    public Object load(String... args) {
        return LOAD.run(args, a -> {
            RoutingControl rc = ((VrfControl) routing).control(a.get("vrf", VrfControl.DEFAULT));
            String kind = a.get("kind", "table");
            if (!kind.matches("[a-z][a-z0-9-]*") || java.util.Set.of("connected", "local", "static", FpmServer.KIND).contains(kind)) {
                throw new IllegalArgumentException("--kind must be a lower-case word other than connected, local, static, frr");
            }
            java.nio.file.Path file = java.nio.file.Path.of(a.arg(0));
            if (!java.nio.file.Files.isReadable(file)) {
                throw new IllegalArgumentException("cannot read " + file);
            }
            String via = a.options.get("via"), via6 = a.options.get("via6");
            if (via != null) {
                RoutingControl.checkGateway("0.0.0.0/0", via);
            }
            if (via6 != null) {
                RoutingControl.checkGateway("::/0", via6);
            }
            long t0 = System.nanoTime();
            java.util.List<String[]> routes = new java.util.ArrayList<>();
            int lineNo = 0;
            try (java.io.BufferedReader r = reader(file)) {
                for (String line; (line = r.readLine()) != null; ) {
                    lineNo++;
                    int hash = line.indexOf('#');
                    String[] w = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
                    if (w[0].isEmpty()) {
                        continue;
                    }
                    String gw = w.length > 1 ? w[1] : Ip6Control.isIpv6(w[0]) ? via6 : via;
                    if (w.length > 2 || gw == null) {
                        throw new IllegalArgumentException(file + " line " + lineNo + ": '" + line.strip() + "': write PREFIX/LEN [GATEWAY],"
                                + " or give --via / --via6 for lines without a gateway; nothing loaded");
                    }
                    routes.add(new String[] {w[0], gw});
                }
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("reading " + file + ": " + e.getMessage());
            }
            System.out.println("read " + routes.size() + " routes in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            RoutingControl.LoadResult res = rc.loadTable(kind, routes, System.out::println);
            return String.format(java.util.Locale.ROOT, "loaded %d routes of kind %s in %.2f s (FIB %d MiB); see ip:routes --summary",
                    res.routes(), kind, (System.nanoTime() - t0) / 1e9, res.fibBytes() >> 20);
        });
    }

    private static java.io.BufferedReader reader(java.nio.file.Path file) throws java.io.IOException {
        if (file.toString().endsWith(".xz")) {
            Process xz = new ProcessBuilder("xz", "-dc", file.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            return new java.io.BufferedReader(new java.io.InputStreamReader(xz.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
        }
        return java.nio.file.Files.newBufferedReader(file, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Descriptor("remove the routes of a table load")
    public Object unload(String... args) {
        return UNLOAD.run(args, a -> {
            String kind = a.get("kind", "table");
            if (java.util.Set.of("connected", "local", "static").contains(kind)) {
                throw new IllegalArgumentException("--kind " + kind + " is not a table load");
            }
            ((VrfControl) routing).control(a.get("vrf", VrfControl.DEFAULT)).loadTable(kind, java.util.List.of(), s -> { });
            return "routes of kind " + kind + " removed";
        });
    }

    @Descriptor("put interfaces in a VRF")
    public Object vrf(String... args) {
        return VRF.run(args, a -> {
            String vrf = a.arg(0);
            VrfControl.checkName(vrf);
            if (VrfControl.DEFAULT.equals(vrf)) {
                throw new IllegalArgumentException("interfaces go back to the default VRF with ip:unvrf or by leaving their VRF's list");
            }
            java.util.List<String> ifs = new java.util.ArrayList<>(a.positional.subList(1, a.positional.size()));
            String tableText = a.options.get("table");
            if (ifs.isEmpty() && tableText == null) {
                throw new IllegalArgumentException("name the interfaces to put in VRF " + vrf + ", or give --table N");
            }
            for (String i : ifs) {
                requireInterface(i);
            }
            long table = tableText == null || tableText.equals("none") ? 0 : VrfControl.parseTable(tableText);
            // Keep what the VRF has already and is not changed here: the statement lists it all.
            for (Routing.VrfEntry e : routing.vrfs()) {
                if (e.name().equals(vrf)) {
                    for (String i : e.interfaces()) {
                        if (!ifs.contains(i)) {
                            ifs.add(i);
                        }
                    }
                    if (tableText == null) {
                        table = e.table();
                    }
                } else if (table != 0 && e.table() == table) {
                    throw new IllegalArgumentException("table " + table + " is VRF " + e.name()
                            + "'s already: a table belongs to one VRF (see ip:vrfs)");
                }
            }
            Map<String, Object> p = new java.util.HashMap<>();
            p.put("interfaces", String.join(",", ifs));
            if (table != 0) {
                p.put("table", table);
            }
            store(RoutingStatements.VRF_PID, vrf, p);
            return null;
        });
    }

    @Descriptor("remove a VRF")
    public Object unvrf(String... args) {
        return UNVRF.run(args, a -> {
            delete(RoutingStatements.VRF_PID, a.arg(0), "VRF " + a.arg(0) + " (see ip:vrfs)");
            return null;
        });
    }

    @Descriptor("show the VRFs")
    public Object vrfs(String... args) {
        return VRFS.run(args, a -> {
            Table t = new Table("VRF", "ID", "TABLE", "ROUTES", "INTERFACES");
            for (Routing.VrfEntry e : routing.vrfs()) {
                t.row(e.name(), e.id(), e.table() == 0 ? "-" : e.table(), e.routes(),
                        e.interfaces().isEmpty() ? "-" : String.join(",", e.interfaces()));
            }
            return t.toString();
        });
    }

    @Descriptor("show the FPM listener (routes from FRR)")
    public Object fpm(String... args) {
        return FPM.run(args, a -> {
            FpmServer f = ((VrfControl) routing).fpm;
            if (f == null) {
                return "no FPM listener; add one with config:load of a file holding: fpm listen=127.0.0.1:2620"
                        + " (and in FRR's zebra: fpm address 127.0.0.1 port 2620, no fpm use-next-hop-groups)";
            }
            FpmServer.Status s = f.status();
            StringBuilder sb = new StringBuilder();
            sb.append("listening ").append(s.listen()).append("  peer ").append(s.peer())
                    .append("  connections ").append(s.connections()).append("  messages ").append(s.messages())
                    .append("  routes ").append(s.routes()).append("  label routes ").append(s.labelRoutes()).append('\n');
            if (!s.keptAside().isEmpty()) {
                Table t = new Table("TABLE (NO VRF)", "ROUTES KEPT ASIDE");
                s.keptAside().forEach((table, n) -> t.row(table, n));
                sb.append(t);
            }
            if (!s.refused().isEmpty()) {
                Table t = new Table("NOT APPLIED AS SENT", "MESSAGES");
                s.refused().forEach((reason, n) -> t.row(reason, n));
                sb.append(t);
            }
            return sb.toString().stripTrailing();
        });
    }

    @Descriptor("show neighbours")
    public Object neighbours(String... args) {
        return NEIGHBOURS.run(args, a -> {
            Table t = new Table("INTERFACE", "ADDRESS", "MAC", "AGE-MS");
            routing.neighbours().forEach(x -> t.row(x.iface(), x.address(), x.mac(), x.ageMillis()));
            return t.isEmpty() ? "no neighbours" : t.toString();
        });
    }

    @Descriptor("announce an interface's addresses to its link (gratuitous ARP, unsolicited NA)")
    public Object announce(String... args) {
        return ANNOUNCE.run(args, a -> {
            int n = routing.announce(a.arg(0));
            return "announcing " + n + (n == 1 ? " address" : " addresses") + " on " + a.arg(0);
        });
    }

    @Descriptor("show the ECMP groups (routes with several gateways)")
    public Object ecmp(String... args) {
        return ECMP.run(args, a -> {
            java.util.Map<String, String> macs = new java.util.HashMap<>();
            for (Routing.NeighbourEntry n : routing.neighbours()) {
                macs.put(n.iface() + " " + n.address(), n.mac());
            }
            Table t = new Table("GROUP", "ROUTES", "E.G.", "GATEWAY", "INTERFACE", "NEIGHBOUR");
            int id = 0;
            for (Routing.EcmpGroup g : routing.ecmpGroups(a.get("vrf", VrfControl.DEFAULT))) {
                id++;
                for (int i = 0; i < g.gateways().size(); i++) {
                    String gw = g.gateways().get(i), iface = g.interfaces().get(i);
                    t.row(i == 0 ? Integer.toString(id) : "", i == 0 ? Integer.toString(g.routes()) : "", i == 0 ? g.example() : "",
                            gw, iface, macs.getOrDefault(iface + " " + gw, "unresolved"));
                }
            }
            return t.isEmpty() ? "no ECMP groups (a route with several reachable gateways makes one: ip:route --via A,B PREFIX)"
                    : t.toString();
        });
    }
}
