/* test_log.c — unit tests of src/base/log.c, with standard error sent to a file of the
 * test's own: a line is `ts=<RFC 3339 UTC, milliseconds> level=<name> <message>\n`, levels
 * below the set one are not written (and pw_log_enabled says so), an overlong line is cut
 * to PW_LOG_LINE_MAX_BYTES and marked, and lines written by several threads at once
 * never interleave.
 *
 * Only the public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"

/* ==== helpers ========================================================================= */

/* Standard error, redirected to a temporary file opened for appending. */
typedef struct captured {
    char path[64];
    int saved; /* the real stderr */
} captured;

static void capture_start(captured *c)
{
    snprintf(c->path, sizeof(c->path), "/tmp/pw-test-log-XXXXXX");
    int fd = mkstemp(c->path);
    assert_true(fd >= 0);
    close(fd);
    fd = open(c->path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

/* Restores stderr; what was written meanwhile, as a C string the caller frees. */
static char *capture_end(captured *c)
{
    assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
    close(c->saved);
    FILE *f = fopen(c->path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    unlink(c->path);
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* ==== the line ========================================================================== */

static void test_line_format(void **state)
{
    (void)state;
    pw_log_set_level(PW_LOG_INFO);
    captured c;
    capture_start(&c);
    pw_log_info("msg=\"hello\" n=%d", 7);
    char *text = capture_end(&c);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^ts=([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z) "
                             "level=info msg=\"hello\" n=7\n$",
                             REG_EXTENDED),
                     0);
    regmatch_t m[2];
    int rc = regexec(&re, text, 2, m, 0);
    if (rc != 0)
        print_error("log line: %s", text);
    assert_int_equal(rc, 0);
    regfree(&re);
    /* the time is a real RFC 3339 instant */
    char ts[32];
    snprintf(ts, sizeof(ts), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), text + m[1].rm_so);
    int64_t ms = 0;
    assert_int_equal(pw_time_parse_rfc3339(ts, &ms), 0);
    assert_true(ms > 0);
    free(text);
}

static void test_levels(void **state)
{
    (void)state;
    pw_log_set_level(PW_LOG_WARN);
    assert_false(pw_log_enabled(PW_LOG_DEBUG));
    assert_false(pw_log_enabled(PW_LOG_INFO));
    assert_true(pw_log_enabled(PW_LOG_WARN));
    assert_true(pw_log_enabled(PW_LOG_ERROR));
    captured c;
    capture_start(&c);
    pw_log(PW_LOG_DEBUG, "msg=a");
    pw_log_info("msg=b");
    pw_log_warn("msg=c");
    pw_log_error("msg=d");
    char *text = capture_end(&c);
    assert_int_equal(count_lines(text), 2);
    assert_null(strstr(text, "msg=a"));
    assert_null(strstr(text, "msg=b"));
    assert_non_null(strstr(text, " level=warn msg=c\n"));
    assert_non_null(strstr(text, " level=error msg=d\n"));
    free(text);

    pw_log_set_level(PW_LOG_DEBUG);
    assert_true(pw_log_enabled(PW_LOG_DEBUG));
    capture_start(&c);
    pw_log(PW_LOG_DEBUG, "msg=e");
    text = capture_end(&c);
    assert_non_null(strstr(text, " level=debug msg=e\n"));
    free(text);
    pw_log_set_level(PW_LOG_INFO);
}

/* A line longer than PW_LOG_LINE_MAX_BYTES is cut to fit, marked "...", and still ends
 * the line; one that just fits is written whole. */
static void test_long_line_cut(void **state)
{
    (void)state;
    pw_log_set_level(PW_LOG_INFO);
    char *long_value = malloc(2 * PW_LOG_LINE_MAX_BYTES);
    assert_non_null(long_value);
    memset(long_value, 'x', 2 * PW_LOG_LINE_MAX_BYTES - 1);
    long_value[2 * PW_LOG_LINE_MAX_BYTES - 1] = '\0';
    captured c;
    capture_start(&c);
    pw_log_info("msg=long v=%s", long_value);
    char *text = capture_end(&c);
    assert_int_equal(count_lines(text), 1);
    size_t len = strlen(text);
    assert_int_equal(len, PW_LOG_LINE_MAX_BYTES - 1);
    assert_string_equal(text + len - 4, "...\n");
    assert_int_equal(text[len - 5], 'x');
    free(text);

    /* the prefix "ts=YYYY-MM-DDTHH:MM:SS.mmmZ level=info " is 39 bytes; with the newline
     * a message of PW_LOG_LINE_MAX_BYTES - 39 - 2 bytes leaves the last byte unused */
    size_t fits = PW_LOG_LINE_MAX_BYTES - 39 - 2;
    long_value[fits] = '\0';
    capture_start(&c);
    pw_log_info("%s", long_value);
    text = capture_end(&c);
    assert_int_equal(strlen(text), 39 + fits + 1);
    assert_null(strstr(text, "..."));
    free(text);
    /* one byte more is cut */
    long_value[fits] = 'x';
    long_value[fits + 1] = '\0';
    capture_start(&c);
    pw_log_info("%s", long_value);
    text = capture_end(&c);
    assert_int_equal(strlen(text), PW_LOG_LINE_MAX_BYTES - 1);
    assert_string_equal(text + strlen(text) - 4, "...\n");
    free(text);
    free(long_value);
}

/* ==== threads =========================================================================== */

enum { THREADS = 4, LINES_PER_THREAD = 500 };

static void *log_lines(void *arg)
{
    int k = (int)(intptr_t)arg;
    char pad[300];
    memset(pad, 'a' + k, sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    for (int i = 0; i < LINES_PER_THREAD; i++)
        pw_log_info("msg=line t=%d i=%d pad=%s", k, i, pad);
    return NULL;
}

/* Each line reaches the file whole (one write(2) a line): every line read back is one
 * thread's, intact, and each of them is there exactly once. */
static void test_threads_never_interleave(void **state)
{
    (void)state;
    pw_log_set_level(PW_LOG_INFO);
    captured c;
    capture_start(&c);
    pthread_t threads[THREADS];
    for (int k = 0; k < THREADS; k++)
        assert_int_equal(pthread_create(&threads[k], NULL, log_lines, (void *)(intptr_t)k), 0);
    for (int k = 0; k < THREADS; k++)
        pthread_join(threads[k], NULL);
    char *text = capture_end(&c);
    static int seen[THREADS][LINES_PER_THREAD];
    memset(seen, 0, sizeof(seen));
    int lines = 0;
    for (char *line = text, *end; *line; line = end + 1) {
        end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        const char *msg = strstr(line, " msg=line ");
        assert_non_null(msg);
        int k = -1, i = -1;
        assert_int_equal(sscanf(msg, " msg=line t=%d i=%d", &k, &i), 2);
        assert_true(k >= 0 && k < THREADS && i >= 0 && i < LINES_PER_THREAD);
        const char *pad = strstr(msg, " pad=");
        assert_non_null(pad);
        pad += 5;
        const char letter[2] = {(char)('a' + k), '\0'};
        assert_int_equal(strlen(pad), 299);
        assert_int_equal(strspn(pad, letter), 299); /* one thread's bytes only */
        seen[k][i]++;
        lines++;
    }
    assert_int_equal(lines, THREADS * LINES_PER_THREAD);
    for (int k = 0; k < THREADS; k++)
        for (int i = 0; i < LINES_PER_THREAD; i++)
            assert_int_equal(seen[k][i], 1);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_long_line_cut),
        cmocka_unit_test(test_threads_never_interleave),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
