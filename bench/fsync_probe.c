/* fsync_probe — how long this disk takes to make a small overwrite durable: N times, a
 * 4 KiB pwrite into a 256 KiB file (the blocks already allocated, as in a reused WAL)
 * then fdatasync, timed; prints the median, p90 and p99 in microseconds.
 *
 * The durable-write benchmark's anchor (one commit per request) runs at about the rate
 * this allows, so bench/http_bench.sh prints it beside its ratio: the ratio group commit /
 * one commit per request says as much about the disk as about the server.
 *
 * Usage: fsync_probe DIRECTORY [N]   (default N 2000; the file is removed afterwards) */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROBE_BLOCK     4096
#define PROBE_BLOCKS    64
#define PROBE_MAX_CALLS 100000

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: fsync_probe DIRECTORY [N]\n");
        return 2;
    }
    long calls = argc == 3 ? strtol(argv[2], NULL, 10) : 2000;
    if (calls < 10 || calls > PROBE_MAX_CALLS) {
        fprintf(stderr, "fsync_probe: N must be 10..%d\n", PROBE_MAX_CALLS);
        return 2;
    }
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/fsync_probe.%ld", argv[1], (long)getpid()) >= (int)sizeof(path)) {
        fprintf(stderr, "fsync_probe: directory name too long\n");
        return 2;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "fsync_probe: %s: %s\n", path, strerror(errno));
        return 1;
    }
    static char block[PROBE_BLOCK];
    memset(block, 'w', sizeof(block));
    int64_t *ns = malloc((size_t)calls * sizeof(*ns));
    int rc = ns != NULL ? 0 : 1;
    /* Allocate and sync every block once, so the timed calls only overwrite. */
    for (int i = 0; rc == 0 && i < PROBE_BLOCKS; i++)
        if (pwrite(fd, block, sizeof(block), (off_t)i * PROBE_BLOCK) != (ssize_t)sizeof(block))
            rc = 1;
    if (rc == 0 && fsync(fd) != 0)
        rc = 1;
    for (long i = 0; rc == 0 && i < calls; i++) {
        block[0] = (char)i;
        if (pwrite(fd, block, sizeof(block), (off_t)(i % PROBE_BLOCKS) * PROBE_BLOCK) != (ssize_t)sizeof(block)) {
            rc = 1;
            break;
        }
        int64_t t0 = now_ns();
        if (fdatasync(fd) != 0) {
            rc = 1;
            break;
        }
        ns[i] = now_ns() - t0;
    }
    if (rc != 0)
        fprintf(stderr, "fsync_probe: %s: %s\n", path, strerror(errno));
    close(fd);
    unlink(path);
    if (rc == 0) {
        qsort(ns, (size_t)calls, sizeof(*ns), cmp_i64);
        printf("fdatasync of a 4 KiB overwrite, %ld calls: median %.0f us, p90 %.0f us, p99 %.0f us\n", calls,
               (double)ns[calls / 2] / 1e3, (double)ns[calls * 9 / 10] / 1e3, (double)ns[calls * 99 / 100] / 1e3);
    }
    free(ns);
    return rc;
}
