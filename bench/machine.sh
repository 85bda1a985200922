# Sourced by the bench/run-*.sh scripts: what a reader needs to judge a figure, printed with it.
# `machine EXTRA` prints one line: CPUs, model, caches, clock, kernel, the load when the script
# started and now, the date, and EXTRA (the CPUs the run used). A figure in docs/ names this line.
MACHINE_LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)
machine() {
    local caches mhz
    caches=$(lscpu 2>/dev/null | awk -F: '/^L1d cache|^L2 cache|^L3 cache/ {
        gsub(/^[ \t]+/, "", $2); sub(/ cache/, "", $1); printf "%s%s %s", sep, $1, $2; sep = ", " }')
    mhz=$(awk -F: '/^cpu MHz/ { printf "%.0f MHz", $2; exit }' /proc/cpuinfo)
    echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ${caches:-caches unknown}," \
        "${mhz:-clock unknown} (cpuinfo), kernel $(uname -r), load $MACHINE_LOAD_AT_START at start and" \
        "$(cut -d' ' -f1 /proc/loadavg) now, $(date -u '+%F %H:%M UTC')${1:+; $1}"
}

# `ratio NAME A_PATTERN B_PATTERN`: prints "ratio NAME: A/B" from the lines "A_PATTERN mpps=X ..."
# and "B_PATTERN mpps=Y ..." of the file $RESULTS (the run's own output), when both are there.
ratio() {
    local a b
    a=$(sed -n "s/^$2 mpps=\([0-9.]*\).*/\1/p" "$RESULTS")
    b=$(sed -n "s/^$3 mpps=\([0-9.]*\).*/\1/p" "$RESULTS")
    [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" -v n="$1" 'BEGIN { if (b > 0) printf "ratio %s: %.2f\n", n, a / b }'
    return 0
}
