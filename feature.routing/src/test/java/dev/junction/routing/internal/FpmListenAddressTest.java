package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** {@code fpm listen=}: an address literal and a port, never a host name that would be looked up. */
class FpmListenAddressTest {

    @Test
    void literalsOfBothFamiliesAreTaken() {
        InetSocketAddress a = RoutingStatements.listenAddress("127.0.0.1:2620");
        assertEquals("127.0.0.1", a.getAddress().getHostAddress());
        assertEquals(2620, a.getPort());
        assertTrue(RoutingStatements.listenAddress("[::1]:2620").getAddress() instanceof java.net.Inet6Address);
    }

    /** The old check let hex words and a fifth octet through to a name lookup (found reading test.fuzz's runs). */
    @Test
    void namesAndNearLiteralsAreRefusedSayingWhy() {
        for (String bad : new String[] {"cafe:2620", "1.2.3.4.5:80", "localhost:2620", "[fe80::1%zz]:2620"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RoutingStatements.listenAddress(bad), bad);
            assertTrue(e.getMessage().contains("is not an IP address"), bad + ": " + e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> RoutingStatements.listenAddress("127.0.0.1:0"));
        assertThrows(IllegalArgumentException.class, () -> RoutingStatements.listenAddress("127.0.0.1"));
    }
}
