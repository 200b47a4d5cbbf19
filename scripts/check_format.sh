#!/usr/bin/env bash
# check_format.sh — the C sources are as .clang-format says (clang-format 14, Debian 12).
# `make check` runs it; `make format` rewrites the files in place. It reads the tracked
# C files under src/, tests/unit/, tests/fuzz/ and bench/, and fails naming each file that
# clang-format would change.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is missing (scripts/setup.sh installs it)"; exit 1; }
mapfile -t files < <(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'tests/fuzz/*.c' 'bench/*.c' 2>/dev/null || true)
if [ "${#files[@]}" -eq 0 ]; then
  mapfile -t files < <(find src tests/unit tests/fuzz bench -name '*.[ch]' | sort)
fi
bad=0
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "check_format: $f is not formatted (make format, or clang-format -i $f)"
    bad=1
  fi
done
[ "$bad" -eq 0 ] && echo "check_format: ${#files[@]} files formatted"
exit "$bad"
