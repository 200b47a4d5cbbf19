/* assign.c — minimum-cost maximum-cardinality assignment, sparse and dense.
 *
 * Sparse: workers are renumbered to those that appear in an edge (LSD radix sort by id,
 * O(edges)) and edges go into a CSR adjacency by task; duplicates need no pass, as only an
 * entry at a minimum is ever used. Hopcroft-Karp first finds the largest number of tasks
 * that can be matched. If that is every task, one min-cost problem remains in which every
 * row is matched; otherwise the instance is split (Dulmage-Mendelsohn): D = rows reachable
 * by alternating paths from unmatched rows, A = their columns. Every maximum matching
 * covers A from D and every row outside D from columns outside A, so exactly two such
 * full-matching problems remain (A transposed: its columns become rows). Skipping rows
 * that fail to augment would not do: an expensive task may hold a cheap one's only worker.
 * Each full-matching problem is solved Jonker-Volgenant style (LAPJVsp family): columns
 * carry potentials v, rows an implicit u, reduced costs c - u - v stay >= 0. Column
 * reduction (only when the rows can cover every column: a column left free must keep
 * v = 0), augmenting row reduction, then a shortest augmenting path per free row by
 * Dijkstra with an indexed binary heap, stopped as soon as a free column is reached at the
 * current minimum distance (ties are cheap). After each row the matching is optimal for
 * the rows matched so far, so the last one is optimal. Work is O(edges) when candidates
 * rarely collide, as in dispatch batches with many more workers than tasks.
 * Dense: Jonker-Volgenant — column reduction, reduction transfer, two capped passes of
 * augmenting row reduction, then shortest augmenting paths scanning matrix rows.
 * Integer-valued costs keep every potential an exact integer, so results are exact;
 * fractional costs are optimal up to accumulated rounding (~n ulp of the largest cost). */
#include "dispatch/assign.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"

/* ==== sparse graph =================================================================== */

typedef struct {
    int32_t n_rows;     /* rows (tasks, or columns when transposed) */
    int32_t n_cols;     /* compressed columns */
    int32_t *row_start; /* n_rows + 1 offsets into col and cost */
    int32_t *col;       /* column of each entry */
    double *cost;       /* cost of each entry */
} graph;

static void graph_free(graph *g)
{
    free(g->row_start);
    free(g->col);
    free(g->cost);
    memset(g, 0, sizeof(*g));
}

static int graph_alloc(graph *g, int32_t n_rows, int32_t n_cols, size_t n_entries)
{
    g->n_rows = n_rows;
    g->n_cols = n_cols;
    g->row_start = calloc((size_t)n_rows + 1, sizeof(*g->row_start));
    g->col = malloc((n_entries ? n_entries : 1) * sizeof(*g->col));
    g->cost = malloc((n_entries ? n_entries : 1) * sizeof(*g->cost));
    if (!g->row_start || !g->col || !g->cost) {
        graph_free(g);
        return PW_ENOMEM;
    }
    return 0;
}

/* One LSD radix pass (11-bit digit at `shift`) of edge indices by worker id. */
static void radix_pass(const pw_assign_edge *edges, size_t n, const int32_t *in, int32_t *out, unsigned shift)
{
    size_t count[2048] = {0};
    for (size_t k = 0; k < n; k++)
        count[((uint32_t)edges[in[k]].worker >> shift) & 2047u]++;
    size_t sum = 0;
    for (size_t b = 0; b < 2048; b++) {
        size_t c = count[b];
        count[b] = sum;
        sum += c;
    }
    for (size_t k = 0; k < n; k++)
        out[count[((uint32_t)edges[in[k]].worker >> shift) & 2047u]++] = in[k];
}

/* Renumbers the workers that appear in the edges in increasing id order: edge_col[e]
 * gets the compressed column of edge e, *n_cols the number of distinct workers. */
static int compress_workers(const pw_assign_edge *edges, size_t n, int32_t max_worker, int32_t *edge_col,
                            int32_t *n_cols)
{
    int result = 0;
    int32_t *a = malloc((n ? n : 1) * sizeof(*a));
    int32_t *b = malloc((n ? n : 1) * sizeof(*b));
    if (!a || !b) {
        result = PW_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < n; k++)
        a[k] = (int32_t)k;
    for (unsigned shift = 0; shift < 32 && ((uint32_t)max_worker >> shift) != 0; shift += 11) {
        radix_pass(edges, n, a, b, shift);
        int32_t *t = a;
        a = b;
        b = t;
    }
    int32_t rank = -1, last_worker = -1;
    for (size_t k = 0; k < n; k++) {
        int32_t w = edges[a[k]].worker;
        if (w != last_worker) {
            rank++;
            last_worker = w;
        }
        edge_col[a[k]] = rank;
    }
    *n_cols = rank + 1;
out:
    free(a);
    free(b);
    return result;
}

/* Builds the task-by-column adjacency of validated edges; col_worker (n_cols entries,
 * allocated here) maps each compressed column back to its worker id. */
