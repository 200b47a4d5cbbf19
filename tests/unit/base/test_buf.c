/* test_buf.c — unit tests of src/base/buf.c, the growable buffer: growth by doubling,
 * the NUL it always keeps, binary data, numbers, and printf at the edges of free space.
 *
 * Only the public header is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"

/* ==== pw_buf ============================================================================ */

static void test_buf_growth(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);

    assert_int_equal(pw_buf_append(&b, "", 0), 0); /* even an empty append leaves a C string */
    assert_non_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 256);
    assert_string_equal(b.data, "");

    char chunk[100];
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 3; i++) /* 300 bytes: 256 is too small for 300 + NUL, doubles once */
        assert_int_equal(pw_buf_append(&b, chunk, sizeof(chunk)), 0);
    assert_int_equal(b.len, 300);
    assert_int_equal(b.cap, 512);
    assert_int_equal(b.data[300], '\0');
    assert_int_equal(strlen(b.data), 300);

    /* Exactly filling cap - 1 keeps room for the NUL without growing. */
    char fill[211];
    memset(fill, 'y', sizeof(fill));
    assert_int_equal(pw_buf_append(&b, fill, sizeof(fill)), 0);
    assert_int_equal(b.len, 511);
    assert_int_equal(b.cap, 512);
    assert_int_equal(b.data[511], '\0');
    assert_int_equal(pw_buf_append(&b, "z", 1), 0);
    assert_int_equal(b.len, 512);
    assert_int_equal(b.cap, 1024);
    assert_int_equal(b.data[511], 'z');
    assert_int_equal(b.data[512], '\0');

    /* A large append grows by doubling until it fits. */
    size_t big_len = 70000;
    char *big = malloc(big_len);
    assert_non_null(big);
    memset(big, 'q', big_len);
    assert_int_equal(pw_buf_append(&b, big, big_len), 0);
    free(big);
    assert_int_equal(b.len, 512 + big_len);
    assert_int_equal(b.cap, 131072);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[0], 'x');
    assert_int_equal(b.data[300], 'y');
    assert_int_equal(b.data[b.len - 1], 'q');

    /* Binary data with NULs is kept byte for byte. */
    pw_buf_cleanup(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(pw_buf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b\0", 4);
    pw_buf_cleanup(&b);
    pw_buf_cleanup(&b); /* cleanup of a cleaned buffer is harmless */
}

static void test_buf_append_numbers(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    const int64_t values[] = {0, 7, -7, 10, 999, -1000, 1234567890123LL, INT64_MAX, INT64_MIN};
    char want[512] = "";
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        assert_int_equal(pw_buf_append_i64(&b, values[i]), 0);
        assert_int_equal(pw_buf_append_str(&b, i + 1 < sizeof(values) / sizeof(values[0]) ? "," : ""), 0);
        char one[32];
        snprintf(one, sizeof(one), "%lld%s", (long long)values[i],
                 i + 1 < sizeof(values) / sizeof(values[0]) ? "," : "");
        strcat(want, one);
    }
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    pw_buf_cleanup(&b);
}

/* printf into the free space: a line that fills it exactly, and one a byte longer. */
static void test_buf_printf_edges(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    char text[256];
    memset(text, 'a', 254);
    text[254] = '\0';
    assert_int_equal(pw_buf_printf(&b, "%s!", text), 0); /* 255 + NUL = 256: fits */
    assert_int_equal(b.len, 255);
    assert_int_equal(b.cap, 256);
    assert_int_equal(b.data[254], '!');
    assert_int_equal(b.data[255], '\0');
    assert_int_equal(pw_buf_printf(&b, "%s", "bc"), 0); /* no room at all: grows, formats again */
    assert_int_equal(b.len, 257);
    assert_int_equal(b.cap, 512);
    assert_string_equal(b.data + 254, "!bc");
    pw_buf_cleanup(&b);
}

static void test_buf_printf(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    assert_int_equal(pw_buf_printf(&b, "%s=%d", "count", 42), 0);
    assert_string_equal(b.data, "count=42");
    assert_int_equal(b.len, 8);
    assert_int_equal(pw_buf_printf(&b, " %05.1f|%-3s|%llx", 3.14159, "a", 0xbeefULL), 0);
    assert_string_equal(b.data, "count=42 003.1|a  |beef");
    assert_int_equal(b.len, strlen("count=42 003.1|a  |beef"));
    assert_int_equal(pw_buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, 23);
    assert_int_equal(b.data[23], '\0');

    /* A printf bigger than the whole buffer grows it and stays terminated. */
    char wide[1000];
    memset(wide, 'w', sizeof(wide) - 1);
    wide[sizeof(wide) - 1] = '\0';
    assert_int_equal(pw_buf_printf(&b, "[%s]", wide), 0);
    assert_int_equal(b.len, 23 + 1001);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[23], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(strlen(b.data), b.len);

    /* Mixed appends and printfs keep order. */
    pw_buf_cleanup(&b);
    for (int i = 0; i < 1000; i++) {
        if (i % 2)
            assert_int_equal(pw_buf_printf(&b, "%d,", i), 0);
        else
            assert_int_equal(pw_buf_append(&b, "e,", 2), 0);
    }
    assert_int_equal(strncmp(b.data, "e,1,e,3,e,5,", 12), 0);
    assert_string_equal(b.data + b.len - 6, "e,999,");
    assert_int_equal(b.len, 500 * 2 + (5 * 2 + 45 * 3 + 450 * 4)); /* "e," x500, then "1,".."999," */
    assert_int_equal(b.data[b.len], '\0');
    pw_buf_cleanup(&b);
}

/* pw_grow: doubling from `first`, never shrinking, the contents kept, overflow refused. */
static void test_grow(void **state)
{
    (void)state;
    int *items = NULL;
    size_t cap = 0;
    assert_int_equal(pw_grow((void **)&items, &cap, 1, sizeof(int), 16), PW_OK);
    assert_int_equal(cap, 16);
    for (int i = 0; i < 16; i++)
        items[i] = i * 3;
    assert_int_equal(pw_grow((void **)&items, &cap, 16, sizeof(int), 16), PW_OK); /* enough: unchanged */
    assert_int_equal(cap, 16);
    assert_int_equal(pw_grow((void **)&items, &cap, 17, sizeof(int), 16), PW_OK);
    assert_int_equal(cap, 32);
    assert_int_equal(pw_grow((void **)&items, &cap, 1000, sizeof(int), 16), PW_OK);
    assert_int_equal(cap, 1024);
    for (int i = 0; i < 16; i++)
        assert_int_equal(items[i], i * 3);
    int *before = items;
    assert_int_equal(pw_grow((void **)&items, &cap, SIZE_MAX / 2 + 2, sizeof(int), 16), PW_ENOMEM);
    assert_int_equal(pw_grow((void **)&items, &cap, SIZE_MAX / sizeof(int) + 1, sizeof(int), 16), PW_ENOMEM);
    assert_ptr_equal(items, before); /* as it was */
    assert_int_equal(cap, 1024);
    free(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_append_numbers),
        cmocka_unit_test(test_buf_printf_edges),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
