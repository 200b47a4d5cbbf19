/* buf.h — a growable byte buffer with printf-style and plain appends; the one string builder. */
#ifndef PW_BUF_H
#define PW_BUF_H
#include <stddef.h>
#include <stdint.h>

typedef struct pw_buf {
    char *data; /* NUL-terminated while len < cap */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
} pw_buf;

void pw_buf_init(pw_buf *b);
void pw_buf_cleanup(pw_buf *b);
/* Appends: PW_OK or PW_ENOMEM (printf: PW_EINVAL for an encoding error); on failure the
 * buffer holds what it held before. */
int pw_buf_append(pw_buf *b, const void *data, size_t len);
int pw_buf_printf(pw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For hot paths (the request log line): no format parsing. */
int pw_buf_append_str(pw_buf *b, const char *s);
int pw_buf_append_i64(pw_buf *b, int64_t v);

/* An array of *cap items of item_size bytes at *items grown (realloc, doubling from `first`)
 * to hold at least `need`: PW_OK, or PW_ENOMEM (also when the size would overflow) with the
 * array as it was. For the arrays that grow with their data (the search index's). */
int pw_grow(void **items, size_t *cap, size_t need, size_t item_size, size_t first);

#endif
