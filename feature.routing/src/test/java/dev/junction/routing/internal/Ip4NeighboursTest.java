package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.junction.packet.Ipv4;
import dev.junction.routing.Ip4Neighbours;
import org.junit.jupiter.api.Test;

/**
 * {@code Routing.ip4Neighbours}: what ip4-rewrite's neighbour table holds, as another bundle's fast
 * path reads it: a learned MAC, a changed one, -1 for an unknown address, the wrong interface and an
 * expired entry.
 */
class Ip4NeighboursTest {

    @Test
    void answersWhatIp4RewriteWouldWrite() {
        Vrfs tables = new Vrfs();
        VrfControl routing = new VrfControl(tables, VrfTablesTest.FOUR_INTERFACES);
        Ip4Neighbours n = routing.ip4Neighbours();
        assertSame(n, routing.ip4Neighbours(), "one object for the service's life");
        int gw = Ipv4.parse("10.1.0.254");
        assertEquals(-1, n.mac(1, gw), "nothing learned yet");

        tables.neighbours4.learn(1, gw, 0x02_00_00_00_01_FEL, 1_000);
        assertEquals(0x02_00_00_00_01_FEL, n.mac(1, gw));
        assertEquals(tables.neighbours4.lookup(1, gw), n.mac(1, gw), "the same answer as ip4-rewrite's lookup");
        assertEquals(-1, n.mac(2, gw), "a neighbour is per interface");
        assertEquals(-1, n.mac(1, Ipv4.parse("10.1.0.253")));

        tables.neighbours4.learn(1, gw, 0x02_00_00_00_02_FEL, 2_000); // it moved to another MAC
        assertEquals(0x02_00_00_00_02_FEL, n.mac(1, gw));
        assertEquals(1, tables.neighbours4.expire(3_000));
        assertEquals(-1, n.mac(1, gw), "expired: back to ARP through ip4-rewrite");
    }
}
