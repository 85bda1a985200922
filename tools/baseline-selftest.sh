#!/usr/bin/env bash
# tools/baseline-selftest.sh: proves the API baseline check of `mvn verify` (module baseline).
#
# In a temporary git worktree of HEAD (committed work only; nothing here is touched), it adds a
# method to two exported API interfaces without bumping their packages' @Version:
#   dev.junction.config.JunctionConfig (platform.core, @ProviderType, package 0.2.0)
#   dev.junction.device.NetDevice      (platform.core, @ConsumerType, package 0.1.0; a default method)
# Both are zero-major packages unchanged since the baseline, so the run also shows that 0.y.z
# packages are checked. Then:
#   1. mvn verify -pl baseline -am must fail, naming both packages and the versions bnd suggests
#      (0.3.0 and 0.4.0);
#   2. the same with -Djunction.baseline.skip=true must pass;
#   3. with the two @Version bumps it must pass.
# The worktree is removed at the end, whatever happens. Exit 0 when all three hold.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. tools/jdk.sh
jdk_setup

WT=$(mktemp -d /tmp/junction-baseline-selftest.XXXXXX)
LOG=$WT.log
cleanup() {
    git -C "$ROOT" worktree remove --force "$WT" 2>/dev/null || rm -rf "$WT"
    git -C "$ROOT" worktree prune
    rm -f "$LOG"
}
trap cleanup EXIT
git worktree add --detach "$WT" HEAD >/dev/null

fail() { echo "baseline-selftest: FAIL: $*" >&2; exit 1; }
say() { echo "baseline-selftest: $*"; }

# Adds a default method (so that no implementation has to change) after the interface's header.
add_method() {
    local file=$1 iface=$2
    grep -q "^public interface $iface {" "$file" || fail "no 'public interface $iface {' in $file"
    sed -i "s/^public interface $iface {\$/public interface $iface {\n\n    default String baselineSelftestProbe() {\n        return \"\";\n    }/" "$file"
}
set_version() {
    local file=$1 from=$2 to=$3
    grep -q "@org.osgi.annotation.versioning.Version(\"$from\")" "$file" || fail "$file is not at $from"
    sed -i "s/@org.osgi.annotation.versioning.Version(\"$from\")/@org.osgi.annotation.versioning.Version(\"$to\")/" "$file"
}
verify() {
    local rc=0
    (cd "$WT" && mvn -B verify -DskipTests -pl baseline -am "$@") >"$LOG" 2>&1 || rc=$?
    return $rc
}
show_report() { sed -n '/^API baseline against/,/^API baseline: /p' "$LOG" | sed 's/^/    /'; }

CONFIG=platform.core/src/main/java/dev/junction/config
DEVICE=platform.core/src/main/java/dev/junction/device
add_method "$WT/$CONFIG/JunctionConfig.java" JunctionConfig
add_method "$WT/$DEVICE/NetDevice.java" NetDevice
say "added JunctionConfig.baselineSelftestProbe() and NetDevice.baselineSelftestProbe(), no version bump"

say "1. mvn verify -DskipTests -pl baseline -am (must fail)"
if verify; then show_report; fail "mvn verify passed with an API change and no version bump"; fi
show_report
grep -q '^\[ERROR\].*API baseline failed for 2 packages' "$LOG" || { tail -30 "$LOG"; fail "not failed by the API baseline"; }
for want in 'Baseline mismatch for package dev.junction.config (dev.junction.platform.core): MINOR change, version is 0.2.0, baseline 0.2.0, suggest 0.3.0' \
            'Baseline mismatch for package dev.junction.device (dev.junction.platform.core): MINOR change, version is 0.1.0, baseline 0.1.0, suggest 0.2.0'; do
    grep -qF "$want" "$LOG" || fail "missing: $want"
    say "   failed as expected: $want"
done
say "   Maven's error line:"
grep -m1 '^\[ERROR\].*API baseline failed' "$LOG" | cut -c1-200 | sed 's/^/    /'

say "2. the same with -Djunction.baseline.skip=true (must pass)"
verify -Djunction.baseline.skip=true || { tail -30 "$LOG"; fail "mvn verify failed with the baseline skipped"; }
grep -q 'API baseline against' "$LOG" && fail "the baseline ran although skipped"
say "   passed, baseline skipped"

set_version "$WT/$CONFIG/package-info.java" 0.2.0 0.3.0
set_version "$WT/$DEVICE/package-info.java" 0.1.0 0.2.0
say "3. bumped dev.junction.config to 0.3.0 and dev.junction.device to 0.2.0; mvn verify (must pass)"
verify || { show_report; tail -30 "$LOG"; fail "mvn verify failed with the right version bumps"; }
show_report
grep -q '^API baseline: ok' "$LOG" || fail "no 'API baseline: ok' line"
grep -q 'BUILD SUCCESS' "$LOG" || fail "no BUILD SUCCESS"
say "   passed"
say "ok: a change without its version bump fails mvn verify, with the bump it passes"
