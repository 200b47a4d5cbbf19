/* assert.h — assertions that stay on in every build, release included.
 *
 * A pw_assert states what the code relies on: a precondition, an ownership hand-over, a
 * branch that cannot happen, a value read back equal to the one written. If it does not
 * hold, the program is wrong and going on would turn the bug into corrupted money or a
 * leak of private data, so the process logs the expression and where, and aborts (a core
 * dump and a restart beat a marketplace running on a broken invariant). The cost is a
 * compare and a branch the compiler marks unlikely; they are not compiled out by NDEBUG.
 *
 * Not for outside input: bad input is an answer (pw_error), never an assertion. */
#ifndef PW_ASSERT_H
#define PW_ASSERT_H

_Noreturn void pw_assert_fail(const char *expr, const char *file, int line, const char *func);

#define pw_assert(cond) (__builtin_expect(!!(cond), 1) ? (void)0 : pw_assert_fail(#cond, __FILE__, __LINE__, __func__))

/* A branch that cannot be reached, with why. */
#define pw_unreachable(why) pw_assert_fail("unreachable: " why, __FILE__, __LINE__, __func__)

#endif
