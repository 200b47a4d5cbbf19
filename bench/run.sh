#!/usr/bin/env bash
# run.sh — `make bench`: every benchmark, each against its anchor in the same run.
# Results go to bench/out/ (one file per benchmark) and are echoed; docs/BENCHMARKS.md
# records the figures with their command, machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPW_BENCH_ROUTES=ON >/dev/null
cmake --build build-bench --target peerwork bench_assign bench_dispatch bench_series bench_search >/dev/null
echo "== HTTP: trivial JSON vs nginx, group commit vs one commit per request"
bench/http_bench.sh "${BENCH_DURATION_S:-10}" | tee bench/out/http.txt
echo
echo "== assignment solver vs scipy"
bench/bench_assign.sh build-bench/bench_assign 9 | tee bench/out/assign.txt
echo
echo "== dispatch engine: urgent search among 1M workers, a batch round, index size"
build-bench/bench_dispatch | tee bench/out/dispatch.txt
echo
echo "== the admin's series on the six-week demo: ranged reads vs the full scans of before"
build-bench/bench_series | tee bench/out/series.txt
echo
echo "== search: 10k profiles, five query classes, beside SQLite FTS5 and a full scan"
build-bench/bench_search | tee bench/out/search.txt
echo
echo "== a batch round of 5000 with its database work (the simulator with hour-long windows)"
build-bench/peerwork simulate --seed 1 --workers 100000 --clients 100000 --hours 4 --batch-window-s 3600 \
    --policy batch 2>&1 >/dev/null | tee bench/out/round_db.txt
echo
echo "== simulator: 100k workers, a busy day, greedy vs batch (and 20k workers under contention)"
BUILD=build-bench bench/bench_sim.sh | tee bench/out/sim.txt
BUILD=build-bench WORKERS=20000 CLIENTS=30000 OUT=build-bench/bench_sim_20k bench/bench_sim.sh | tee bench/out/sim_20k.txt
