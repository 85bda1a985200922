package dev.junction.firewall.control;

import dev.junction.firewall.Direction;
import dev.junction.graph.InterfaceView;
import java.util.Map;

/**
 * Every rule set and attachment at one moment: immutable, replaced whole (one volatile write) when
 * anything changes. Workers resolve it against their interface view once per change ({@link Resolved}).
 * {@code input} and {@code output} are by interface name, {@code vrfInput} and {@code vrfOutput} by
 * VRF id (what packets carry); the values are rule set names.
 */
public record Policy(Map<String, CompiledSet> sets, Map<String, String> input, Map<String, String> output,
                     Map<Integer, String> vrfInput, Map<Integer, String> vrfOutput) {
    public static final Policy EMPTY = new Policy(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    /** The policy by interface index and VRF id for one interface view. */
    public static final class Resolved {
        public final Policy policy;
        public final InterfaceView view;
        private final CompiledSet[] in, out;
        private final CompiledSet[] vrfIn, vrfOut;

        Resolved(Policy policy, InterfaceView view) {
            this.policy = policy;
            this.view = view;
            int n = view == null ? 0 : view.size();
            in = new CompiledSet[n];
            out = new CompiledSet[n];
            fill(in, policy.input);
            fill(out, policy.output);
            vrfIn = byVrf(policy.vrfInput);
            vrfOut = byVrf(policy.vrfOutput);
        }

        private void fill(CompiledSet[] by, Map<String, String> attached) {
            for (Map.Entry<String, String> e : attached.entrySet()) {
                int i = view.indexOf(e.getKey());
                if (i >= 0 && i < by.length) {
                    by[i] = policy.sets.get(e.getValue());
                }
            }
        }

        private CompiledSet[] byVrf(Map<Integer, String> attached) {
            int n = 0;
            for (int id : attached.keySet()) {
                n = Math.max(n, id + 1);
            }
            CompiledSet[] by = new CompiledSet[n];
            for (Map.Entry<Integer, String> e : attached.entrySet()) {
                if (e.getKey() >= 0) {
                    by[e.getKey()] = policy.sets.get(e.getValue());
                }
            }
            return by;
        }

        /** Made again only when the policy or the view changed (a control event), never per packet. */
        public static Resolved current(Resolved r, Policy p, InterfaceView view) {
            return r != null && r.policy == p && r.view == view ? r : new Resolved(p, view);
        }

        /** The rule set on an interface's direction, or null. */
        public CompiledSet of(Direction d, int ifIndex) {
            CompiledSet[] by = d == Direction.INPUT ? in : out;
            return ifIndex >= 0 && ifIndex < by.length ? by[ifIndex] : null;
        }

        public CompiledSet input(int ifIndex) {
            return ifIndex >= 0 && ifIndex < in.length ? in[ifIndex] : null;
        }

        public CompiledSet output(int ifIndex) {
            return ifIndex >= 0 && ifIndex < out.length ? out[ifIndex] : null;
        }

        /** The rule set on a VRF's input, or null (also for a VRF id beyond every attached one). */
        public CompiledSet vrfInput(int vrf) {
            return vrf >= 0 && vrf < vrfIn.length ? vrfIn[vrf] : null;
        }

        public CompiledSet vrfOutput(int vrf) {
            return vrf >= 0 && vrf < vrfOut.length ? vrfOut[vrf] : null;
        }
    }
}
