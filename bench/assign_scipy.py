#!/usr/bin/python3
"""assign_scipy.py - times scipy on the instances bench_assign wrote, for comparison.

Run it with Debian's /usr/bin/python3 (python3-scipy). It reads DIR/manifest.txt
(`NAME KIND FILE TASKS WORKERS`, written by bench_assign) and solves every instance
REPS times: sparse ones with scipy.sparse.csgraph.min_weight_full_bipartite_matching
on a CSR biadjacency matrix, dense ones with scipy.optimize.linear_sum_assignment.
Only the solver call is timed (time.perf_counter); reading and building the matrix are
not. Prints `NAME ms MEDIAN cost COST matched N` per instance, like bench_assign.

usage: /usr/bin/python3 bench/assign_scipy.py DIR [REPS]
"""
import statistics
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


def load_sparse(path):
    """The solve-assignment text format as a CSR matrix (tasks x workers)."""
    with open(path) as f:
        tasks, workers, edges = (int(x) for x in f.readline().split())
        data = np.loadtxt(f, ndmin=2).reshape(-1, 3)
    assert len(data) == edges
    rows = data[:, 0].astype(np.int64)
    cols = data[:, 1].astype(np.int64)
    return csr_matrix((data[:, 2], (rows, cols)), shape=(tasks, workers))


def total_cost(matrix, rows, cols):
    """Sum of the chosen entries (outside the timed region)."""
    if isinstance(matrix, np.ndarray):
        return float(matrix[rows, cols].sum())
    return float(np.asarray(matrix[rows, cols]).sum())


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[-1])
    directory = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) == 3 else 7
    with open(f"{directory}/manifest.txt") as f:
        manifest = [line.split() for line in f if line.strip()]
    for name, kind, path, tasks, workers in manifest:
        if kind == "dense":
            n = int(tasks)
            matrix = np.fromfile(path, dtype="<f8").reshape(n, n)
            solve = linear_sum_assignment
        else:
            matrix = load_sparse(path)
            solve = min_weight_full_bipartite_matching
        times_ms = []
        for _ in range(reps):
            start = time.perf_counter()
            rows, cols = solve(matrix)
            times_ms.append((time.perf_counter() - start) * 1e3)
        cost = total_cost(matrix, rows, cols)
        print(f"{name} ms {statistics.median(times_ms):.3f} cost {cost:.0f} matched {len(rows)}",
              flush=True)


if __name__ == "__main__":
    main()
