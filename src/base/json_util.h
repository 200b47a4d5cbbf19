/* json_util.h — the JSON forms every resource shares: ids as decimal strings, times as
 * RFC 3339 UTC strings (0 for "none" becomes null in both); and reading a string field
 * from a request body by the rules every text field follows: valid UTF-8, a length in
 * characters (code points, not bytes), no control characters, not blank when required. */
#ifndef PW_JSON_UTIL_H
#define PW_JSON_UTIL_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

json_t *pw_json_id(int64_t id);   /* "123…", or null for 0 */
json_t *pw_json_time(int64_t ms); /* "2026-11-25T01:02:03Z", or null for 0 */

/* Counts UTF-8 code points (a count, not a status); PW_UTF8_INVALID (-1) if not valid UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF, nothing cut short by len). */
#define PW_UTF8_INVALID (-1L)
long pw_utf8_length(const char *text, size_t len);
/* Reads a string field: 400 wrong_type if not a string, 422 if missing (required) or its
 * length in characters is outside [min_chars, max_chars] or it holds control characters
 * (allow_newlines permits \n, \r and \t, and the bidirectional controls of free text).
 * Copies it into out (out_size bytes). PW_OK, 1 = absent and not required, PW_EREFUSED with
 * *err filled. */
int pw_json_string_field(json_t *obj, const char *name, int required, int min_chars, int max_chars, int allow_newlines,
                         char *out, size_t out_size, pw_error *err);

#endif