static int graph_build(graph *g, int32_t n_tasks, const pw_assign_edge *edges, size_t n, int32_t max_worker,
                       int32_t **col_worker)
{
    int result = 0;
    int32_t n_cols = 0;
    int32_t *edge_col = malloc((n ? n : 1) * sizeof(*edge_col));
    int32_t *cursor = malloc(((size_t)n_tasks + 1) * sizeof(*cursor));
    *col_worker = NULL;
    if (!edge_col || !cursor) {
        result = PW_ENOMEM;
        goto out;
    }
    result = compress_workers(edges, n, max_worker, edge_col, &n_cols);
    if (result < 0)
        goto out;
    *col_worker = malloc(((size_t)n_cols + 1) * sizeof(**col_worker));
    result = *col_worker ? graph_alloc(g, n_tasks, n_cols, n) : PW_ENOMEM;
    if (result < 0)
        goto out;
    for (size_t e = 0; e < n; e++) {
        g->row_start[edges[e].task + 1]++;
        (*col_worker)[edge_col[e]] = edges[e].worker;
    }
    for (int32_t t = 0; t < n_tasks; t++) {
        g->row_start[t + 1] += g->row_start[t];
        cursor[t] = g->row_start[t];
    }
    for (size_t e = 0; e < n; e++) {
        int32_t at = cursor[edges[e].task]++;
        g->col[at] = edge_col[e];
        g->cost[at] = edges[e].cost;
    }
out:
    if (result < 0) {
        free(*col_worker);
        *col_worker = NULL;
    }
    free(edge_col);
    free(cursor);
    return result;
}

/* ==== sparse shortest augmenting paths ================================================ */

enum { COL_UNSEEN = 0, COL_QUEUED = 1, COL_DONE = 2 };

typedef struct {
    const graph *g;    /* the adjacency being matched */
    double *v;         /* column potentials: 0 while free, only ever lowered */
    double *dist;      /* tentative distance of each column in the current search */
    double *pred_cost; /* cost of the entry through which each column was reached */
    double *mate_cost; /* cost of each row's matched entry */
    int32_t *col_mate; /* row matched to each column, or -1 */
    int32_t *row_mate; /* column matched to each row, or -1 */
    int32_t *pred;     /* row from which each column was reached */
    int32_t *heap;     /* binary min-heap of queued columns, keyed by dist */
    int32_t *heap_at;  /* position of each queued column in heap */
    int32_t *touched;  /* columns reached by the current search */
    int32_t *times;    /* per row: columns it is the cheapest row of (column reduction) */
    uint8_t *state;    /* COL_* of each column */
    int32_t n_heap;    /* columns in heap */
    int32_t n_touched; /* columns in touched */
} ssp;

static void ssp_free(ssp *s)
{
    free(s->v);
    free(s->dist);
    free(s->pred_cost);
    free(s->mate_cost);
    free(s->col_mate);
    free(s->row_mate);
    free(s->pred);
    free(s->heap);
    free(s->heap_at);
    free(s->touched);
    free(s->times);
    free(s->state);
    memset(s, 0, sizeof(*s));
}

static int ssp_init(ssp *s, const graph *g)
{
    size_t nc = (size_t)g->n_cols + 1, nr = (size_t)g->n_rows + 1;
    memset(s, 0, sizeof(*s));
    s->g = g;
    s->v = calloc(nc, sizeof(*s->v));
    s->dist = malloc(nc * sizeof(*s->dist));
    s->pred_cost = malloc(nc * sizeof(*s->pred_cost));
    s->mate_cost = calloc(nr, sizeof(*s->mate_cost));
    s->col_mate = malloc(nc * sizeof(*s->col_mate));
    s->row_mate = malloc(nr * sizeof(*s->row_mate));
    s->pred = malloc(nc * sizeof(*s->pred));
    s->heap = malloc(nc * sizeof(*s->heap));
    s->heap_at = malloc(nc * sizeof(*s->heap_at));
    s->touched = malloc(nc * sizeof(*s->touched));
    s->times = calloc(nr, sizeof(*s->times));
    s->state = calloc(nc, sizeof(*s->state));
    if (!s->v || !s->dist || !s->pred_cost || !s->mate_cost || !s->col_mate || !s->row_mate || !s->pred || !s->heap ||
        !s->heap_at || !s->touched || !s->times || !s->state) {
        ssp_free(s);
        return PW_ENOMEM;
    }
    for (size_t j = 0; j < nc; j++) {
        s->dist[j] = INFINITY;
        s->col_mate[j] = -1;
    }
    for (size_t i = 0; i < nr; i++)
        s->row_mate[i] = -1;
    return 0;
}

static void heap_sift_up(ssp *s, int32_t at)
{
    int32_t col = s->heap[at];
    double key = s->dist[col];
    while (at > 0) {
        int32_t parent = (at - 1) / 2;
        int32_t pc = s->heap[parent];
        if (s->dist[pc] <= key)
            break;
        s->heap[at] = pc;
        s->heap_at[pc] = at;
        at = parent;
    }
    s->heap[at] = col;
    s->heap_at[col] = at;
}

static int32_t heap_pop(ssp *s)
{
    pw_assert(s->n_heap > 0);
    int32_t top = s->heap[0];
    int32_t col = s->heap[--s->n_heap];
    double key = s->dist[col];
    int32_t at = 0, n = s->n_heap;
    for (;;) {
        int32_t child = 2 * at + 1;
        if (child >= n)
            break;
        if (child + 1 < n && s->dist[s->heap[child + 1]] < s->dist[s->heap[child]])
            child++;
        if (key <= s->dist[s->heap[child]])
            break;
        s->heap[at] = s->heap[child];
        s->heap_at[s->heap[at]] = at;
        at = child;
    }
    if (n > 0) {
        s->heap[at] = col;
        s->heap_at[col] = at;
    }
    return top;
}

