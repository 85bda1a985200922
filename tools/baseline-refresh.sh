#!/usr/bin/env bash
# tools/baseline-refresh.sh COMMIT: make cnf/baseline/ the API baseline of a release.
#
# Builds, in a temporary git worktree of COMMIT, every module that exports an API package
# (a package-info.java with @Export), and puts each bundle into cnf/baseline/BSN.jar, replacing the
# old ones; cnf/baseline/README.md is updated to name COMMIT. Run it on each release with the
# release's commit (see docs/RELEASING.md), then commit cnf/baseline/. It does not install anything
# into ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. tools/jdk.sh
jdk_setup

[ $# -eq 1 ] || { echo "usage: $0 COMMIT" >&2; exit 2; }
COMMIT=$(git rev-parse --verify "$1^{commit}")
SHORT=$(git rev-parse --short "$COMMIT")

WT=$(mktemp -d /tmp/junction-baseline.XXXXXX)
cleanup() { git -C "$ROOT" worktree remove --force "$WT" 2>/dev/null || rm -rf "$WT"; git -C "$ROOT" worktree prune; }
trap cleanup EXIT
git worktree add --detach "$WT" "$COMMIT" >/dev/null

modules=$(git -C "$WT" grep -l 'annotation.bundle.Export' -- '*/src/main/java/*package-info.java' \
    | cut -d/ -f1 | sort -u | paste -sd, -)
[ -n "$modules" ] || { echo "$0: $SHORT exports no package" >&2; exit 1; }
echo "baseline-refresh: building $modules at $SHORT" >&2
# The commit's date as the build time: the same commit gives the same jars (Bundle-Version
# qualifier, zip entry times), so a refresh changes nothing when the release did not change.
STAMP=$(git show -s --format=%cI "$COMMIT")
(cd "$WT" && mvn -B -q package -DskipTests -Djunction.baseline.skip=true \
    -Dproject.build.outputTimestamp="$STAMP" -D-snapshot="${STAMP:0:4}${STAMP:5:2}${STAMP:8:2}${STAMP:11:2}${STAMP:14:2}" \
    -pl "$modules" -am)

rm -f cnf/baseline/*.jar
for m in ${modules//,/ }; do
    jar=$(ls "$WT/$m"/target/*.jar | grep -v -- '-tests\.jar$' | head -1)
    bsn=$(unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Bundle-SymbolicName: *\([^;]*\).*/\1/p')
    [ -n "$bsn" ] || { echo "$0: $jar is not a bundle" >&2; exit 1; }
    cp "$jar" "cnf/baseline/$bsn.jar"
    echo "baseline-refresh: cnf/baseline/$bsn.jar from $m" >&2
done
sed -i "s/^Commit: .*/Commit: $SHORT/" cnf/baseline/README.md
echo "baseline-refresh: done; review and commit cnf/baseline/" >&2
