#!/usr/bin/env bash
# The load balancer on one core, 64-byte UDP frames, the full IPv4 table loaded, side by side in one
# run, each case in a JVM of its own (dev.junction.bench.LbBench):
#   routed   the IPv4 reference (RoutedPipelineBench's case, no VIP);
#   tracked  lb NAT, 2^20 client flows to one VIP of 16 backends, all made before the timing;
#   new      lb NAT, every packet a new 5-tuple (UDP idle timeout 20 ms, a twentieth of the table swept every 50 ms);
#   new-dsr  the same in L2 DSR mode: one entry a flow as under NAT, no rewrite, no replies through us;
#   replies  lb NAT, the backends' replies of 2^20 flows made in the table first (lb-nat4-reverse rewrites each);
#   maglev   Maglev table build, 1000 backends, M = 65537 and 655373.
# Prints Mpps, ns and cycles per packet, bytes allocated per packet, the lb counters, and the ratios.
# Usage: bench/run-lb.sh [--seconds N] [--flows N] [--table-slots N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
. bench/stateful.sh
stateful_cases run-lb.sh LbBench feature.lb "routed tracked new new-dsr replies maglev" "$@"
ratio "lb tracked / routed ipv4" "junction lb-nat-tracked" "junction ipv4-routed"
ratio "lb new flows / routed ipv4" "junction lb-nat-new-flows" "junction ipv4-routed"
ratio "lb new flows, DSR / routed ipv4" "junction lb-dsr-new-flows" "junction ipv4-routed"
ratio "lb replies / routed ipv4" "junction lb-nat-replies" "junction ipv4-routed"
machine "CPU $CPU"
