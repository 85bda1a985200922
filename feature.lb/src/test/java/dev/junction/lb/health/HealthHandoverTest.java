package dev.junction.lb.health;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.lb.LoadBalancer.BackendSpec;
import dev.junction.lb.LoadBalancer.HealthSpec;
import dev.junction.lb.LoadBalancer.ServiceSpec;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The health checks' states across an update of the bundle: what one instance's checker gives
 * ({@link HealthChecker#states()}) the next one's takes ({@link HealthChecker#restore}) before its
 * first round, so a backend found down is out of the new Maglev table from the start and a run of
 * failures goes on counting where it was.
 */
class HealthHandoverTest {
    static final long MS = 1_000_000L;

    record Instance(LbControl lb, HealthChecker checker) {
        int share(String key) {
            return lb.services().get(0).backends().stream().filter(b -> b.spec().key().equals(key)).findFirst()
                    .orElseThrow().tableShare();
        }

        String state(String key) {
            return lb.health().stream().filter(h -> h.backend().equals(key)).findFirst().orElseThrow().state();
        }
    }

    /** A load balancer as the bundle makes it after its statements: one service, three checked backends. */
    static Instance instance() {
        LbControl lb = new LbControl(new FlowTable(1 << 12), vrf -> 0, new LbControl.Steering() {
            public void steer(int index, String vrf, String prefix, int family) {
            }

            public void unsteer(int index) {
            }
        });
        HealthChecker checker = new HealthChecker(lb, new ProbeSlots(), vrf -> 0, (vrf, address, family) -> "10.1.0.1");
        lb.healthChecker(checker);
        lb.addService(new ServiceSpec("web", null, "10.0.0.100", "tcp", 80, null, 0, 0));
        lb.addBackend(new BackendSpec("web", "10.1.0.2", 0, 1, false));
        lb.addBackend(new BackendSpec("web", "10.1.0.3", 0, 1, false));
        lb.addBackend(new BackendSpec("web", "10.1.0.4", 0, 1, false));
        lb.health(new HealthSpec("web", null, 1000, 300, 3, 2, 0, null));
        return new Instance(lb, checker);
    }

    @Test
    void aBackendFoundDownStaysOutOfTheTableAcrossAnUpdateAndCountsGoOn() {
        Instance old = instance();
        long now = 1_000 * MS;
        // The old instance's checks found .3 down (3 failures) and .4 one failure short of its fall.
        assertEquals(3, old.checker.restore(Map.of("web 10.1.0.2", new int[] {HealthState.UP, 0, 5},
                "web 10.1.0.3", new int[] {HealthState.DOWN, 3, 0},
                "web 10.1.0.4", new int[] {HealthState.UP, 2, 0}), now));
        assertEquals("down", old.state("10.1.0.3"));
        assertEquals(0, old.share("10.1.0.3"), "a down backend has no share of the table");
        Map<String, int[]> handed = old.checker.states();
        assertArrayEquals(new int[] {HealthState.DOWN, 3, 0}, handed.get("web 10.1.0.3"));

        Instance next = instance();
        assertTrue(next.lb.health().isEmpty(), "before the handover and the first round nothing is checked yet");
        assertTrue(next.share("10.1.0.3") > 0, "... and in the table");
        assertEquals(3, next.checker.restore(handed, now));
        assertEquals("down", next.state("10.1.0.3"));
        assertEquals(0, next.share("10.1.0.3"), "out of the new table before any probe");
        assertTrue(next.lb.isDown("web 10.1.0.3"));
        assertEquals("up", next.state("10.1.0.2"));
        assertEquals("up", next.state("10.1.0.4"));
        assertEquals(2, next.lb.health().stream().filter(h -> h.backend().equals("10.1.0.4")).findFirst().orElseThrow()
                .fails(), "the run of failures goes on where it was");
        assertTrue(next.share("10.1.0.2") > 0 && next.share("10.1.0.4") > 0, "the other two share the table");
    }

    @Test
    void statesOfBackendsNoLongerCheckedAndNonsenseAreIgnored() {
        Instance next = instance();
        assertEquals(0, next.checker.restore(Map.of("web 10.9.9.9", new int[] {HealthState.DOWN, 3, 0},
                "web 10.1.0.2", new int[] {7, 0, 0}, "web 10.1.0.3", new int[] {HealthState.DOWN}), 0));
        assertEquals("unknown", next.state("10.1.0.2"));
        assertEquals("unknown", next.state("10.1.0.3"));
        assertFalse(next.lb.isDown("web 10.1.0.3"));
    }
}
