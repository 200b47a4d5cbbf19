/* test_assert.c — unit tests of src/base/assert.h, built with the release flags `make`
 * uses (RelWithDebInfo), so they prove what the release binary does:
 *   - a pw_assert that fails aborts the process (SIGABRT) and says which expression, in
 *     which file and function, on standard error;
 *   - one that holds does nothing and evaluates its expression exactly once;
 *   - the C library's assert() is live too: the build does not define NDEBUG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/assert.h"

/* Runs fn in a child with stderr on a pipe; returns the signal that ended it (0 if it
 * exited) and what it wrote in out. */
static int run_child(void (*fn)(void), char *out, size_t out_size)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < out_size && (n = read(fds[0], out + got, out_size - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static volatile int one = 1;

static void failing(void) { pw_assert(one == 2); }
static void holding(void) { pw_assert(one == 1); }
static void unreachable(void) { pw_unreachable("a state the table does not have"); }

static void test_a_failed_assertion_aborts_and_says_where(void **state)
{
    char out[1024];
    assert_int_equal(run_child(failing, out, sizeof(out)), SIGABRT);
    assert_non_null(strstr(out, "assertion failed"));
    assert_non_null(strstr(out, "expr=\"one == 2\""));
    assert_non_null(strstr(out, "test_assert.c:"));
    assert_non_null(strstr(out, "func=failing"));
}

static void test_a_holding_assertion_does_nothing(void **state)
{
    char out[256];
    assert_int_equal(run_child(holding, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    int evaluated = 0;
    pw_assert(++evaluated == 1);
    assert_int_equal(evaluated, 1);
}

static void test_unreachable_aborts(void **state)
{
    char out[512];
    assert_int_equal(run_child(unreachable, out, sizeof(out)), SIGABRT);
    assert_non_null(strstr(out, "unreachable: a state the table does not have"));
}

static void test_the_build_keeps_assert_on(void **state)
{
#ifdef NDEBUG
    fail_msg("NDEBUG is defined: the release build would have no assert()");
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_failed_assertion_aborts_and_says_where),
        cmocka_unit_test(test_a_holding_assertion_does_nothing),
        cmocka_unit_test(test_unreachable_aborts),
        cmocka_unit_test(test_the_build_keeps_assert_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
