package dev.junction.firewall.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.ConfigurationException;

/** {@code fw-attach} naming an interface or a VRF: exactly one, checked whole; a refused one changes nothing. */
class AttachStatementTest {
    private final ToIntFunction<String> vrfs = name -> switch (name) {
        case "default" -> 0;
        case "blue" -> 1;
        default -> throw FirewallControl.noVrf(name);
    };
    private final FirewallControl control = new FirewallControl(new ConnTable(1 << 10), (n, i, on) -> { },
            System::nanoTime, vrfs);
    private final FirewallConfigurator conf = new FirewallConfigurator(control, vrfs);

    private static Hashtable<String, Object> props(String... kv) {
        Hashtable<String, Object> p = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    private void rule(String pid, String set) throws ConfigurationException {
        conf.ruleFactory().updated(pid, props("name", pid, "set", set, "priority", "10", "action", "permit", "family", "ip4"));
    }

    private String refusal(String pid, String... kv) {
        return assertThrows(ConfigurationException.class, () -> conf.attachFactory().updated(pid, props(kv))).getReason();
    }

    @Test
    void theSpecWantsExactlyOneOfIfaceAndVrf() {
        var spec = FirewallStatements.AttachStatement.SPEC;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec.check("x",
                Map.of("iface", "j0", "vrf", "blue", "direction", "in", "set", "s")));
        assertTrue(e.getMessage().startsWith("iface= and vrf= both given"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> spec.check("x", Map.of("direction", "in", "set", "s")));
        assertTrue(e.getMessage().startsWith("iface=IFACE or vrf=VRF is missing; write fw-attach NAME iface=IFACE"),
                e.getMessage());
        assertEquals("blue", spec.check("x", Map.of("vrf", "blue", "direction", "out", "set", "s")).get("vrf"));
        assertTrue(spec.usage().contains("[iface=IFACE] [vrf=VRF] direction=in|out set=SET"), spec.usage());
    }

    @Test
    void aVrfStatementAttachesMovesAndDetaches() throws Exception {
        rule("r.1", "tenant");
        conf.attachFactory().updated("a.1", props("name", "blue-in", "vrf", "blue", "direction", "in", "set", "tenant"));
        assertEquals(List.of(new Firewall.VrfAttachment("blue", Direction.INPUT, "tenant")), control.vrfAttachments());

        // The same statement moved onto an interface: off the VRF.
        conf.attachFactory().updated("a.1", props("name", "blue-in", "iface", "j0", "direction", "in", "set", "tenant"));
        assertEquals(List.of(), control.vrfAttachments());
        assertEquals(List.of(new Firewall.Attachment("j0", Direction.INPUT, "tenant")), control.attachments());
        conf.attachFactory().updated("a.1", props("name", "blue-in", "vrf", "blue", "direction", "in", "set", "tenant"));
        assertEquals(List.of(), control.attachments());

        // The set's last rule removed while the VRF has it: kept, empty (denies everything).
        conf.ruleFactory().deleted("r.1");
        assertTrue(control.ruleSets().containsKey("tenant"));
        conf.attachFactory().deleted("a.1");
        assertEquals(List.of(), control.vrfAttachments());
    }

    @Test
    void badStatementsAreRefusedWholeAndTheRunningOnesKept() throws Exception {
        rule("r.1", "tenant");
        conf.attachFactory().updated("a.1", props("name", "blue-in", "vrf", "blue", "direction", "in", "set", "tenant"));
        List<Firewall.VrfAttachment> running = control.vrfAttachments();

        String why = refusal("a.1", "name", "blue-in", "iface", "j0", "vrf", "blue", "direction", "in", "set", "tenant");
        assertTrue(why.startsWith("fw-attach blue-in: iface= and vrf= both given"), why);
        why = refusal("a.1", "name", "blue-in", "vrf", "red", "direction", "in", "set", "tenant");
        assertEquals("fw-attach blue-in: no VRF red (make it with ip:vrf; the default VRF is 'default')", why);
        why = refusal("a.2", "name", "red-in", "vrf", "red", "direction", "in", "set", "later");
        assertTrue(why.contains("no VRF red"), "refused at once, not left waiting for its set: " + why);
        assertEquals(running, control.vrfAttachments());
        assertEquals(List.of(), control.attachments());

        // A VRF statement before its set's first rule waits for it, as an interface's does.
        conf.attachFactory().updated("a.3", props("name", "default-out", "vrf", "default", "direction", "out", "set", "later"));
        assertEquals(running, control.vrfAttachments());
        rule("r.2", "later");
        assertEquals(List.of(new Firewall.VrfAttachment("blue", Direction.INPUT, "tenant"),
                new Firewall.VrfAttachment("default", Direction.OUTPUT, "later")), control.vrfAttachments());
    }
}
