#!/usr/bin/env bash
# The QEMU guest harness against dpdk-testpmd as the vhost-user backend (see SelfTest.java):
#   tools/guest/selftest.sh [icmp-client|icmp-server|reconnect|two-guests ...]
# As root: installs qemu-system-x86 and dpdk when missing, builds (or finds cached) the guest, runs the
# scenarios and prints "selftest: N passed, N failed". Every QEMU and testpmd it starts is stopped.
set -euo pipefail
cd "$(dirname "$0")"
JAVA_HOME=${JAVA_HOME:-}
if [ -z "$JAVA_HOME" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
    JAVA_HOME=""
    for d in /usr/lib/jvm/*; do
        if [ -x "$d/bin/java" ] && "$d/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then JAVA_HOME=$d; break; fi
    done
fi
[ -n "$JAVA_HOME" ] || { echo "selftest: no JDK 25 or newer found (JAVA_HOME, /usr/lib/jvm/*)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || echo "selftest: not root: installing packages will fail if they are missing" >&2
# Multi-file source launch: SelfTest.java uses QemuGuest.java and Testpmd.java beside it.
exec timeout 900 "$JAVA_HOME/bin/java" SelfTest.java "$@"
