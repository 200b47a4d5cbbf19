#!/usr/bin/env bash
# check_errors.sh — one error convention (src/base/error.h): a function that can fail
# returns PW_OK or a PW_E* code, never a bare -1 and never an errno. Fails, naming the file
# and the line, on `return -1;` and on a negated errno constant (-ENOMEM, -EINVAL, …)
# anywhere under src/. `make check` runs it, beside check_layers.sh.
#
# A line whose -1 is not a status at all (an index, a count, another library's contract)
# says so with the comment `/* not a status */` (it may go on: `/* not a status: why */`)
# and is let through. Keep them rare: a named constant (router.c's NO_ROUTE,
# PW_INDEX_NONE) says more than an exemption.
set -euo pipefail
cd "$(dirname "$0")/.."

found=$(grep -rnE --include='*.c' --include='*.h' \
    -e 'return[[:space:]]+-1[[:space:]]*;' \
    -e '(^|[^A-Za-z0-9_])-E[A-Z][A-Z0-9]*([^A-Za-z0-9_]|$)' src |
    grep -v '/\* not a status' || true)

if [ -n "$found" ]; then
    printf '%s\n' "$found" | sed 's/^/check_errors: /'
    echo "check_errors: return PW_OK or a PW_E* code (src/base/error.h), not -1 or an errno;"
    echo "check_errors: a -1 that is not a status says so with /* not a status */"
    exit 1
fi
files=$(find src -type f \( -name '*.c' -o -name '*.h' \) | wc -l)
echo "check_errors: no bare -1 or errno status in $files files"
