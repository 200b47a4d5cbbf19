/* json_util.c — see json_util.h. */
#include "base/json_util.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

json_t *pw_json_id(int64_t id)
{
    if (id == 0)
        return json_null();
    char text[24];
    snprintf(text, sizeof(text), "%lld", (long long)id);
    return json_string(text);
}

json_t *pw_json_time(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char text[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(ms, text);
    return json_string(text);
}

/* ---- string fields ---------------------------------------------------------------------- */

long pw_utf8_length(const char *text, size_t len)
{
    long count = 0;
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        int extra = c < 0x80 ? 0 : c < 0xc2 ? -1 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : -1;
        if (extra < 0 || end - p <= extra)
            return PW_UTF8_INVALID; /* a stray continuation, an overlong lead, past U+10FFFF, or cut short */
        for (int i = 1; i <= extra; i++)
            if ((p[i] & 0xc0) != 0x80)
                return PW_UTF8_INVALID;
        /* the second byte's range that rules out overlongs, surrogates and > U+10FFFF */
        if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
            (c == 0xf4 && p[1] > 0x8f))
            return PW_UTF8_INVALID;
        p += extra + 1;
        count++;
    }
    return count;
}

/* C0 and C1 controls, and (outside free text) the bidirectional overrides and line
 * separators that make a name render as something else. The text is valid UTF-8. */
static int has_control(const char *s, size_t len, int allow_newlines)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (allow_newlines && (c == '\n' || c == '\t' || c == '\r'))
            continue;
        if (c < 0x20 || c == 0x7f)
            return 1;
        if (c == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
            return 1; /* U+0080..U+009F */
        if (!allow_newlines && c == 0xe2 && i + 2 < len && p[i + 1] == 0x80 && p[i + 2] >= 0xa8 && p[i + 2] <= 0xae)
            return 1; /* U+2028..U+202E */
        if (!allow_newlines && c == 0xe2 && i + 2 < len && p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)
            return 1; /* U+2066..U+2069 */
    }
    return 0;
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

int pw_json_string_field(json_t *obj, const char *name, int required, int min_chars, int max_chars, int allow_newlines,
                         char *out, size_t out_size, pw_error *err)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return pw_error_set(err, 422, "validation_failed", name, "%s is required", name);
        out[0] = '\0';
        return 1;
    }
    if (!json_is_string(v))
        return pw_error_set(err, 400, "wrong_type", name, "%s must be a string", name);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    long chars = pw_utf8_length(s, len);
    if (chars < min_chars || chars > max_chars || len + 1 > out_size)
        return pw_error_set(err, 422, "validation_failed", name, "%s must be %d to %d characters", name, min_chars,
                            max_chars);
    if (memchr(s, '\0', len) != NULL || has_control(s, len, allow_newlines))
        return pw_error_set(err, 422, "validation_failed", name, "%s must not contain control characters", name);
    if (min_chars > 0 && is_blank(s, len))
        return pw_error_set(err, 422, "validation_failed", name, "%s must not be blank", name);
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}
