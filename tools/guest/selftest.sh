#!/usr/bin/env bash
# The QEMU guest harness against dpdk-testpmd as the vhost-user backend (see SelfTest.java):
#   tools/guest/selftest.sh [icmp-client|icmp-server|reconnect|two-guests ...]
# As root: installs qemu-system-x86 and dpdk when missing, builds (or finds cached) the guest, runs the
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
# QemuGuest.java and Testpmd.java live beside this script, or in a module's test sources once moved.
SOURCES=("$HERE/SelfTest.java")
for c in QemuGuest Testpmd; do
    f=$(ls "$HERE/$c.java" 2>/dev/null || find "$ROOT" -path '*/src/test/java/*' -name "$c.java" -not -path '*/target/*' | head -1)
    [ -n "$f" ] || { echo "selftest: $c.java not found" >&2; exit 1; }
    SOURCES+=("$f")
done
OUT=$(mktemp -d /tmp/jn-guest-selftest-classes.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
"$JDK/bin/javac" -nowarn -d "$OUT" "${SOURCES[@]}"
# SelfTest finds build-guest.sh from the working directory.
cd "$ROOT"
timeout 900 "$JDK/bin/java" -cp "$OUT" SelfTest "$@"