/* Offers distance d to column j, reached from row i through an entry of cost c. */
static void relax(ssp *s, int32_t j, double d, int32_t i, double c)
{
    if (s->state[j] == COL_UNSEEN) {
        s->state[j] = COL_QUEUED;
        s->touched[s->n_touched++] = j;
        s->dist[j] = d;
        s->pred[j] = i;
        s->pred_cost[j] = c;
        s->heap[s->n_heap] = j;
        heap_sift_up(s, s->n_heap++);
    } else if (s->state[j] == COL_QUEUED && d < s->dist[j]) {
        s->dist[j] = d;
        s->pred[j] = i;
        s->pred_cost[j] = c;
        heap_sift_up(s, s->heap_at[j]);
    }
}

static void match(ssp *s, int32_t i, int32_t j, double c)
{
    s->row_mate[i] = j;
    s->col_mate[j] = i;
    s->mate_cost[i] = c;
}

/* Assigns row r to its cheapest reduced column when that column is free (a one-step
 * Dijkstra: no potential changes). Returns 1 if it did. */
static int try_direct(ssp *s, int32_t r)
{
    const graph *g = s->g;
    int32_t best = -1;
    double best_d = INFINITY, best_c = 0;
    for (int32_t k = g->row_start[r]; k < g->row_start[r + 1]; k++) {
        int32_t j = g->col[k];
        double d = g->cost[k] - s->v[j];
        if (d < best_d || (d == best_d && s->col_mate[j] < 0)) {
            best = j;
            best_d = d;
            best_c = g->cost[k];
        }
    }
    if (best < 0 || s->col_mate[best] >= 0)
        return 0;
    match(s, r, best, best_c);
    return 1;
}

enum { NO_FREE_COLUMN = -1 }; /* shortest_path: not a status, a column that is none */

/* Dijkstra from row r. Returns the free column ending a shortest augmenting path (its
 * distance in *d_sink), or NO_FREE_COLUMN when no free column is reachable. Columns no closer than
 * the nearest free column reached so far (bound) cannot be settled before the sink, so
 * they are not queued at all; a free column at the current minimum ends the search. */
static int32_t shortest_path(ssp *s, int32_t r, double *d_sink)
{
    const graph *g = s->g;
    double bound = INFINITY, d = -INFINITY;
    for (int32_t i = r;;) {
        double base = i == r ? 0 : d - (s->mate_cost[i] - s->v[s->row_mate[i]]); /* d - u_i */
        for (int32_t k = g->row_start[i]; k < g->row_start[i + 1]; k++) {
            int32_t j = g->col[k];
            double nd = base + g->cost[k] - s->v[j];
            if (nd >= bound || s->state[j] == COL_DONE)
                continue;
            relax(s, j, nd, i, g->cost[k]);
            if (s->col_mate[j] < 0) {
                bound = s->dist[j];
                if (bound <= d) {
                    *d_sink = bound;
                    return j;
                }
            }
        }
        if (s->n_heap == 0)
            return NO_FREE_COLUMN;
        int32_t j = heap_pop(s);
        d = s->dist[j];
        if (s->col_mate[j] < 0) {
            *d_sink = d;
            return j;
        }
        s->state[j] = COL_DONE;
        i = s->col_mate[j];
    }
}

/* Lowers the potentials of the columns settled before the sink and flips the path. */
static void augment(ssp *s, int32_t r, int32_t sink, double d_sink)
{
    for (int32_t t = 0; t < s->n_touched; t++) {
        int32_t j = s->touched[t];
        if (s->state[j] == COL_DONE)
            s->v[j] += s->dist[j] - d_sink;
    }
    int32_t j = sink;
    for (;;) {
        int32_t i = s->pred[j];
        int32_t next = s->row_mate[i];
        match(s, i, j, s->pred_cost[j]);
        if (i == r)
            break;
        pw_assert(next >= 0);
        j = next;
    }
}

/* Forgets the search. */
static void reset_search(ssp *s)
{
    for (int32_t t = 0; t < s->n_touched; t++) {
        int32_t j = s->touched[t];
        s->dist[j] = INFINITY;
        s->state[j] = COL_UNSEEN;
    }
    s->n_touched = 0;
    s->n_heap = 0;
}

/* ==== augmenting row reduction ======================================================= */

typedef struct {
    int32_t j1, j2; /* cheapest and second-cheapest distinct live column, or -1 */
    double u1, u2;  /* their reduced costs c - v */
    double c1, c2;  /* their costs */
} row_best;

/* The two cheapest distinct columns of row i by reduced cost; at equal cost a free
 * column is preferred as the cheapest. */
