package dev.junction.itests.noshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.config.JunctionConfig;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.routing.Routing;
import dev.junction.testing.Commands;
import dev.junction.testing.LinuxHosts;
import dev.junction.testing.RootOnly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Junction without the shell: the core, the Linux driver and routing resolve and start with neither
 * the shell nor Gogo in the framework, their commands stay disabled, and routing forwards between two
 * Linux hosts in namespaces.
 */
class RoutingWithoutShellTest {
    private static final String[] JUNCTION = {"dev.junction.platform.core", "dev.junction.drivers.linux",
            "dev.junction.feature.routing"};
    private final BundleContext context = FrameworkUtil.getBundle(RoutingWithoutShellTest.class).getBundleContext();

    private <T> T service(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> t = new ServiceTracker<>(context, type, null);
        t.open();
        T s = t.waitForService(10_000);
        assertTrue(s != null, "no " + type.getName() + " service within 10 s");
        return s;
    }

    private static void await(BooleanSupplier cond, long seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out after " + seconds + " s waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void theBundlesResolveAndStartWithNeitherShellNorGogo() throws Exception {
        List<String> names = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            String name = b.getSymbolicName();
            names.add(name);
            assertFalse(name.startsWith("dev.junction.shell") || name.startsWith("org.apache.felix.gogo"),
                    name + " is in a framework that must run without the shell");
        }
        for (String j : JUNCTION) {
            Bundle b = bundle(j);
            assertTrue(b != null, j + " is not installed: " + names);
            assertEquals(Bundle.ACTIVE, b.getState(), j + " did not start");
        }
        service(Dataplane.class);
        service(Routing.class);
        // The commands are registered under their class names: none of them exists here.
        for (String commands : new String[] {"dev.junction.routing.internal.RoutingCommands",
                "dev.junction.drivers.linux.LinuxCommands"}) {
            assertEquals(null, context.getServiceReference(commands), commands + " registered without the shell");
        }
    }

    @Test
    void routesBetweenTwoLinuxHosts() throws Exception {
        RootOnly.require("RoutingWithoutShellTest", "network namespaces");
        Dataplane dataplane = service(Dataplane.class);
        JunctionConfig config = service(JunctionConfig.class);
        Routing routing = service(Routing.class);
        String id = Long.toString(ProcessHandle.current().pid() % 100000);
        String h1 = "jn-ns1-" + id, h2 = "jn-ns2-" + id, v1 = "jns1-" + id, v2 = "jns2-" + id;
        try (LinuxHosts hosts = new LinuxHosts()) {
            hosts.host(h1, v1).address("10.84.1.2/24").defaultRoute("10.84.1.1");
            hosts.host(h2, v2).address("10.84.2.2/24").defaultRoute("10.84.2.1");
            load(config, "dataplane cpus=auto idle=backoff", "linux r1 iface=" + v1, "linux r2 iface=" + v2,
                    "address r1-a iface=r1 ip=10.84.1.1/24", "address r2-a iface=r2 ip=10.84.2.1/24");
            await(() -> routing.routes().stream().filter(r -> r.kind().equals("connected")).count() == 2, 30,
                    "connected routes on r1 and r2");
            dataplane.clearRuntime();
            Commands.Result ping = Commands.run(60, Commands.ns(h1, "ping", "-c", "20", "-i", "0.05", "-W", "2", "10.84.2.2"));
            assertTrue(ping.out().contains("20 packets transmitted, 20 received"),
                    ping.out() + "\ndrops: " + dataplane.drops() + "\nneighbours: " + routing.neighbours());
            InterfaceStatus r2 = find(dataplane, "r2");
            assertTrue(r2 != null && r2.counters().txPackets() >= 20, "20 echo requests out of r2: " + dataplane.interfaces());
        } finally {
            load(config, "dataplane cpus=auto idle=backoff");
        }
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals(symbolicName)) {
                return b;
            }
        }
        return null;
    }

    private static InterfaceStatus find(Dataplane dataplane, String name) {
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private static void load(JunctionConfig config, String... lines) throws Exception {
        Path f = Files.createTempFile("junction-noshell", ".conf");
        try {
            Files.writeString(f, String.join("\n", lines) + "\n");
            config.load(f);
        } finally {
            Files.delete(f);
        }
    }
}
