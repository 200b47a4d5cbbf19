#!/usr/bin/env bash
# check_layers.sh — dependencies point one way (docs/ARCHITECTURE.md, "The tree"). Reads
# every `#include "…"` under src/ and fails, naming the file, the line and the rule, on an
# include that reaches a layer the including file's layer may not use. `make check` runs
# it, first in `make test`.
#
# A file's layer is its directory under src/ (src/market/tasks.c is market); src/main.c and
# src/cli.h are "top". An include is resolved as the compiler resolves quotes here: beside
# the including file first, then from src/ (the include path). System headers (<…>) are
# not ours and not checked.
#
# RULES: each layer, then the layers it may include besides its own. A directory under src/
# without a row fails the check: a new subsystem takes its place in the order here first.
RULES='
base:
store:     base
ledger:    store base
dispatch:  store base
search:    store base
market:    ledger dispatch search store base
sim:       market ledger dispatch search store base
http:      store base
api:       http sim market ledger dispatch search store base
top:       api http sim market ledger dispatch search store base
'
# ALLOW: includes that run against the order and are let through for now, one
# "src/including/file.c -> included/header.h" a line (see the file's own comment). An entry
# that matches no include any more fails the check too, so the list only shrinks.
ALLOW=scripts/layers_allow.txt

set -euo pipefail
cd "$(dirname "$0")/.."

files=$(mktemp)
trap 'rm -f "$files"' EXIT
find src -type f \( -name '*.c' -o -name '*.h' \) | sort >"$files"

# every quoted include as "file:line:text", then the rules applied to each
grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $(cat "$files") /dev/null |
awk -v rules="$RULES" -v allow_file="$ALLOW" -v files_list="$files" '
function layer_of(path,    parts, n) {
    n = split(path, parts, "/")
    if (n == 2)
        return (parts[2] == "main.c" || parts[2] == "cli.h") ? "top" : ""
    return parts[2]
}
function dir_of(path) {
    sub(/\/[^\/]*$/, "", path)
    return path
}
BEGIN {
    n = split(rules, lines, "\n")
    for (i = 1; i <= n; i++) {
        if (lines[i] !~ /:/)
            continue
        split(lines[i], kv, ":")
        name = kv[1]
        gsub(/[[:space:]]/, "", name)
        known[name] = 1
        may[name, name] = 1
        order[name] = name
        m = split(kv[2], targets, " ")
        for (k = 1; k <= m; k++) {
            may[name, targets[k]] = 1
            order[name] = order[name] ", " targets[k]
        }
    }
    while ((getline line < files_list) > 0)
        exists[line] = 1
    if ((getline line < allow_file) >= 0) {
        close(allow_file)
        while ((getline line < allow_file) > 0) {
            if (line ~ /^[[:space:]]*(#|$)/)
                continue
            if (split(line, ab, /[[:space:]]*->[[:space:]]*/) != 2) {
                printf "%s: not \"file -> included\": %s\n", allow_file, line
                bad++
                continue
            }
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", ab[1])
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", ab[2])
            allowed[ab[1] " -> " ab[2]] = 0
        }
    }
}
{
    # src/market/tasks.c:12:#include "base/clock.h"
    file = $0
    sub(/:.*/, "", file)
    rest = substr($0, length(file) + 2)
    lineno = rest
    sub(/:.*/, "", lineno)
    inc = rest
    sub(/^[^"]*"/, "", inc)
    sub(/".*/, "", inc)
    includes++
    if (!(file in seen_file))
        file_count++
    seen_file[file] = 1

    from = layer_of(file)
    if (!(from in known)) {
        printf "%s:%s: no layer for %s in the rules (scripts/check_layers.sh): give its directory a row\n",
               file, lineno, from == "" ? file : "src/" from "/"
        bad++
        next
    }
    target = dir_of(file) "/" inc
    if (!(target in exists))
        target = "src/" inc
    if (!(target in exists)) {
        printf "%s:%s: #include \"%s\" is neither beside it nor under src/\n", file, lineno, inc
        bad++
        next
    }
    to = layer_of(target)
    if ((from, to) in may)
        next
    key = file " -> " inc
    if (key in allowed) {
        allowed[key]++
        next
    }
    printf "%s:%s: %s may not include %s (%s): %s includes only %s\n", file, lineno, from, inc,
           to == "top" ? "main.c/cli.h" : to, from, order[from]
    bad++
}
END {
    for (key in allowed)
        if (allowed[key] == 0) {
            printf "%s: \"%s\" matches no include any more: delete the line\n", allow_file, key
            bad++
        }
    if (bad > 0) {
        printf "check_layers: %d problem(s); includes point one way, api -> subsystems -> store -> base (the rules: top of scripts/check_layers.sh)\n", bad
        exit 1
    }
    waived = 0
    for (key in allowed)
        waived++
    printf "check_layers: %d includes in %d files point one way", includes, file_count
    if (waived > 0)
        printf " (%d let through by %s)", waived, allow_file
    printf "\n"
}'
