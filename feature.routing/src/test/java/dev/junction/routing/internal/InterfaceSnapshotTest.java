package dev.junction.routing.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.InterfaceStatus;
import dev.junction.device.DeviceCounters;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * At boot, devices appear while addresses are applied: every call to interfaces() may see one more.
 * A recompute must work from one snapshot (it once sized its tables from one and indexed them from a
 * later one, and threw), and take the newcomers on the next refresh.
 */
class InterfaceSnapshotTest {
    private int calls;

    private final Dataplane growing = (Dataplane) Proxy.newProxyInstance(Dataplane.class.getClassLoader(),
            new Class<?>[] {Dataplane.class}, (proxy, method, args) -> {
                if (method.getName().equals("interfaces")) {
                    List<InterfaceStatus> out = new ArrayList<>();
                    int n = Math.min(++calls, 8); // one more device each time anyone looks
                    for (int i = 0; i < n; i++) {
                        out.add(new InterfaceStatus(i, "if" + i, "test", "02:00:00:00:00:0" + i, 1500, true, true, "l3", 1,
                                DeviceCounters.ZERO));
                    }
                    return out;
                }
                return method.getReturnType() == long.class ? 0L : null;
            });

    @Test
    void addressesOnInterfacesThatAppearMeanwhileDoNotBreakTheRecompute() {
        Vrfs vrfs = new Vrfs();
        RoutingControl control = new RoutingControl(vrfs.ip4(0), vrfs.ip6(0), growing);
        assertDoesNotThrow(() -> {
            control.addConfiguredAddress("if5", "10.5.0.1/24");
            control.addConfiguredAddress("if6", "fd06::1/64");
            control.addConfiguredRoute("10.99.0.0/16", "10.5.0.2", null);
        });
        for (int i = 0; i < 10; i++) {
            control.refresh();
        }
        assertTrue(control.routes().stream().anyMatch(r -> r.prefix().equals("10.5.0.0/24") && r.active()), control.routes().toString());
        assertTrue(control.routes().stream().anyMatch(r -> r.prefix().equals("fd06::/64") && r.active()), control.routes().toString());
        assertTrue(control.routes().stream().anyMatch(r -> r.prefix().equals("10.99.0.0/16") && r.active()), control.routes().toString());
    }
}
