/* solve_cmd.c — `peerwork solve-assignment [--stats] [FILE]`: the assignment solver on a
 * text instance, for tests, benchmarks and operators checking a dispatch batch by hand.
 *
 * Input (FILE, or standard input when FILE is absent or "-"): a first line
 * `TASKS WORKERS EDGES`, then EDGES lines `TASK WORKER COST` with 0-based ids and a finite
 * decimal COST (sign and exponent allowed). Fields are separated by blanks; lines holding
 * only blanks are skipped. Lines are read into a fixed buffer and the edge array grows by
 * doubling up to the declared count, itself capped by the PW_ASSIGN_* limits, so no input
 * can make the command allocate without bound. A malformed line is reported on standard
 * error with its number and the command exits 2; I/O and memory failures exit 1.
 *
 * Output: `matched N cost C`, then `TASK WORKER` per matched pair in task order. C is
 * printed with "%.6f": fixed six decimals compare exactly as text for integer and
 * fixed-point costs (money is integer minor units), and -0 is printed as 0. With --stats,
 * `solve_ms T` on standard error is the solver's own time (CLOCK_MONOTONIC). */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* getc_unlocked */
#endif
#include "dispatch/assign.h"

#include "base/clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x) /* a limit's value inside a message */

typedef struct {
    FILE *in;                            /* the instance being read */
    char line[PW_ASSIGN_LINE_MAX_BYTES]; /* the current line without its newline */
    long long line_no;                   /* 1-based number of the current line */
} reader;

typedef struct {
    int32_t n_tasks;       /* TASKS from the header */
    int32_t n_workers;     /* WORKERS from the header */
    size_t n_declared;     /* EDGES from the header */
    pw_assign_edge *edges; /* the edges read so far */
    size_t n_edges;        /* edges in edges */
    size_t capacity;       /* room in edges */
} instance;

static const char usage[] = "usage: peerwork solve-assignment [--stats] [FILE]\n"
                            "Solves a sparse assignment instance read from FILE (or standard input, also for \"-\").\n"
                            "Input: a line `TASKS WORKERS EDGES`, then EDGES lines `TASK WORKER COST`\n"
                            "(0-based ids, COST a finite decimal; blank lines are ignored).\n"
                            "Finds a matching that assigns as many tasks as possible and, among those, has the\n"
                            "least total cost. Prints `matched N cost C` (C with six decimals), then one\n"
                            "`TASK WORKER` line per matched task, in task order.\n"
                            "  --stats  also print `solve_ms T` (solver time only) on standard error\n"
                            "  --help   print this help\n"
                            "Exit status: 0 solved, 1 I/O or memory failure, 2 bad usage or malformed input.\n";

/* Not statuses but what the reader found, and parse_args' "no exit code yet". */
enum { LINE_READ = 1, LINE_END = 0, LINE_FAILED = -1, GO_ON = -1 };

/* Reads the next line that is not blank: LINE_READ, LINE_END at end of input, or
 * LINE_FAILED (message printed) when the line is too long, holds a NUL byte or the read
 * failed. */
static int read_line(reader *r)
{
    for (;;) {
        size_t len = 0;
        int c = getc_unlocked(r->in);
        if (c == EOF) {
            if (ferror(r->in)) {
                fprintf(stderr, "solve-assignment: read error after line %lld\n", r->line_no);
                return LINE_FAILED;
            }
            return LINE_END;
        }
        r->line_no++;
        for (; c != EOF && c != '\n'; c = getc_unlocked(r->in)) {
            if (c == '\0' || len + 1 >= PW_ASSIGN_LINE_MAX_BYTES) {
                fprintf(stderr, "solve-assignment: line %lld: %s\n", r->line_no,
                        c == '\0' ? "holds a NUL byte" : "too long");
                return LINE_FAILED;
            }
            r->line[len++] = (char)c;
        }
        r->line[len] = '\0';
        if (strspn(r->line, " \t\r") < len)
            return 1;
    }
}

/* Splits the current line into blank-separated fields; returns how many there were
 * (at most max are stored). */