static row_best best_two(const ssp *s, int32_t i)
{
    const graph *g = s->g;
    row_best b = {-1, -1, INFINITY, INFINITY, 0, 0};
    for (int32_t k = g->row_start[i]; k < g->row_start[i + 1]; k++) {
        int32_t j = g->col[k];
        double h = g->cost[k] - s->v[j];
        if (j == b.j1) { /* a duplicate edge */
            if (h < b.u1) {
                b.u1 = h;
                b.c1 = g->cost[k];
            }
            continue;
        }
        if (j == b.j2) {
            if (h >= b.u2)
                continue;
            b.j2 = -1;
            b.u2 = INFINITY;
        }
        if (h < b.u1 || (h == b.u1 && s->col_mate[j] < 0 && s->col_mate[b.j1] >= 0)) {
            b.j2 = b.j1;
            b.u2 = b.u1;
            b.c2 = b.c1;
            b.j1 = j;
            b.u1 = h;
            b.c1 = g->cost[k];
        } else if (h < b.u2) {
            b.j2 = j;
            b.u2 = h;
            b.c2 = g->cost[k];
        }
    }
    return b;
}

/* Augmenting row reduction (Jonker-Volgenant), two passes over the free rows to run:
 * a free row takes its cheapest column and lowers that column's potential by the gap to
 * its second cheapest (so it becomes indifferent between them); the row it evicts tries
 * again at once. Only columns that end up matched are lowered, and each matched row
 * keeps its column at its minimum reduced cost, so the searches' invariants hold. The
 * work is capped at about two scans of the edges, so floating ties cannot cycle. */
static void row_reduction(ssp *s, const uint8_t *run, uint8_t want)
{
    const graph *g = s->g;
    int64_t budget = 2 * (int64_t)g->row_start[g->n_rows] + g->n_rows;
    for (int pass = 0; pass < 2; pass++) {
        for (int32_t r = 0; r < g->n_rows; r++) {
            if ((run && run[r] != want) || s->row_mate[r] >= 0)
                continue;
            for (int32_t i = r; i >= 0 && budget > 0;) {
                budget -= 1 + g->row_start[i + 1] - g->row_start[i];
                row_best b = best_two(s, i);
                if (b.j1 < 0)
                    break;
                int32_t evicted = s->col_mate[b.j1];
                if (b.j2 >= 0 && b.u1 < b.u2) {
                    s->v[b.j1] -= b.u2 - b.u1;
                } else if (evicted >= 0) { /* a tie: take the second column if free */
                    if (b.j2 >= 0 && s->col_mate[b.j2] < 0)
                        match(s, i, b.j2, b.c2);
                    break;
                }
                if (evicted >= 0)
                    s->row_mate[evicted] = -1;
                match(s, i, b.j1, b.c1);
                i = evicted;
            }
        }
    }
}

/* Column reduction and reduction transfer (Jonker-Volgenant), only when the rows to run
 * are at least as many as the columns they reach: then a run that matches every row
 * matches every column, so potentials of any sign are fine (free columns must otherwise
 * keep potential 0). Each column's potential becomes its cheapest cost and its cheapest
 * row takes it if still free; a row that took exactly one column then moves its slack,
 * the gap to its second-cheapest column, onto that column. */
static void column_reduction(ssp *s, const uint8_t *run, uint8_t want)
{
    const graph *g = s->g;
    int32_t n_run = 0, n_live = 0;
    for (int32_t i = 0; i < g->n_rows; i++) {
        if (run && run[i] != want)
            continue;
        n_run++;
        for (int32_t k = g->row_start[i]; k < g->row_start[i + 1]; k++) {
            int32_t j = g->col[k];
            n_live += s->dist[j] == INFINITY;
            if (g->cost[k] < s->dist[j]) { /* dist, pred, pred_cost as scratch */
                s->dist[j] = g->cost[k];
                s->pred[j] = i;
            }
        }
    }
    for (int32_t j = g->n_cols - 1; j >= 0; j--) {
        if (s->dist[j] == INFINITY)
            continue;
        if (n_run >= n_live) {
            int32_t i = s->pred[j];
            s->v[j] = s->dist[j];
            if (s->times[i]++ == 0)
                match(s, i, j, s->dist[j]);
        }
        s->dist[j] = INFINITY;
    }
    for (int32_t i = 0; i < g->n_rows; i++) {
        if (s->times[i] != 1)
            continue;
        row_best b = best_two(s, i);
        pw_assert(b.j1 == s->row_mate[i] || b.u1 == b.u2);
        if (b.j2 >= 0)
            s->v[s->row_mate[i]] = s->mate_cost[i] - b.u2;
    }
}

/* Matches every row r with run[r] == want (every row when run is NULL), which the caller
 * knows can all be matched at once: column and row reduction first, then a shortest
 * augmenting path per row still free, in row order. */
static void ssp_run(ssp *s, const uint8_t *run, uint8_t want)
{
    column_reduction(s, run, want);
    row_reduction(s, run, want);
    for (int32_t r = 0; r < s->g->n_rows; r++) {
        if ((run && run[r] != want) || s->row_mate[r] >= 0 || try_direct(s, r))
            continue;
        double d_sink = 0;
        int32_t sink = shortest_path(s, r, &d_sink);
        pw_assert(sink >= 0); /* the rows to run have a full matching */
        augment(s, r, sink, d_sink);
        reset_search(s);
    }
}

/* ==== maximum cardinality (Hopcroft-Karp) ============================================== */

typedef struct {
    const graph *g;    /* the adjacency */
    int32_t *row_mate; /* column of each row, or -1 */
    int32_t *col_mate; /* row of each column, or -1 */
    int32_t *layer;    /* BFS layer of each row, -1 when unreached or exhausted */
    int32_t *next;     /* next entry each row's search will try */
    int32_t *queue;    /* BFS queue, then the DFS stack */
} cardinality;

