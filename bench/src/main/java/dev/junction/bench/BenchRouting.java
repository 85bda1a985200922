package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.packet.Ipv4;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.VrfControl;
import dev.junction.routing.internal.Vrfs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Routing on a bench engine with devices {@code gen} and {@code sink}: the routing nodes, 10.1.0.1/24
 * on gen and 10.2.0.1/24 on sink, the next hop 10.2.0.2 known, and the full IPv4 table routed via it
 * (LbBench, FirewallBench, MplsBench: what they add sits on that pipeline).
 */
final class BenchRouting {
    static final int NEXT_HOP = Ipv4.parse("10.2.0.2");
    static final long NEXT_HOP_MAC = 0x02_00_00_00_00_03L;

    final Vrfs vrfs = new Vrfs();
    final VrfControl control;
    /** The sink's interface index. */
    final int sinkIf;

    BenchRouting(Engine engine) {
        control = new VrfControl(vrfs, engine);
        for (var node : RoutingNodes.create(vrfs)) {
            engine.addNode(node, "routing");
        }
        control.defaultControl().addAddress("gen", "10.1.0.1/24");
        control.defaultControl().addAddress("sink", "10.2.0.1/24");
        sinkIf = engine.interfaces().stream().filter(s -> s.name().equals("sink"))
                .mapToInt(InterfaceStatus::index).findFirst().orElseThrow();
        vrfs.ip4(0).neighbours.learn(sinkIf, NEXT_HOP, NEXT_HOP_MAC, System.nanoTime());
    }

    /** Loads the xz-compressed table of prefixes, each via the next hop, and prints how long it took. */
    void loadFullTable(Path table) throws Exception {
        List<String> prefixes = RoutedPipelineBench.read(table);
        List<String[]> routes = new ArrayList<>(prefixes.size());
        for (String p : prefixes) {
            routes.add(new String[] {p, Ipv4.format(NEXT_HOP)});
        }
        var load = control.defaultControl().loadTable("table", routes, s -> { });
        System.out.printf(Locale.ROOT, "junction ipv4 table load: %d routes in %.2f s%n", load.routes(), load.nanos() / 1e9);
    }
}
