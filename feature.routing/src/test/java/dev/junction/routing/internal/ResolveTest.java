package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.routing.Routing.AdjacencyEntry;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Routing.resolve}: the adjacency of the longest matching route, as the data plane's own
 * arrays hold it, in both families; null where no route matches; and it follows route changes.
 */
class ResolveTest {
    private final Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)));
    private final Vrfs vrfs = new Vrfs();
    private final RoutingControl control = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), engine);

    @BeforeEach
    void twoInterfaces() {
        engine.addDevice(new MemoryDevice("a", 0x02_00_00_00_00_0AL, TrafficProfile.defaults(), false));
        engine.addDevice(new MemoryDevice("b", 0x02_00_00_00_00_0BL, TrafficProfile.defaults(), false));
        control.addAddress("a", "10.1.0.1/24");
        control.addAddress("b", "10.2.0.1/24");
        control.addAddress("a", "fd01::1/64");
        control.addAddress("b", "fd02::1/64");
    }

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void longestMatchInBothFamilies() {
        control.addRoute("10.9.0.0/16", "10.1.0.2", null);
        control.addRoute("10.9.8.0/24", "10.2.0.7", null);
        AdjacencyEntry wide = control.resolve("10.9.1.1");
        assertEquals("forward", wide.kind());
        assertEquals("a", wide.iface());
        assertEquals("10.1.0.2", wide.via());
        AdjacencyEntry narrow = control.resolve("10.9.8.200");
        assertEquals("b", narrow.iface());
        assertEquals("10.2.0.7", narrow.via());
        AdjacencyEntry onLink = control.resolve("10.2.0.50");
        assertEquals("b", onLink.iface());
        assertNull(onLink.via(), "a connected destination is on-link");
        assertEquals("local", control.resolve("10.1.0.1").kind());
        assertNull(control.resolve("192.0.2.1"), "no route, no default: null");

        control.addRoute("fd09::/32", "fd02::9", null);
        AdjacencyEntry six = control.resolve("fd09::1");
        assertEquals(6, six.family());
        assertEquals("b", six.iface());
        assertEquals("fd02::9", six.via());
        assertNull(control.resolve("2001:db8::1"));
    }

    @Test
    void followsChangesAndShowsMultipath() {
        control.addRoute("10.9.0.0/16", "10.1.0.2", null);
        assertEquals("10.1.0.2", control.resolve("10.9.1.1").via());
        control.addRoute("10.9.0.0/16", "10.2.0.3", null); // replaced
        assertEquals("10.2.0.3", control.resolve("10.9.1.1").via());
        control.addRoute("10.9.0.0/16", "10.1.0.2,10.2.0.3", null);
        AdjacencyEntry ecmp = control.resolve("10.9.1.1");
        assertEquals("multipath", ecmp.kind());
        assertNull(ecmp.iface());
        assertEquals(2, ecmp.paths().size());
        control.removeRoute("10.9.0.0/16");
        assertNull(control.resolve("10.9.1.1"));
    }

    @Test
    void badAddressesAreRefusedWithTheForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> control.resolve("10.1.0"));
        assertTrue(e.getMessage().contains("a.b.c.d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> control.resolve("fd01::zz"));
        assertThrows(IllegalArgumentException.class, () -> control.resolve(" "));
    }
}