static int split_fields(char *line, char **fields, int max)
{
    int n = 0;
    for (char *p = line;;) {
        p += strspn(p, " \t\r\n");
        if (*p == '\0')
            return n;
        if (n < max)
            fields[n] = p;
        n++;
        p += strcspn(p, " \t\r\n");
        if (*p != '\0')
            *p++ = '\0';
    }
}

/* Parses a whole field as an integer in [0, max]. */
static int parse_count(const char *field, long long max, long long *value)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(field, &end, 10);
    if (errno != 0 || end == field || *end != '\0' || v < 0 || v > max || field[0] == '+')
        return PW_EREFUSED;
    *value = v;
    return PW_OK;
}

/* Parses a whole field as a finite decimal. */
static int parse_cost(const char *field, double *value)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(field, &end);
    if (end == field || *end != '\0' || !isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return PW_EREFUSED;
    *value = v;
    return PW_OK;
}

static int bad_line(const reader *r, const char *what)
{
    fprintf(stderr, "solve-assignment: line %lld: %s\n", r->line_no, what);
    return 2;
}

/* Reads `TASKS WORKERS EDGES`. Returns 0 or an exit code (message printed). */
static int read_header(reader *r, instance *inst)
{
    char *fields[3];
    long long tasks = 0, workers = 0, edges = 0;
    int got = read_line(r);
    if (got < 0)
        return 2;
    if (got == 0) {
        fprintf(stderr, "solve-assignment: empty input: expected `TASKS WORKERS EDGES`\n");
        return 2;
    }
    if (split_fields(r->line, fields, 3) != 3)
        return bad_line(r, "expected `TASKS WORKERS EDGES`");
    if (parse_count(fields[0], PW_ASSIGN_TASKS_MAX, &tasks) < 0)
        return bad_line(r, "TASKS is not an integer in [0, " STRINGIFY(PW_ASSIGN_TASKS_MAX) "]");
    if (parse_count(fields[1], PW_ASSIGN_WORKERS_MAX, &workers) < 0)
        return bad_line(r, "WORKERS is not an integer in [0, " STRINGIFY(PW_ASSIGN_WORKERS_MAX) "]");
    if (parse_count(fields[2], PW_ASSIGN_EDGES_MAX, &edges) < 0)
        return bad_line(r, "EDGES is not an integer in [0, " STRINGIFY(PW_ASSIGN_EDGES_MAX) "]");
    inst->n_tasks = (int32_t)tasks;
    inst->n_workers = (int32_t)workers;
    inst->n_declared = (size_t)edges;
    return 0;
}

/* Appends one edge, growing the array by doubling up to the declared count. */
static int push_edge(instance *inst, pw_assign_edge edge)
{
    if (inst->n_edges == inst->capacity) {
        size_t capacity = inst->capacity ? 2 * inst->capacity : 4096;
        if (capacity > inst->n_declared)
            capacity = inst->n_declared;
        pw_assign_edge *grown = realloc(inst->edges, capacity * sizeof(*grown));
        if (!grown)
            return PW_ENOMEM;
        inst->edges = grown;
        inst->capacity = capacity;
    }
    inst->edges[inst->n_edges++] = edge;
    return PW_OK;
}

/* Reads the EDGES edge lines and checks that nothing follows. Returns 0 or an exit code. */
static int read_edges(reader *r, instance *inst)
{
    char *fields[3];
    for (;;) {
        int got = read_line(r);
        if (got < 0)
            return 2;
        if (got == 0)
            break;
        if (inst->n_edges == inst->n_declared)
            return bad_line(r, "more edge lines than EDGES declares");
        long long task = 0, worker = 0;
        double cost = 0;
        if (split_fields(r->line, fields, 3) != 3)
            return bad_line(r, "expected `TASK WORKER COST`");
        if (parse_count(fields[0], (long long)inst->n_tasks - 1, &task) < 0)
            return bad_line(r, "TASK is not an id in [0, TASKS)");
        if (parse_count(fields[1], (long long)inst->n_workers - 1, &worker) < 0)
            return bad_line(r, "WORKER is not an id in [0, WORKERS)");
        if (parse_cost(fields[2], &cost) < 0)
            return bad_line(r, "COST is not a finite decimal number");
        if (push_edge(inst, (pw_assign_edge){(int32_t)task, (int32_t)worker, cost}) < 0) {
            fprintf(stderr, "solve-assignment: out of memory at line %lld\n", r->line_no);
            return 1;
        }
    }
    if (inst->n_edges < inst->n_declared) {
        fprintf(stderr, "solve-assignment: line %lld: input ends after %zu of %zu edges\n", r->line_no + 1,
                inst->n_edges, inst->n_declared);
        return 2;
    }
    return 0;
}

