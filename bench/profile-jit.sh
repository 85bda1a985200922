#!/usr/bin/env bash
# Where a running JVM's busiest thread spends its time, down to the instruction of the code C2 made:
# for a benchmark's worker (the JVM's busiest thread), the share of samples per compiled method, and
# the machine code of the hottest methods with each instruction's share beside it. A sample lands on
# the instruction that waited (on an out-of-order core, usually the one after a load that missed).
#
#   bench/profile-jit.sh PID [--seconds S] [--methods N] [--out DIR]
#
# e.g. a tracked-flow lb run in the background, then its profile once the timing has started:
#   java ... dev.junction.bench.LbBench data tracked --cpu 1 --seconds 20 --warmup 4 &
#   sleep 18; bench/profile-jit.sh $! --seconds 3
#
# How: `jcmd PID Compiler.perfmap` writes /tmp/perf-PID.map (moved to DIR: each compiled method's
# address and size); `perf record -e cpu-clock` samples the process (software clock: this VM has no hardware
# counters; needs root or perf_event_paranoid <= 1); the code bytes are read from /proc/PID/mem
# while the JVM runs and disassembled with objdump (no hsdis needed). Writes DIR/methods.txt and
# DIR/code-N.txt (default DIR /tmp/junction-profile-PID). Installs linux-perf and binutils if
# missing (tools/packages.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: bench/profile-jit.sh PID [--seconds S] [--methods N] [--out DIR]" >&2; exit 2; }
[ $# -ge 1 ] || usage
pid=$1 seconds=3 methods=4 out=
shift
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --methods) methods=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) usage ;;
    esac
done
[ -d "/proc/$pid" ] || { echo "profile-jit: no process $pid" >&2; exit 1; }
out=${out:-/tmp/junction-profile-$pid}
tools/packages.sh need perf objdump || exit 1
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
mkdir -p "$out"
"$JAVA_HOME/bin/jcmd" "$pid" Compiler.perfmap >/dev/null
mv "/tmp/perf-$pid.map" "$out/perf.map"
perf record -q -e cpu-clock -F 10000 -p "$pid" -o "$out/perf.data" -- sleep "$seconds" 2>/dev/null
perf script -i "$out/perf.data" -F tid,ip 2>/dev/null > "$out/samples.txt"
python3 bench/profile-jit.py "$pid" "$out/perf.map" "$out/samples.txt" "$out" "$methods"
cat "$out/methods.txt"
echo "machine code of the top $methods methods, each instruction's share of the thread's samples: $out/code-*.txt"
