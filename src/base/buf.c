/* buf.c — see buf.h. Grows by doubling; every append keeps a NUL after the data. */
#include "base/buf.h"

#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pw_buf_init(pw_buf *b) { *b = (pw_buf){0}; }

void pw_buf_cleanup(pw_buf *b)
{
    free(b->data);
    *b = (pw_buf){0};
}

static int reserve(pw_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return PW_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL)
        return PW_ENOMEM;
    b->data = data;
    b->cap = cap;
    return PW_OK;
}

int pw_buf_append(pw_buf *b, const void *data, size_t len)
{
    int rc = reserve(b, len);
    if (rc != PW_OK)
        return rc;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int pw_buf_printf(pw_buf *b, const char *fmt, ...)
{
    /* Formats straight into the free space; only a line that does not fit is formatted a
     * second time, after growing. */
    if (b->cap == 0 && reserve(b, 0) != PW_OK)
        return PW_ENOMEM;
    size_t room = b->cap - b->len;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (need < 0) { /* an encoding error: the format does not fit its arguments */
        b->data[b->len] = '\0';
        return PW_EINVAL;
    }
    if ((size_t)need >= room) {
        if (reserve(b, (size_t)need) != PW_OK) {
            b->data[b->len] = '\0';
            return PW_ENOMEM;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)need + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)need;
    return PW_OK;
}

int pw_buf_append_str(pw_buf *b, const char *s) { return pw_buf_append(b, s, strlen(s)); }

int pw_buf_append_i64(pw_buf *b, int64_t v)
{
    char digits[24];
    size_t n = sizeof(digits);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        digits[--n] = '-';
    return pw_buf_append(b, digits + n, sizeof(digits) - n);
}

int pw_grow(void **items, size_t *cap, size_t need, size_t item_size, size_t first)
{
    if (need <= *cap)
        return PW_OK;
    size_t n = *cap ? *cap : (first ? first : 1);
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return PW_ENOMEM;
        n *= 2;
    }
    if (n > SIZE_MAX / item_size)
        return PW_ENOMEM;
    void *q = realloc(*items, n * item_size);
    if (q == NULL)
        return PW_ENOMEM;
    *items = q;
    *cap = n;
    return PW_OK;
}
