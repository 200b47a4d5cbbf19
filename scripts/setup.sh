#!/usr/bin/env bash
# setup.sh — installs what peerwork needs to build, test and benchmark, from Debian's
# packages and npm (package.json + package-lock.json), and nothing else. Idempotent: it
# installs only what is missing and says what it installs. Needs root (or sudo) for apt.
# Arguments name more Debian packages to install as well.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config   # the build
  libh2o-evloop-dev libssl-dev libuv1-dev        # HTTP (h2o links OpenSSL)
  libjansson-dev libsqlite3-dev sqlite3          # JSON, storage
  libsodium-dev libpq-dev                        # crypto; PostgreSQL client (scale path)
  libutf8proc-dev libstemmer-dev                 # search: Unicode folding, Snowball stemmers
  libcmocka-dev                                  # unit tests
  clang libclang-rt-14-dev                       # libFuzzer targets (fuzz-smoke in make test)
  clang-format                                   # make check: the C sources as .clang-format says
  nodejs npm                                     # API and browser tests
  chromium fonts-dejavu-core                     # browser tests
  wrk nginx-light python3-scipy bc curl          # benchmarks (nginx and scipy are the anchors)
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs from another source (e.g. NodeSource) brings npm itself: do not ask for Debian's.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/#npm/}")
fi
read -r -a missing <<<"${missing[*]:-}"

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  # nginx-light starts a service on install; the benchmark runs its own instance.
  if command -v systemctl >/dev/null 2>&1; then "${sudo_cmd[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true; fi
else
  echo "setup: Debian packages present"
fi

if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "setup: installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