/* Layers rows by alternating distance from the free rows; returns 1 if a free column is
 * reachable (an augmenting path exists). */
static int hk_layer(cardinality *m)
{
    const graph *g = m->g;
    int32_t head = 0, tail = 0, found = 0;
    for (int32_t i = 0; i < g->n_rows; i++) {
        m->layer[i] = m->row_mate[i] < 0 ? 0 : -1;
        m->next[i] = g->row_start[i];
        if (m->row_mate[i] < 0)
            m->queue[tail++] = i;
    }
    while (head < tail) {
        int32_t i = m->queue[head++];
        for (int32_t k = g->row_start[i]; k < g->row_start[i + 1]; k++) {
            int32_t mate = m->col_mate[g->col[k]];
            if (mate < 0)
                found = 1;
            else if (m->layer[mate] < 0) {
                m->layer[mate] = m->layer[i] + 1;
                m->queue[tail++] = mate;
            }
        }
    }
    return found;
}

/* Iterative depth-first search along the layers from free row f; flips the path found. */
static void hk_augment_from(cardinality *m, int32_t f)
{
    const graph *g = m->g;
    int32_t *stack = m->queue, top = 0;
    stack[top++] = f;
    while (top > 0) {
        int32_t i = stack[top - 1];
        if (m->next[i] == g->row_start[i + 1]) { /* exhausted: never try it again */
            m->layer[i] = -1;
            top--;
            continue;
        }
        int32_t j = g->col[m->next[i]++];
        int32_t mate = m->col_mate[j];
        if (mate >= 0) {
            if (m->layer[mate] == m->layer[i] + 1)
                stack[top++] = mate;
            continue;
        }
        for (int32_t t = top - 1; t >= 0; t--) { /* each row takes the column it tried */
            int32_t r = stack[t];
            int32_t c = g->col[m->next[r] - 1];
            m->row_mate[r] = c;
            m->col_mate[c] = r;
        }
        for (int32_t t = 0; t < top; t++) /* rows on a path are used for this phase */
            m->layer[stack[t]] = -1;
        return;
    }
}

/* A maximum matching of g, greedy first; returns its size. */
static int32_t hk_solve(cardinality *m)
{
    const graph *g = m->g;
    int32_t size = 0;
    for (int32_t j = 0; j < g->n_cols; j++)
        m->col_mate[j] = -1;
    for (int32_t i = 0; i < g->n_rows; i++) {
        m->row_mate[i] = -1;
        for (int32_t k = g->row_start[i]; k < g->row_start[i + 1] && m->row_mate[i] < 0; k++)
            if (m->col_mate[g->col[k]] < 0) {
                m->row_mate[i] = g->col[k];
                m->col_mate[g->col[k]] = i;
                size++;
            }
    }
    while (size < g->n_rows && hk_layer(m)) {
        for (int32_t i = 0; i < g->n_rows; i++)
            if (m->row_mate[i] < 0 && m->layer[i] == 0) {
                hk_augment_from(m, i);
                size += m->row_mate[i] >= 0;
            }
    }
    return size;
}

/* ==== Dulmage-Mendelsohn split (only when some task cannot be matched) ================ */

/* Copies the entries of g whose row has row_keep[i] == row_want and whose column has
 * col_keep[j] == col_want into out, transposed (columns become rows) if asked. */
static int graph_select(const graph *g, const uint8_t *row_keep, uint8_t row_want, const uint8_t *col_keep,
                        uint8_t col_want, int transpose, graph *out)
{
    size_t n = 0;
    for (int32_t i = 0; i < g->n_rows; i++)
        for (int32_t k = g->row_start[i]; row_keep[i] == row_want && k < g->row_start[i + 1]; k++)
            n += col_keep[g->col[k]] == col_want;
    int32_t n_rows = transpose ? g->n_cols : g->n_rows;
    int32_t n_cols = transpose ? g->n_rows : g->n_cols;
    int result = graph_alloc(out, n_rows, n_cols, n);
    if (result < 0)
        return result;
    for (int pass = 0; pass < 2; pass++) { /* pass 0 counts, pass 1 places */
        for (int32_t i = 0; i < g->n_rows; i++) {
            int32_t end = row_keep[i] == row_want ? g->row_start[i + 1] : g->row_start[i];
            for (int32_t k = g->row_start[i]; k < end; k++) {
                int32_t j = g->col[k];
                if (col_keep[j] != col_want)
                    continue;
                int32_t from = transpose ? j : i, to = transpose ? i : j;
                if (pass == 0) {
                    out->row_start[from + 1]++;
                    continue;
                }
                int32_t at = out->row_start[from]++;
                out->col[at] = to;
                out->cost[at] = g->cost[k];
            }
        }
        if (pass == 0) /* row_start[r] becomes the start of row r, used as a cursor */
            for (int32_t r = 0; r < n_rows; r++)
                out->row_start[r + 1] += out->row_start[r];
        else /* the cursors now hold the ends: shift them back into starts */
            for (int32_t r = n_rows; r > 0; r--)
                out->row_start[r] = out->row_start[r - 1];
        out->row_start[0] = 0;
    }
    return 0;
}

/* Marks D (in_d: rows reachable by alternating paths from an unmatched row) and A
 * (in_a: their columns) for the maximum matching m. */
