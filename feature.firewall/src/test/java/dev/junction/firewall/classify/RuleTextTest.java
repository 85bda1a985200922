package dev.junction.firewall.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.firewall.Rule;
import org.junit.jupiter.api.Test;

/** A rule's text reads back as the same rule (statements and the handover of hits rely on it); bad rules say why. */
class RuleTextTest {
    @Test
    void textReadsBackAsTheSameRule() {
        RuleGenerator g = new RuleGenerator(7);
        for (Rule r : g.rules(5_000)) {
            assertEquals(r, Rule.parse(r.text()), r.text());
        }
    }

    private static void refused(String text, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rule.parse(text));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void badRulesSayWhatIsWrong() {
        refused("action=permit", "a rule needs priority=N");
        refused("priority=1 action=allow", "action 'allow' is not one of permit, deny, permit+track");
        refused("priority=1 action=permit dport=80", "sport/dport need proto=tcp, udp or sctp");
        refused("priority=1 action=permit proto=tcp dport=90-80", "the first port is above the last");
        refused("priority=1 action=permit src=10.0.0.1/8", "has host bits set beyond /8 (write 10.0.0.0/8)");
        refused("priority=1 action=permit src=10.0.0.0/8 dst=2001:db8::/32", "are of two families");
        refused("priority=1 action=permit src=2001:db8::/32 proto=icmp", "proto=icmp is IPv4's and icmp6 IPv6's");
        refused("priority=1 action=permit proto=tcp flags=syn,bogus", "TCP flag 'bogus' is not one of");
        refused("priority=1 action=permit proto=udp flags=syn", "flags need proto=tcp");
        refused("priority=1 action=permit proto=tcp dport=80 fragment=yes", "fragment=yes matches later fragments");
        refused("priority=1 action=permit colour=red", "unknown key 'colour'");
        refused("priority=1 priority=2 action=permit", "'priority' given twice");
    }
}
