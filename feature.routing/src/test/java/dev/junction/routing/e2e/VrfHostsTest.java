package dev.junction.routing.e2e;

import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.drivers.linux.AfPacketDevice;
import dev.junction.graph.PacketNode;
import dev.junction.routing.Routing;
import dev.junction.routing.internal.RoutingNodes;
import dev.junction.routing.internal.VrfControl;
import dev.junction.routing.internal.Vrfs;
import dev.junction.testing.Commands.Result;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two tenants with the same addressing, routed by one Junction in two VRFs:
 * red  a1 10.60.1.2 -- [a1 10.60.1.1 | default VRF | a2 10.60.2.1] -- a2 10.60.2.2 (answers "red")
 * blue b1 10.60.1.2 -- [b1 10.60.1.1 | VRF blue    | b2 10.60.2.1] -- b2 10.60.2.2 (answers "blue")
 * Each tenant's traffic stays in its own table: a1 reaches the red server, b1 the blue one.
 */
class VrfHostsTest {
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000);
    private final List<String> hosts = List.of("jv-a1-" + id, "jv-a2-" + id, "jv-b1-" + id, "jv-b2-" + id);
    private final List<String> links = List.of("jva1-" + id, "jva2-" + id, "jvb1-" + id, "jvb2-" + id);
    private final LinuxHosts linuxHosts = new LinuxHosts();
    private final List<AfPacketDevice> devices = new ArrayList<>();
    private Engine engine;
    private VrfControl routing;

    @BeforeEach
    void setUp() throws Exception {
        RootOnly.require("VrfHostsTest", "network namespaces");
        String[] addr = {"10.60.1.2/24", "10.60.2.2/24", "10.60.1.2/24", "10.60.2.2/24"};
        String[] gw = {"10.60.1.1", "10.60.2.1", "10.60.1.1", "10.60.2.1"};
        for (int i = 0; i < 4; i++) {
            linuxHosts.host(hosts.get(i), links.get(i)).address(addr[i]).defaultRoute(gw[i]);
        }
        engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
        String[] names = {"a1", "a2", "b1", "b2"};
        for (int i = 0; i < 4; i++) {
            AfPacketDevice d = new AfPacketDevice(names[i], links.get(i));
            devices.add(d);
            engine.addDevice(d);
        }
        Vrfs vrfs = new Vrfs();
        for (PacketNode n : RoutingNodes.create(vrfs)) {
            engine.addNode(n, "test");
        }
        routing = new VrfControl(vrfs, engine);
        routing.addAddress("a1", "10.60.1.1/24");
        routing.addAddress("a2", "10.60.2.1/24");
        routing.addAddress("b1", "10.60.1.1/24"); // in the default VRF first: it moves with its interface
        routing.bindVrf("blue", List.of("b1", "b2"));
        routing.addAddress("b2", "10.60.2.1/24");
        engine.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        for (AfPacketDevice d : devices) {
            d.close();
        }
        linuxHosts.close();
    }

    /** Starts a one-shot TCP server in {@code host} that sends {@code word} to whoever connects. */
    private Process server(String host, String word) throws Exception {
        String py = "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind(('10.60.2.2', 5003)); s.listen(1); s.settimeout(30)\n"
                + "c,_=s.accept(); c.sendall(b'" + word + "'); c.close()\n";
        return new ProcessBuilder(ns(host, "/usr/bin/python3", "-c", py)).redirectErrorStream(true).start();
    }

    private String fetch(String host) throws Exception {
        String py = "import socket, time\n"
                + "for i in range(100):\n"
                + "    try:\n"
                + "        c = socket.create_connection(('10.60.2.2', 5003), timeout=5); break\n"
                + "    except OSError: time.sleep(0.1)\n"
                + "print(c.recv(100).decode())\n";
        return run(60, ns(host, "/usr/bin/python3", "-c", py)).out().strip();
    }

    @Test
    void tenantsWithTheSameAddressesStayInTheirOwnTables() throws Exception {
        Result r = run(30, ns(hosts.get(0), "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.60.2.2"));
        assertTrue(r.out().contains("3 received"), "red pings its own 10.60.2.2: " + r.out());
        r = run(30, ns(hosts.get(2), "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.60.2.2"));
        assertTrue(r.out().contains("3 received"), "blue pings its own 10.60.2.2: " + r.out());
        r = run(30, ns(hosts.get(2), "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.60.1.1"));
        assertEquals(0, r.exit(), "Junction's address in the blue VRF answers: " + r.out());

        Process red = server(hosts.get(1), "red");
        Process blue = server(hosts.get(3), "blue");
        try {
            assertEquals("red", fetch(hosts.get(0)), "a1 reaches the red server");
            assertEquals("blue", fetch(hosts.get(2)), "b1 reaches the blue server, same address, other VRF");
        } finally {
            red.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            blue.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        List<Routing.VrfEntry> vrfs = routing.vrfs();
        assertEquals(List.of("default", "blue"), vrfs.stream().map(Routing.VrfEntry::name).toList());
        assertEquals(List.of("b1", "b2"), vrfs.get(1).interfaces());
        assertTrue(routing.routes("blue").stream().anyMatch(e -> e.prefix().equals("10.60.2.0/24") && e.iface().equals("b2")),
                routing.routes("blue").toString());
        assertTrue(routing.routes().stream().noneMatch(e -> "b2".equals(e.iface())), "the default table knows nothing of blue");

        // A route in one VRF only: blue gets 10.70.0.0/16 via its b2 host; red has no such route.
        routing.addRoute("blue", "10.70.0.0/16", "10.60.2.2", null);
        r = run(30, ns(hosts.get(0), "ping", "-c", "1", "-W", "2", "10.70.0.1"));
        assertTrue(r.out().contains("Destination Net Unreachable"), "red has no route: " + r.out());

        // Removing the VRF brings its interfaces back to the default table.
        routing.removeVrf("blue");
        assertEquals(List.of("default"), routing.vrfs().stream().map(Routing.VrfEntry::name).toList());
    }
}
