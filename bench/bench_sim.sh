#!/bin/sh
# bench_sim.sh — a busy simulated day, greedy against batch, on a Release build.
#
# Builds build-bench (Release) unless $BUILD names another build directory, then runs
#   peerwork simulate --seed $SEED --workers $WORKERS --clients $CLIENTS --hours 24 --policy P
# for P in greedy and batch, and prints one table: wall seconds, speed-up (virtual time /
# wall time; the goal is > 1000x, i.e. a day in < 86.4 s), and the dispatch figures the
# policies are compared on (goals: batch fills at least as many tasks as greedy, with a
# lower mean travel, a higher total score, and an earnings Gini <= 0.25).
# Both reports are kept in $OUT (default build-bench/bench_sim) for a closer look.
# Environment: SEED (1), WORKERS (100000), CLIENTS (100000: ~150k tasks a day), BUILD, OUT.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
seed=${SEED:-1}
workers=${WORKERS:-100000}
clients=${CLIENTS:-100000}
build=${BUILD:-$here/build-bench}
out=${OUT:-$build/bench_sim}

if [ -z "${BUILD:-}" ]; then
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
    cmake --build "$build" --target peerwork > /dev/null
fi
mkdir -p "$out"

for policy in greedy batch; do
    "$build/peerwork" simulate --seed "$seed" --workers "$workers" --clients "$clients" --hours 24 \
        --policy "$policy" > "$out/$policy.txt" 2> "$out/$policy.err"
done

# The report's lines are `  label   value ...`: pick the value after a label.
field() {
    awk -v label="$2" 'index($0, "  " label " ") == 1 {
        rest = substr($0, length(label) + 4); sub(/^ +/, "", rest); print rest; exit }' "$1"
}
wall() { sed -n 's/.*wall \([0-9.]*\) s.*/\1/p' "$1"; }
speed() { sed -n 's/.*speed-up \([0-9]*\)x.*/\1/p' "$1"; }

printf '%s\n' "simulate --seed $seed --workers $workers --clients $clients --hours 24 (reports in $out)"
printf '| %-34s | %-26s | %-26s |\n' "" "greedy" "batch"
printf '|%s|%s|%s|\n' "------------------------------------" "----------------------------" "----------------------------"
row() { printf '| %-34s | %-26s | %-26s |\n' "$1" "$2" "$3"; }
row "wall seconds" "$(wall "$out/greedy.err")" "$(wall "$out/batch.err")"
row "speed-up (goal > 1000x)" "$(speed "$out/greedy.err")x" "$(speed "$out/batch.err")x"
for label in "posted" "assigned (at least once)" "completed" "expired" "fill rate (assigned / posted)" \
             "time to assign p50 / p99" "missed acks" "mean travel, local tasks" "total score (first assignments)" \
             "score / optimum" "earnings Gini, equal workers" "earnings Gini, all workers"; do
    g=$(field "$out/greedy.txt" "$label" | cut -c1-26)
    b=$(field "$out/batch.txt" "$label" | cut -c1-26)
    row "$label" "$g" "$b"
done
grep -h '^ledger verify' "$out/greedy.txt" "$out/batch.txt" | sed 's/^/  /'
