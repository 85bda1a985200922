package dev.junction.firewall;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The firewall as a service. A rule set is applied whole: it is checked and compiled off the workers
 * and replaces the running one of that name with one volatile write; a bad one is refused with the
 * reason and the running one is kept. What is set through this service is not persisted (the
 * {@code fw-rules}, {@code fw-attach} and {@code fw-settings} statements are).
 */
@ProviderType
public interface Firewall {

    /** Makes or replaces rule set {@code name} with {@code rules} (in order: ties of priority go to the earlier). */
    void ruleSet(String name, List<Rule> rules);

    /** Removes a rule set; refused while it is attached (to an interface or a VRF). Returns whether there was one. */
    boolean removeRuleSet(String name);

    /** Every rule set, by name, with its rules in order. */
    Map<String, List<Rule>> ruleSets();

    /** The rules of {@code name} with their hits (summed over the workers), in order; empty if no such set. */
    List<RuleHits> hits(String name);

    /**
     * Applies {@code ruleSet} to packets received on ({@link Direction#INPUT}) or sent out of {@code iface},
     * whatever their VRF: it overrides a set attached to their VRF ({@link #attachVrf}).
     */
    void attach(String iface, Direction direction, String ruleSet);

    /** Takes the rule set off an interface's direction; returns whether one was attached. */
    boolean detach(String iface, Direction direction);

    List<Attachment> attachments();

    /**
     * Applies {@code ruleSet} to every packet of {@code direction} whose VRF is {@code vrf} (the VRF
     * the packet carries, which is also its connection-tracking zone), on every interface that has no
     * rule set of its own for that direction: an interface's attachment overrides its VRF's. Refused
     * for a VRF or a rule set that does not exist. The VRF is named, not numbered: a VRF removed and
     * made again under the same name gets the set again.
     */
    void attachVrf(String vrf, Direction direction, String ruleSet);

    /** Takes the rule set off a VRF's direction (its packets are then unattached); returns whether one was attached. */
    boolean detachVrf(String vrf, Direction direction);

    List<VrfAttachment> vrfAttachments();

    /** Tracked connections, at most {@code max}, in table order. */
    List<Session> sessions(int max);

    /** Forgets every tracked connection (their next packets are judged by the rules again); returns how many. */
    int clearSessions();

    /** Live entries and limits by zone (a zone is a VRF: tenants with the same addresses never share entries). */
    List<ZoneStatus> zones();

    /** The most entries zone {@code zone} may hold (0: the table's capacity). */
    void zoneLimit(int zone, int limit);

    /** Idle timeouts in seconds by name ({@link Timeouts#NAMES}). */
    Map<String, Long> timeouts();

    /** Sets one idle timeout, in seconds (1 and up). */
    void timeout(String name, long seconds);

    /** Whether TCP sequence numbers go unchecked (Linux's {@code tcp_be_liberal}). */
    boolean liberal();

    void liberal(boolean liberal);

    /** The table's counters: entries, capacity, connections refused by reason. */
    Map<String, Long> tableCounters();

    /** A rule and how many packets it decided. */
    record RuleHits(int index, Rule rule, long hits) {
    }

    /** A rule set on one interface's direction. */
    record Attachment(String iface, Direction direction, String ruleSet) {
    }

    /** A rule set on one VRF's direction (for the VRF's packets on interfaces without a set of their own). */
    record VrfAttachment(String vrf, Direction direction, String ruleSet) {
    }

    /**
     * A tracked connection as its first packet saw it.
     *
     * @param zone the zone (VRF id)
     * @param family 4 or 6
     * @param protocol TCP, UDP, ICMP or ICMPv6
     * @param source the originator
     * @param sourcePort its port (ICMP: the echo identifier)
     * @param destination the responder
     * @param destinationPort its port
     * @param state {@code SYN_SENT} .. {@code CLOSE} for TCP, {@code UNREPLIED} / {@code REPLIED} otherwise
     * @param idleMillis since its last packet
     * @param expiresMillis until it expires unless a packet comes
     */
    record Session(int zone, int family, int protocol, String source, int sourcePort, String destination,
                   int destinationPort, String state, long idleMillis, long expiresMillis) {
    }

    /** One zone's share of the table. */
    record ZoneStatus(int zone, long entries, long limit, long refused) {
    }

    /** The names of the timeouts and Linux's defaults (nf_conntrack_proto_tcp, _udp, _icmp), in seconds. */
    final class Timeouts {
        public static final List<String> NAMES = List.of("tcp-syn-sent", "tcp-syn-recv", "tcp-established",
                "tcp-fin-wait", "tcp-close-wait", "tcp-last-ack", "tcp-time-wait", "tcp-close", "udp", "udp-stream",
                "icmp");
        public static final List<Long> DEFAULTS = List.of(120L, 60L, 432_000L, 120L, 60L, 30L, 120L, 10L, 30L, 120L, 30L);

        private Timeouts() {
        }
    }
}