/* Prints the answer. Returns 0 or 1 when standard output failed. */
static int print_result(const instance *inst, const int32_t *task_to_worker, int32_t matched, double total)
{
    if (fabs(total) < 5e-7) /* would print as -0.000000 */
        total = 0;
    printf("matched %d cost %.6f\n", (int)matched, total);
    for (int32_t t = 0; t < inst->n_tasks; t++)
        if (task_to_worker[t] >= 0)
            printf("%d %d\n", (int)t, (int)task_to_worker[t]);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "solve-assignment: cannot write the result: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* Reads the options; *path gets FILE or NULL for standard input. Returns GO_ON, or the
 * exit code (0 after --help). */
static int parse_args(int argc, char **argv, int *stats, const char **path)
{
    int options = 1, files = 0; /* options are only recognised before "--" */
    *stats = 0;
    *path = NULL;
    for (int k = 1; k < argc; k++) {
        const char *arg = argv[k];
        if (options && strcmp(arg, "--") == 0) {
            options = 0;
        } else if (options && strcmp(arg, "--stats") == 0) {
            *stats = 1;
        } else if (options && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            fputs(usage, stdout);
            return 0;
        } else if (options && arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "solve-assignment: unknown option %s (try --help)\n", arg);
            return 2;
        } else if (files++ > 0) {
            fprintf(stderr, "solve-assignment: more than one FILE (try --help)\n");
            return 2;
        } else {
            *path = strcmp(arg, "-") == 0 && options ? NULL : arg;
        }
    }
    return GO_ON;
}

/* Solves the instance read and prints the answer. Returns the exit code. */
static int solve_and_print(const instance *inst, int stats)
{
    int32_t *task_to_worker = malloc(((size_t)inst->n_tasks + 1) * sizeof(*task_to_worker));
    if (!task_to_worker) {
        fprintf(stderr, "solve-assignment: out of memory\n");
        return 1;
    }
    int32_t matched = 0;
    double total = 0;
    int64_t start_ns = pw_monotonic_ns();
    int rc = pw_assign_solve_sparse(inst->n_tasks, inst->n_workers, inst->edges, inst->n_edges, task_to_worker, &total,
                                    &matched);
    int64_t elapsed_ns = pw_monotonic_ns() - start_ns;
    int code = 0;
    if (rc < 0) {
        fprintf(stderr, "solve-assignment: solver failed: %s\n", pw_status_text(rc));
        code = rc == PW_ENOMEM ? 1 : 2;
    } else {
        code = print_result(inst, task_to_worker, matched, total);
        if (stats)
            fprintf(stderr, "solve_ms %.3f\n", (double)elapsed_ns / 1e6);
    }
    free(task_to_worker);
    return code;
}

int pw_cmd_solve_assignment(int argc, char **argv)
{
    int stats = 0;
    const char *path = NULL;
    instance inst = {0};
    reader r = {0};
    int code = parse_args(argc, argv, &stats, &path);
    if (code >= 0)
        return code;
    r.in = path ? fopen(path, "r") : stdin;
    if (!r.in) {
        fprintf(stderr, "solve-assignment: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    code = read_header(&r, &inst);
    if (code == 0)
        code = read_edges(&r, &inst);
    if (code == 0)
        code = solve_and_print(&inst, stats);
    if (path)
        fclose(r.in);
    free(inst.edges);
    return code;
}
