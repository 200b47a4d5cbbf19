/* test_sse.c — unit tests of src/http/sse.c, the Server-Sent Events text format:
 *   - a frame is exactly "id: SEQ\nevent: KIND\ndata: DATA\n\n";
 *   - data with line breaks (\n, \r\n, \r) becomes one data: line per line, so no data can
 *     end a frame early or forge an id: or event: line; a trailing break gives an empty line;
 *   - a kind that is not a plain word, or a negative seq, is refused and leaves the buffer
 *     as it was;
 *   - Last-Event-ID: 1-18 digits, blanks around allowed; anything else refused;
 *   - where a stream starts: after the id, at latest without one or past latest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "base/error.h"
#include "http/sse.h"

static void frame_is_exact(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    assert_int_equal(pw_sse_frame(&b, 42, "task", "{\"a\":1}"), PW_OK);
    assert_string_equal(b.data, "id: 42\nevent: task\ndata: {\"a\":1}\n\n");
    assert_int_equal(pw_sse_ping(&b), PW_OK);
    assert_string_equal(b.data, "id: 42\nevent: task\ndata: {\"a\":1}\n\n: ping\n\n");
    pw_buf_cleanup(&b);
}

static void line_breaks_split_data(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    assert_int_equal(pw_sse_frame(&b, 1, "message", "a\nid: 9\r\nevent: x\rb"), PW_OK);
    assert_string_equal(b.data, "id: 1\nevent: message\ndata: a\ndata: id: 9\ndata: event: x\ndata: b\n\n");
    b.len = 0;
    assert_int_equal(pw_sse_frame(&b, 2, "wallet", "x\n\n"), PW_OK);
    assert_string_equal(b.data, "id: 2\nevent: wallet\ndata: x\ndata: \ndata: \n\n");
    b.len = 0;
    assert_int_equal(pw_sse_frame(&b, 3, "wallet", ""), PW_OK);
    assert_string_equal(b.data, "id: 3\nevent: wallet\ndata: \n\n");
    pw_buf_cleanup(&b);
}

static void bad_kind_refused(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    assert_int_equal(pw_sse_frame(&b, 1, "task", "{}"), PW_OK);
    size_t before = b.len;
    assert_int_equal(pw_sse_frame(&b, 2, "ta\nsk", "{}"), PW_EINVAL);
    assert_int_equal(pw_sse_frame(&b, 2, "", "{}"), PW_EINVAL);
    assert_int_equal(pw_sse_frame(&b, 2, NULL, "{}"), PW_EINVAL);
    assert_int_equal(pw_sse_frame(&b, -1, "task", "{}"), PW_EINVAL);
    assert_int_equal(b.len, before);
    pw_buf_cleanup(&b);
}

static void last_id_parse(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_int_equal(pw_sse_parse_last_id("17", 2, &v), PW_OK);
    assert_int_equal(v, 17);
    assert_int_equal(pw_sse_parse_last_id(" 0\t", 3, &v), PW_OK);
    assert_int_equal(v, 0);
    assert_int_equal(pw_sse_parse_last_id("999999999999999999", 18, &v), PW_OK);
    assert_int_equal(v, 999999999999999999LL);
    const char *bad[] = {"", " ", "-1", "+1", "1a", "1 2", "0x10", "1234567890123456789"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pw_sse_parse_last_id(bad[i], strlen(bad[i]), &v), PW_EREFUSED);
}

static void start_seq_bounds(void **state)
{
    (void)state;
    assert_int_equal(pw_sse_start_seq(-1, 50), 50); /* no Last-Event-ID: now, no replay */
    assert_int_equal(pw_sse_start_seq(10, 50), 10); /* replay 11..50 */
    assert_int_equal(pw_sse_start_seq(0, 50), 0);   /* everything kept */
    assert_int_equal(pw_sse_start_seq(50, 50), 50); /* nothing missed */
    assert_int_equal(pw_sse_start_seq(51, 50), 50); /* an id this database never sent: now */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_is_exact), cmocka_unit_test(line_breaks_split_data), cmocka_unit_test(bad_kind_refused),
        cmocka_unit_test(last_id_parse),  cmocka_unit_test(start_seq_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
