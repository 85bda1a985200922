package dev.junction.firewall.classify;

import dev.junction.firewall.Rule;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** The reference: every rule in rank order, the first that matches. Written from the rule's fields alone. */
final class LinearClassifier {
    private final Rule[] ranked;
    private final int[] position;

    LinearClassifier(List<Rule> rules) {
        Integer[] order = new Integer[rules.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> rules.get(i).priority()).thenComparingInt(i -> i));
        ranked = new Rule[order.length];
        position = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            ranked[i] = rules.get(order[i]);
            position[i] = order[i];
        }
    }

    /** The rank of the first matching rule, or -1. For ICMP pass type and code as the ports. */
    int classify(int family, long sh, long sl, long dh, long dl, int proto, int sport, int dport, int flags, boolean later) {
        for (int k = 0; k < ranked.length; k++) {
            Rule r = ranked[k];
            if (r.family() != 0 && r.family() != family) {
                continue;
            }
            if (r.source() != null && !r.source().contains(sh, sl) || r.destination() != null && !r.destination().contains(dh, dl)) {
                continue;
            }
            if (r.protocol() >= 0 && r.protocol() != proto) {
                continue;
            }
            if (r.fragment() == Rule.Fragment.YES && !later || r.fragment() == Rule.Fragment.NO && later) {
                continue;
            }
            if (later && r.needsTransport()) {
                continue;
            }
            boolean icmp = r.protocol() == Rule.ICMP || r.protocol() == Rule.ICMP6;
            if (icmp) {
                if (r.icmpType() >= 0 && r.icmpType() != sport || r.icmpCode() >= 0 && r.icmpCode() != dport) {
                    continue;
                }
            } else if (sport < r.sourcePortLow() || sport > r.sourcePortHigh() || dport < r.destinationPortLow()
                    || dport > r.destinationPortHigh()) {
                continue;
            }
            if ((flags & r.tcpMask()) != r.tcpFlags()) {
                continue;
            }
            return k;
        }
        return -1;
    }

    int position(int rank) {
        return position[rank];
    }
}
