#!/usr/bin/env bash
# The QEMU guest harness against dpdk-testpmd as the vhost-user backend (see SelfTest.java):
#   tools/guest/selftest.sh [icmp-client|icmp-server|reconnect|two-guests ...]
# As root: installs qemu-system-x86 and dpdk-dev when missing (tools/packages.sh), builds (or finds cached) the guest, runs the
# scenarios and prints "selftest: N passed, N failed". Every QEMU and testpmd it starts is stopped.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
is_jdk25() { [ -x "$1/bin/javac" ] && "$1/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; }
JDK=""
if [ -n "${JAVA_HOME:-}" ] && is_jdk25 "$JAVA_HOME"; then JDK=$JAVA_HOME; else
    for d in /usr/lib/jvm/*; do if is_jdk25 "$d"; then JDK=$d; break; fi; done
fi
[ -n "$JDK" ] || { echo "selftest: no JDK 25 or newer found (JAVA_HOME, /usr/lib/jvm/*)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || echo "selftest: not root: installing packages will fail if they are missing" >&2
# SelfTest and TestpmdBackend live here; QemuGuest in platform.drivers.vhost's test sources.
SOURCES=("$HERE"/*.java "$ROOT/platform.drivers.vhost/src/test/java/dev/junction/drivers/vhost/guest/QemuGuest.java")
OUT=$(mktemp -d /tmp/jn-guest-selftest-classes.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
"$JDK/bin/javac" -nowarn -d "$OUT" "${SOURCES[@]}"
# SelfTest finds build-guest.sh from the working directory.
cd "$ROOT"
timeout 900 "$JDK/bin/java" -cp "$OUT" dev.junction.drivers.vhost.guest.SelfTest "$@"
