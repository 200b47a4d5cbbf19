/* assign.h — the assignment solver: match waiting tasks to workers in one batch.
 *
 * Given candidate edges (task, worker, cost), pw_assign_solve_sparse finds a matching
 * that assigns as many tasks as possible (maximum cardinality) and, among all such
 * matchings, has the least total cost. Costs are finite doubles: negative, zero and
 * tied costs are fine; a duplicated (task, worker) pair keeps its cheapest cost. The
 * work is proportional to the edges, not to n_workers: only workers that appear in an
 * edge are looked at. pw_assign_solve_dense solves the square, complete n x n case.
 *
 * Both functions are pure: no globals, no I/O, every buffer is allocated and freed
 * inside the call. They return PW_OK or a negative code (base/error.h):
 *   PW_EINVAL    a count out of range, an id outside [0, n), a NaN or infinite cost
 *   PW_EREFUSED  a count above the limits below (no pw_error: the caller says so)
 *   PW_ENOMEM    an allocation failed
 * On error the out-parameters are left untouched.
 *
 * Exactness: with integer-valued costs (magnitudes below 2^53 / n) every intermediate
 * value is an exact integer, so the result is exactly optimal. With general decimals
 * the answer is optimal up to floating rounding, about n * 2^-52 * max|cost|. */
#ifndef PW_DISPATCH_ASSIGN_H
#define PW_DISPATCH_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

/* Limits: PW_ASSIGN_* in base/limits.h. They bound the memory one solve may take: about 48 bytes per edge and 40 per task,
 * so the largest accepted instance needs about 0.7 GB; a batch from the dispatcher is
 * orders of magnitude smaller. Workers cost nothing unless they appear in an edge, so
 * their cap only keeps ids well inside int32_t. */

typedef struct {
    int32_t task;   /* 0 <= task < n_tasks */
    int32_t worker; /* 0 <= worker < n_workers */
    double cost;    /* finite; lower is better */
} pw_assign_edge;

/* Maximum-cardinality, minimum-cost matching of tasks to workers over the given edges.
 * task_to_worker (n_tasks entries) receives each task's worker or -1 when the task is
 * unmatched; total_cost the sum of the matched edges' costs; matched the number of
 * matched tasks. edges may be NULL when n_edges is 0. */
int pw_assign_solve_sparse(int32_t n_tasks, int32_t n_workers, const pw_assign_edge *edges, size_t n_edges,
                           int32_t *task_to_worker, double *total_cost, int32_t *matched);

/* Minimum-cost perfect matching of a complete n x n problem; cost is row-major
 * (cost[row * n + col]). row_to_col (n entries) receives each row's column. */
int pw_assign_solve_dense(int32_t n, const double *cost, int32_t *row_to_col, double *total_cost);

/* `peerwork solve-assignment [--stats] [FILE]`; argv[0] is "solve-assignment".
 * Returns the process exit code: 0 solved, 1 I/O or memory failure, 2 bad usage or input. */
int pw_cmd_solve_assignment(int argc, char **argv);

#endif