static void mark_deficient(const cardinality *m, uint8_t *in_d, uint8_t *in_a, int32_t *queue)
{
    const graph *g = m->g;
    int32_t head = 0, tail = 0;
    for (int32_t i = 0; i < g->n_rows; i++)
        if (m->row_mate[i] < 0) {
            in_d[i] = 1;
            queue[tail++] = i;
        }
    while (head < tail) {
        int32_t i = queue[head++];
        for (int32_t k = g->row_start[i]; k < g->row_start[i + 1]; k++) {
            int32_t j = g->col[k];
            if (in_a[j])
                continue;
            in_a[j] = 1;
            int32_t mate = m->col_mate[j];
            pw_assert(mate >= 0); /* else an augmenting path was missed */
            if (!in_d[mate]) {
                in_d[mate] = 1;
                queue[tail++] = mate;
            }
        }
    }
}

static void cardinality_free(cardinality *m)
{
    free(m->row_mate);
    free(m->col_mate);
    free(m->layer);
    free(m->next);
    free(m->queue);
    memset(m, 0, sizeof(*m));
}

static int cardinality_init(cardinality *m, const graph *g)
{
    size_t nr = (size_t)g->n_rows + 1, nc = (size_t)g->n_cols + 1;
    m->g = g;
    m->row_mate = malloc(nr * sizeof(*m->row_mate));
    m->col_mate = malloc(nc * sizeof(*m->col_mate));
    m->layer = malloc(nr * sizeof(*m->layer));
    m->next = malloc(nr * sizeof(*m->next));
    m->queue = malloc(nr * sizeof(*m->queue));
    if (!m->row_mate || !m->col_mate || !m->layer || !m->next || !m->queue) {
        cardinality_free(m);
        return PW_ENOMEM;
    }
    return 0;
}

/* Solves a deficient instance exactly, given a maximum matching m: rows outside D on
 * columns outside A, and the columns of A (as rows) on the rows of D, both full-matching
 * problems. Fills row_col / row_cost for every row. */
static int solve_split(const cardinality *m, int32_t *row_col, double *row_cost)
{
    const graph *g = m->g;
    graph rest = {0}, flip = {0};
    ssp s_rest = {0}, s_flip = {0};
    uint8_t *in_d = calloc((size_t)g->n_rows + 1, 1);
    uint8_t *in_a = calloc((size_t)g->n_cols + 1, 1);
    int32_t *queue = malloc(((size_t)g->n_rows + 1) * sizeof(*queue));
    int result = in_d && in_a && queue ? 0 : PW_ENOMEM;
    if (result < 0)
        goto out;
    mark_deficient(m, in_d, in_a, queue);
    result = graph_select(g, in_d, 0, in_a, 0, 0, &rest);
    if (result == 0)
        result = graph_select(g, in_d, 1, in_a, 1, 1, &flip);
    if (result == 0)
        result = ssp_init(&s_rest, &rest);
    if (result == 0)
        result = ssp_init(&s_flip, &flip);
    if (result < 0)
        goto out;
    ssp_run(&s_rest, in_d, 0);
    ssp_run(&s_flip, in_a, 1);
    for (int32_t i = 0; i < g->n_rows; i++) {
        row_col[i] = in_d[i] ? -1 : s_rest.row_mate[i];
        row_cost[i] = in_d[i] ? 0 : s_rest.mate_cost[i];
        pw_assert(in_d[i] || row_col[i] >= 0);
    }
    for (int32_t j = 0; j < g->n_cols; j++) {
        if (!in_a[j])
            continue;
        int32_t i = s_flip.row_mate[j];
        pw_assert(i >= 0 && in_d[i] && row_col[i] < 0);
        row_col[i] = j;
        row_cost[i] = s_flip.mate_cost[j];
    }
out:
    ssp_free(&s_rest);
    ssp_free(&s_flip);
    graph_free(&rest);
    graph_free(&flip);
    free(in_d);
    free(in_a);
    free(queue);
    return result;
}

/* ==== sparse entry point =============================================================== */

/* Checks counts, ids and costs; *max_worker gets the largest worker id used. */
static int check_sparse(int32_t n_tasks, int32_t n_workers, const pw_assign_edge *edges, size_t n_edges,
                        int32_t *max_worker)
{
    if (n_tasks < 0 || n_workers < 0 || (n_edges > 0 && !edges))
        return PW_EINVAL;
    if (n_tasks > PW_ASSIGN_TASKS_MAX || n_workers > PW_ASSIGN_WORKERS_MAX || n_edges > PW_ASSIGN_EDGES_MAX)
        return PW_EREFUSED;
    *max_worker = 0;
    for (size_t e = 0; e < n_edges; e++) {
        const pw_assign_edge *edge = &edges[e];
        if (edge->task < 0 || edge->task >= n_tasks || edge->worker < 0 || edge->worker >= n_workers ||
            !isfinite(edge->cost))
            return PW_EINVAL;
        if (edge->worker > *max_worker)
            *max_worker = edge->worker;
    }
    return 0;
}

/* Solves a validated instance on its adjacency g: row_col / row_cost (n_rows entries)
 * receive each row's column (or -1) and its cost. */
