#!/bin/sh
# bench_assign.sh — our assignment solver against scipy on the same instances.
#
# Builds nothing: $1 is the compiled bench program (default build/bench_assign), $2 the
# repetitions (default 7), $3 the directory for the instance files (default
# build/bench_assign_data). bench_assign generates the seeded instances, writes them and
# times pw_assign_solve_*; bench/assign_scipy.py (Debian's /usr/bin/python3 with
# python3-scipy) times scipy on the same files. Both report the median solver time.
# Prints a table: instance, ours ms, scipy ms, ratio (scipy / ours), costs equal.
set -eu

bench=${1:-build/bench_assign}
reps=${2:-7}
dir=${3:-build/bench_assign_data}
here=$(dirname "$0")

if [ ! -x "$bench" ]; then
    echo "bench_assign.sh: $bench is not an executable (build it first)" >&2
    exit 2
fi
mkdir -p "$dir"
ours=$(mktemp)
theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT

"$bench" --reps "$reps" --dir "$dir" > "$ours"
/usr/bin/python3 "$here/assign_scipy.py" "$dir" "$reps" > "$theirs"

# Lines are `NAME ms MEDIAN cost COST matched N`; join them by instance name.
awk '
    NR == FNR { ms[$1] = $3; cost[$1] = $5; matched[$1] = $7; next }
    ($1 in ms) {
        equal = (cost[$1] == $5 && matched[$1] == $7) ? "yes" : "no"
        printf "| %-24s | %10.2f | %10.2f | %7.1fx | %-5s |\n", $1, ms[$1], $3, $3 / ms[$1], equal
    }
    BEGIN {
        printf "| %-24s | %10s | %10s | %8s | %-5s |\n", "instance", "ours ms", "scipy ms", "ratio", "equal"
        printf "|%s|%s|%s|%s|%s|\n", "--------------------------", "------------", "------------", "----------", "-------"
    }
' "$ours" "$theirs"
