#!/usr/bin/env bash
# The stateful firewall on one core, in memory, 64-byte UDP frames, the full IPv4 table loaded,
# side by side in one run, each case in a JVM of its own (dev.junction.bench.FirewallBench):
#   routed   the IPv4 reference (RoutedPipelineBench's case, no firewall);
#   tracked  fw-ip4-input on the generator's interface (permit+track), 2^20 one-way UDP connections
#            all in the table before the timing: each packet a lookup and the rules;
#   new      the same, every packet a new connection (UDP timeout 1 s, expired once a second).
# Prints Mpps, ns and cycles per packet, bytes allocated per packet, the firewall's counters, the
# table, and the ratios. The Linux kernel beside it, on veth pairs between namespaces:
# bench/run-linux-forwarding.sh --only kernel-ct,junction-afxdp-fw (docs/PERFORMANCE.md).
# Usage: bench/run-firewall.sh [--seconds N] [--flows N] [--table-slots N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/machine.sh
. bench/stateful.sh
stateful_cases run-firewall.sh FirewallBench feature.firewall "routed tracked new" "$@"
ratio "fw tracked / routed ipv4" "junction fw-tracked" "junction ipv4-routed"
ratio "fw new connections / routed ipv4" "junction fw-new-connections" "junction ipv4-routed"
machine "CPU $CPU"