static int solve_graph(const graph *g, int32_t *row_col, double *row_cost)
{
    cardinality m = {0};
    ssp s = {0};
    int result = cardinality_init(&m, g);
    if (result < 0)
        goto out;
    if (hk_solve(&m) < g->n_rows) {
        result = solve_split(&m, row_col, row_cost);
        goto out;
    }
    cardinality_free(&m); /* before the solver's own arrays: lower peak memory */
    result = ssp_init(&s, g);
    if (result < 0)
        goto out;
    ssp_run(&s, NULL, 0);
    memcpy(row_col, s.row_mate, (size_t)g->n_rows * sizeof(*row_col));
    memcpy(row_cost, s.mate_cost, (size_t)g->n_rows * sizeof(*row_cost));
out:
    cardinality_free(&m);
    ssp_free(&s);
    return result;
}

int pw_assign_solve_sparse(int32_t n_tasks, int32_t n_workers, const pw_assign_edge *edges, size_t n_edges,
                           int32_t *task_to_worker, double *total_cost, int32_t *matched)
{
    pw_assert((task_to_worker || n_tasks <= 0) && total_cost && matched);
    graph g = {0};
    int32_t *col_worker = NULL, *row_col = NULL, max_worker = 0;
    double *row_cost = NULL;
    int result = check_sparse(n_tasks, n_workers, edges, n_edges, &max_worker);
    if (result < 0)
        return result;
    row_col = malloc(((size_t)n_tasks + 1) * sizeof(*row_col));
    row_cost = malloc(((size_t)n_tasks + 1) * sizeof(*row_cost));
    result = row_col && row_cost ? 0 : PW_ENOMEM;
    if (result == 0)
        result = graph_build(&g, n_tasks, edges, n_edges, max_worker, &col_worker);
    if (result == 0)
        result = solve_graph(&g, row_col, row_cost);
    if (result < 0)
        goto out;
    double total = 0;
    int32_t count = 0;
    for (int32_t t = 0; t < n_tasks; t++) {
        task_to_worker[t] = row_col[t] < 0 ? -1 : col_worker[row_col[t]];
        if (row_col[t] >= 0) {
            total += row_cost[t];
            count++;
        }
    }
    *total_cost = total;
    *matched = count;
out:
    free(row_col);
    free(row_cost);
    graph_free(&g);
    free(col_worker);
    return result;
}

/* ==== dense Jonker-Volgenant =========================================================== */

typedef struct {
    int32_t n;          /* rows = columns */
    const double *c;    /* n x n costs, row-major */
    double *v;          /* column potentials */
    double *d;          /* shortest-path distance per column */
    int32_t *x;         /* column of each row, or -1 */
    int32_t *y;         /* row of each column, or -1 */
    int32_t *pred;      /* row from which each column was reached */
    int32_t *cols;      /* column order of a search: settled | at minimum | to do */
    int32_t *free_rows; /* unmatched rows */
} lap;

/* v[j] = min over rows of c[i][j]; each row that is the minimum of some column takes
 * the last such column; rows that are the minimum of exactly one column then pass their
 * slack to it (reduction transfer). Returns the number of free rows. */
static int32_t dense_reduce(lap *p)
{
    int32_t n = p->n;
    int32_t *arg = p->pred, *times = p->cols; /* scratch until the searches */
    for (int32_t j = 0; j < n; j++) {
        p->v[j] = p->c[j];
        arg[j] = 0;
    }
    for (int32_t i = 1; i < n; i++) {
        const double *row = p->c + (size_t)i * (size_t)n;
        for (int32_t j = 0; j < n; j++)
            if (row[j] < p->v[j]) {
                p->v[j] = row[j];
                arg[j] = i;
            }
    }
    for (int32_t i = 0; i < n; i++)
        times[i] = 0;
    for (int32_t j = n - 1; j >= 0; j--) {
        int32_t i = arg[j];
        if (times[i]++ == 0) {
            p->x[i] = j;
            p->y[j] = i;
        }
    }
    int32_t n_free = 0;
    for (int32_t i = 0; i < n; i++) {
        if (times[i] == 0) {
            p->free_rows[n_free++] = i;
        } else if (times[i] == 1) {
            const double *row = p->c + (size_t)i * (size_t)n;
            int32_t j1 = p->x[i];
            double mu = INFINITY;
            for (int32_t j = 0; j < n; j++)
                if (j != j1 && row[j] - p->v[j] < mu)
                    mu = row[j] - p->v[j];
            if (mu < INFINITY)
                p->v[j1] -= mu;
        }
    }
    return n_free;
}

/* One pass of augmenting row reduction over the free rows: each takes its cheapest
 * reduced column, lowering that column's potential to its second-cheapest gap, and
 * evicts the previous holder, which then tries again. Work is capped so floating ties
 * cannot cycle; whatever is still free is left to the shortest-path phase. */
