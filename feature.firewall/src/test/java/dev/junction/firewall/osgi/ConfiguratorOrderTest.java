package dev.junction.firewall.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ConfigAdmin hands statements over one by one in no order of theirs: an fw-attach that comes before
 * its set's first fw-rule waits for it instead of being lost (seen when a config was loaded again
 * into a framework whose firewall was already active: the SYN passed untracked, its answer was denied).
 */
class ConfiguratorOrderTest {
    private final List<String> switched = new ArrayList<>();
    private final FirewallControl control = new FirewallControl(new ConnTable(1 << 10),
            (node, iface, on) -> switched.add(node + " " + iface + " " + on));
    private final FirewallConfigurator conf = new FirewallConfigurator(control, vrf -> 0);

    private static Hashtable<String, Object> props(String... kv) {
        Hashtable<String, Object> p = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void anAttachmentBeforeItsSetsFirstRuleIsAppliedWhenTheRuleComes() throws Exception {
        conf.attachFactory().updated("a.1", props("name", "f1-in", "iface", "f1", "direction", "in", "set", "inside"));
        assertEquals(List.of(), control.attachments(), "no set yet: nothing attached");
        assertEquals(List.of(), switched);
        conf.ruleFactory().updated("r.1", props("name", "inside-out", "set", "inside", "priority", "10",
                "action", "permit+track", "src", "10.84.1.0/24"));
        assertEquals(List.of(new Firewall.Attachment("f1", Direction.INPUT, "inside")), control.attachments());
        assertTrue(switched.contains("fw-ip4-input f1 true"), switched.toString());

        // Deleted while waiting: never applied.
        conf.attachFactory().updated("a.2", props("name", "f2-in", "iface", "f2", "direction", "in", "set", "outside"));
        conf.attachFactory().deleted("a.2");
        conf.ruleFactory().updated("r.2", props("name", "outside-in", "set", "outside", "priority", "10",
                "action", "deny", "family", "ip4"));
        assertEquals(List.of(new Firewall.Attachment("f1", Direction.INPUT, "inside")), control.attachments());

        // An attachment whose set exists is applied at once, as before; deleting it detaches.
        conf.attachFactory().updated("a.3", props("name", "f2-in", "iface", "f2", "direction", "in", "set", "outside"));
        assertEquals(2, control.attachments().size(), control.attachments().toString());
        conf.attachFactory().deleted("a.3");
        assertEquals(1, control.attachments().size(), control.attachments().toString());
    }
}
