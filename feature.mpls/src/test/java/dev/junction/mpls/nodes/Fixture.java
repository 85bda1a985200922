package dev.junction.mpls.nodes;

import dev.junction.mpls.control.MplsControl;
import dev.junction.mpls.tables.MplsTables;
import dev.junction.packet.Ipv4;
import java.util.ArrayList;
import java.util.List;

/**
 * Tables and control with routing faked: gateway 10.0.1.2 is on j1 (MAC 02:bb:00:00:00:01), 10.0.2.2 on
 * j2 (02:bb:00:00:00:02); 10.0.9.2 routes out of j1 with no neighbour; VRF "blue" is id 5.
 */
public final class Fixture {
    public static final long MAC1 = 0x02_bb_00_00_00_01L, MAC2 = 0x02_bb_00_00_00_02L;
    public final MplsTables tables = new MplsTables();
    public final List<String> steered = new ArrayList<>();
    public final MplsControl control = new MplsControl(tables, new MplsControl.Resolver() {
        public int vrfId(String vrf) {
            return switch (vrf) {
                case "default" -> 0;
                case "blue" -> 5;
                default -> throw new IllegalArgumentException("no VRF " + vrf);
            };
        }

        public long resolve(int gw, int[] wish) {
            if (gw == Ipv4.parse("10.0.1.2")) {
                return 1L << 48 | MAC1;
            }
            if (gw == Ipv4.parse("10.0.2.2")) {
                return 2L << 48 | MAC2;
            }
            if (gw == Ipv4.parse("10.0.9.2")) {
                wish[0] = 1;
                wish[1] = gw;
                wish[2] = Ipv4.parse("10.0.1.1");
            }
            return -1;
        }

        public String ifName(int ifIndex) {
            return "j" + ifIndex;
        }

        public int[] interfaceVrfs() {
            return new int[] {0, 0, 5}; // j2 in blue
        }

        public int[] interfaceAddresses() {
            return new int[] {Ipv4.parse("10.0.0.1"), Ipv4.parse("10.0.1.1"), 0};
        }
    }, (vrf, prefix, index) -> {
        String s = vrf + " " + prefix + " " + index;
        steered.add(s);
        return () -> steered.remove(s);
    });
}
