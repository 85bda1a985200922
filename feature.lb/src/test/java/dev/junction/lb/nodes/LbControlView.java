package dev.junction.lb.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.junction.lb.LoadBalancer;
import dev.junction.lb.control.LbControl;

final class LbControlView {
    private LbControlView() {
    }

    static void assertBackend(LbControl lb, String key, long flows, long packets) {
        for (LoadBalancer.ServiceStatus s : lb.services()) {
            for (LoadBalancer.BackendStatus b : s.backends()) {
                if (b.spec().key().equals(key)) {
                    assertEquals(flows, b.flows(), key + " flows");
                    assertEquals(packets, b.packets(), key + " packets");
                    return;
                }
            }
        }
        throw new AssertionError("no backend " + key);
    }
}
