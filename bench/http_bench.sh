#!/usr/bin/env bash
# http_bench.sh — the foundation's two benchmarks, each against its anchor in the same run:
#   1. trivial JSON (GET /healthz) req/s beside nginx serving a file of the same bytes;
#   2. durable writes (POST /api/v1/bench/write, one row each, synchronous=FULL) at 64
#      clients with group commit vs one commit per request (--no-group-commit), alternated
#      ROUNDS times (default 5) and compared by median; the disk's fdatasync latency
#      (bench/fsync_probe.c) is printed beside them, since the anchor runs at about its rate.
# Uses wrk on loopback. Builds its own Release binary with the bench-only route.
# Usage: bench/http_bench.sh [DURATION_S]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
threads=2
conns=64
build=build-bench
cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPW_BENCH_ROUTES=ON >/dev/null
cmake --build $build --target peerwork fsync_probe >/dev/null
work=$(mktemp -d)
chmod 755 "$work"   # nginx workers run as www-data
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1$2" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "no answer on $1" >&2; exit 1; }
rps() { awk '/Requests\/sec/ {print $2}'; }

start_peerwork() { # $1 port, $2 db, rest: flags
  local port=$1 db=$2; shift 2
  $build/peerwork serve --listen 127.0.0.1:$port --db "$db" "$@" 2>/dev/null &
  pids+=($!)
  wait_port "$port" /healthz
}

# ---- 1. trivial JSON vs nginx -----------------------------------------------------------
pw_port=$(free_port)
start_peerwork "$pw_port" "$work/read.db"
body=$(curl -s "http://127.0.0.1:$pw_port/healthz")
mkdir -p "$work/www"
printf '%s' "$body" > "$work/www/healthz"
ng_port=$(free_port)
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  default_type application/json;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  server { listen 127.0.0.1:$ng_port; root $work/www; location / { } }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
wait_port "$ng_port" /healthz

wrk -t$threads -c$conns -d2s "http://127.0.0.1:$pw_port/healthz" >/dev/null   # warm-up
wrk -t$threads -c$conns -d2s "http://127.0.0.1:$ng_port/healthz" >/dev/null
pw_rps=$(wrk -t$threads -c$conns -d${duration}s "http://127.0.0.1:$pw_port/healthz" | rps)
ng_rps=$(wrk -t$threads -c$conns -d${duration}s "http://127.0.0.1:$ng_port/healthz" | rps)

# ---- 2. durable writes: group commit vs one commit per request ------------------------------
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
LUA
# Both servers run side by side and the two cases alternate, $rounds times each: on a shared
# machine a single run of each can differ by 10 % from the next; the medians are compared.
rounds=${ROUNDS:-5}
gc_port=$(free_port)
start_peerwork "$gc_port" "$work/gc.db"
one_port=$(free_port)
start_peerwork "$one_port" "$work/one.db" --no-group-commit
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
gc_all=""; one_all=""
for _ in $(seq "$rounds"); do
  gc_all="$gc_all $(wrk -t$threads -c$conns -d${duration}s -s "$work/post.lua" "http://127.0.0.1:$gc_port/api/v1/bench/write" | rps)"
  one_all="$one_all $(wrk -t$threads -c$conns -d${duration}s -s "$work/post.lua" "http://127.0.0.1:$one_port/api/v1/bench/write" | rps)"
done
# The anchor runs at about the disk's fsync rate: measure it on the same file system.
disk=$($build/fsync_probe "$work" 2000)
gc_rps=$(echo "$gc_all" | median)
one_rps=$(echo "$one_all" | median)
gc_rows=$(sqlite3 "$work/gc.db" 'SELECT count(*) FROM bench_writes')
batch=$(curl -s "http://127.0.0.1:$gc_port/metrics" | awk '/^pw_db_commit_batch_jobs_sum/ {s=$2} /^pw_db_commit_batch_jobs_count/ {c=$2} END {if (c>0) printf "%.1f", s/c; else print "n/a"}')

echo "machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores; date: $(date -u +%Y-%m-%d)"
echo "disk ($(df --output=source "$work" | tail -1)): $disk"
echo "wrk -t$threads -c$conns -d${duration}s on loopback, server and wrk sharing the cores"
printf '%-44s %12s\n' "case" "req/s"
printf '%-44s %12.0f\n' "peerwork GET /healthz (${#body} bytes JSON)" "$pw_rps"
printf '%-44s %12.0f\n' "nginx static file, same bytes" "$ng_rps"
printf '%-44s %12.2f\n' "ratio peerwork / nginx (goal >= 1)" "$(echo "$pw_rps / $ng_rps" | bc -l)"
printf '%-44s %12.0f   (runs:%s)\n' "durable writes, group commit (median)" "$gc_rps" "$gc_all"
printf '%-44s %12.0f   (runs:%s)\n' "durable writes, one commit per request" "$one_rps" "$one_all"
printf '%-44s %12.1f\n' "ratio group / single (goal >= 10)" "$(echo "$gc_rps / $one_rps" | bc -l)"
printf '%-44s %12s\n' "mean jobs per group commit" "$batch"
printf '%-44s %12s\n' "rows written (group commit run)" "$gc_rows"