static void dense_row_reduction(lap *p, int32_t n_free)
{
    int32_t n = p->n, k = 0, n_new = 0;
    int64_t budget = 8 * (int64_t)n + 64;
    while (k < n_free && budget-- > 0) {
        int32_t i = p->free_rows[k++];
        const double *row = p->c + (size_t)i * (size_t)n;
        double u1 = INFINITY, u2 = INFINITY;
        int32_t j1 = -1, j2 = -1;
        for (int32_t j = 0; j < n; j++) {
            double h = row[j] - p->v[j];
            if (h < u2) {
                if (h < u1) {
                    u2 = u1;
                    j2 = j1;
                    u1 = h;
                    j1 = j;
                } else {
                    u2 = h;
                    j2 = j;
                }
            }
        }
        int32_t i0 = p->y[j1];
        int lowered = j2 >= 0 && u1 < u2;
        if (lowered)
            p->v[j1] -= u2 - u1;
        else if (i0 >= 0 && j2 >= 0) {
            j1 = j2;
            i0 = p->y[j2];
        }
        p->x[i] = j1;
        p->y[j1] = i;
        if (i0 >= 0) {
            p->x[i0] = -1;
            if (lowered)
                p->free_rows[--k] = i0;
            else
                p->free_rows[n_new++] = i0;
        }
    }
}

/* Shortest augmenting path from free row f (dense Dijkstra), then potential update and
 * augmentation. */
static void dense_augment(lap *p, int32_t f)
{
    int32_t n = p->n, low = 0, up = 0, last = 0, end = -1;
    const double *cf = p->c + (size_t)f * (size_t)n;
    for (int32_t j = 0; j < n; j++) {
        p->d[j] = cf[j] - p->v[j];
        p->pred[j] = f;
        p->cols[j] = j;
    }
    double min = 0;
    while (end < 0) {
        if (low == up) { /* collect the columns at the new minimum distance */
            last = low;
            min = p->d[p->cols[up]];
            for (int32_t k = up; k < n; k++) {
                int32_t j = p->cols[k];
                if (p->d[j] > min)
                    continue;
                if (p->d[j] < min) {
                    up = low;
                    min = p->d[j];
                }
                p->cols[k] = p->cols[up];
                p->cols[up++] = j;
            }
            for (int32_t k = low; k < up && end < 0; k++)
                if (p->y[p->cols[k]] < 0)
                    end = p->cols[k];
            if (end >= 0)
                break;
        }
        int32_t j1 = p->cols[low++];
        int32_t i = p->y[j1];
        const double *row = p->c + (size_t)i * (size_t)n;
        double u = row[j1] - p->v[j1] - min;
        for (int32_t k = up; k < n; k++) {
            int32_t j = p->cols[k];
            double h = row[j] - p->v[j] - u;
            if (h >= p->d[j])
                continue;
            p->d[j] = h;
            p->pred[j] = i;
            if (h > min)
                continue;
            if (p->y[j] < 0) {
                end = j;
                break;
            }
            p->cols[k] = p->cols[up];
            p->cols[up++] = j;
        }
    }
    for (int32_t k = 0; k < last; k++) {
        int32_t j = p->cols[k];
        p->v[j] += p->d[j] - min;
    }
    for (int32_t j = end;;) {
        int32_t i = p->pred[j];
        int32_t next = p->x[i];
        p->y[j] = i;
        p->x[i] = j;
        if (i == f)
            break;
        j = next;
    }
}

static int32_t collect_free_rows(lap *p)
{
    int32_t n_free = 0;
    for (int32_t i = 0; i < p->n; i++)
        if (p->x[i] < 0)
            p->free_rows[n_free++] = i;
    return n_free;
}

static void lap_free(lap *p)
{
    free(p->v);
    free(p->d);
    free(p->x);
    free(p->y);
    free(p->pred);
    free(p->cols);
    free(p->free_rows);
}

int pw_assign_solve_dense(int32_t n, const double *cost, int32_t *row_to_col, double *total_cost)
{
    pw_assert((row_to_col || n <= 0) && total_cost);
    if (n < 0 || (n > 0 && !cost))
        return PW_EINVAL;
    if (n > PW_ASSIGN_DENSE_N_MAX)
        return PW_EREFUSED;
    size_t n_entries = (size_t)n * (size_t)n;
    for (size_t k = 0; k < n_entries; k++)
        if (!isfinite(cost[k]))
            return PW_EINVAL;
    size_t m = (size_t)n + 1;
    lap p = {.n = n, .c = cost};
    p.v = malloc(m * sizeof(*p.v));
    p.d = malloc(m * sizeof(*p.d));
    p.x = malloc(m * sizeof(*p.x));
    p.y = malloc(m * sizeof(*p.y));
    p.pred = malloc(m * sizeof(*p.pred));
    p.cols = malloc(m * sizeof(*p.cols));
    p.free_rows = malloc(m * sizeof(*p.free_rows));
    int result = 0;
    if (!p.v || !p.d || !p.x || !p.y || !p.pred || !p.cols || !p.free_rows) {
        result = PW_ENOMEM;
        goto out;
    }
    for (int32_t k = 0; k < n; k++)
        p.x[k] = p.y[k] = -1;
    if (n > 0) {
        int32_t n_free = dense_reduce(&p);
        for (int pass = 0; pass < 2 && n_free > 0; pass++) {
            dense_row_reduction(&p, n_free);
            n_free = collect_free_rows(&p);
        }
        for (int32_t k = 0; k < n_free; k++)
            dense_augment(&p, p.free_rows[k]);
    }
    double total = 0;
    for (int32_t i = 0; i < n; i++) {
        pw_assert(p.x[i] >= 0 && p.y[p.x[i]] == i);
        row_to_col[i] = p.x[i];
        total += cost[(size_t)i * (size_t)n + (size_t)p.x[i]];
    }
    *total_cost = total;
out:
    lap_free(&p);
    return result;
}
