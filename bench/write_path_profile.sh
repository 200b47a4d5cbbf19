#!/usr/bin/env bash
# write_path_profile.sh — where the durable-write benchmark's time goes: runs wrk against
# POST /api/v1/bench/write (group commit unless --no-group-commit is passed through) and
# prints the rate, the mean jobs and seconds per commit, and the CPU each server thread
# used (from /proc/PID/task/*/stat), so a change to the write path can be judged by more
# than one number. Not part of `make bench`; see docs/BENCHMARKS.md.
# Usage: bench/write_path_profile.sh [DURATION_S] [serve flags...]   (needs build-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
shift || true
bin=build-bench/peerwork
[ -x "$bin" ] || { echo "build first: make bench (or cmake --build build-bench --target peerwork)" >&2; exit 1; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --db "$work/w.db" "$@" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
ticks() { for t in /proc/$pid/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done; }
ticks > "$work/before"
echo 'wrk.method = "POST"' > "$work/post.lua"
wrk -t2 -c64 -d"${duration}s" -s "$work/post.lua" "http://127.0.0.1:$port/api/v1/bench/write" | awk '/Requests\/sec/ {print "requests/s", $2}'
ticks > "$work/after"
curl -s "http://127.0.0.1:$port/metrics" | awk '
  /^pw_db_commit_batch_jobs_sum/ {s = $2} /^pw_db_commit_batch_jobs_count/ {c = $2} /^pw_db_commit_seconds_sum/ {t = $2}
  END {if (c > 0) printf "jobs per commit %.1f, commit %.0f us\n", s / c, t / c * 1e6}'
hz=$(getconf CLK_TCK)
paste "$work/before" "$work/after" | awk -v hz="$hz" -v d="$duration" '{cpu = ($4 - $2) / hz / d; if (cpu > 0.005) printf "thread %-14s %.2f cores\n", $1, cpu}'
