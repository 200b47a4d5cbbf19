/* fold.c — Unicode folding for matching (fold.h), on utf8proc. */
#include "base/fold.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/error.h"
#include "base/limits.h"

/* Letters whose mark is part of the letter (no decomposition), mapped to what people type;
 * utf8proc calls this on every code point before decomposing it. */
static utf8proc_int32_t map_letter(utf8proc_int32_t c, void *data)
{
    (void)data;
    switch (c) {
    case 0x00D8:             /* Ø */
    case 0x00F8: return 'o'; /* ø */
    case 0x0141:             /* Ł */
    case 0x0142: return 'l'; /* ł */
    case 0x0110:             /* Đ */
    case 0x0111: return 'd'; /* đ */
    case 0x0126:             /* Ħ */
    case 0x0127: return 'h'; /* ħ */
    case 0x0131: return 'i'; /* ı, dotless */
    default: return c;
    }
}

/* æ -> ae, œ -> oe, þ -> th (after case folding: Æ Œ Þ are lower case by now), in place:
 * each is two bytes of UTF-8 and two ASCII letters. */
static void ligatures(char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)s[i + 1];
        const char *to = a == 0xC3 && b == 0xA6   ? "ae"
                         : a == 0xC5 && b == 0x93 ? "oe"
                         : a == 0xC3 && b == 0xBE ? "th"
                                                  : NULL;
        if (to != NULL) {
            s[i] = to[0];
            s[i + 1] = to[1];
            i++;
        }
    }
}

int pw_fold_dup(const char *in, size_t in_len, char **out, size_t *out_len, const char **why)
{
    const char *unused;
    if (why == NULL)
        why = &unused;
    *out = NULL;
    if (in_len > PW_FOLD_INPUT_MAX_BYTES) {
        *why = "too long";
        return PW_EREFUSED;
    }
    /* ASCII, most text here: NFKC leaves it as it is and case folding is lower-casing */
    size_t ascii = 0;
    while (ascii < in_len && (unsigned char)in[ascii] < 0x80)
        ascii++;
    if (ascii == in_len) {
        char *copy = malloc(in_len + 1);
        if (copy == NULL)
            return PW_ENOMEM;
        for (size_t i = 0; i < in_len; i++)
            copy[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] + ('a' - 'A')) : in[i];
        copy[in_len] = '\0';
        *out = copy;
        if (out_len != NULL)
            *out_len = in_len;
        return PW_OK;
    }
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t n = utf8proc_map_custom((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)in_len, &folded,
                                             UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                                 UTF8PROC_STRIPMARK | UTF8PROC_IGNORE,
                                             map_letter, NULL);
    if (n == UTF8PROC_ERROR_NOMEM)
        return PW_ENOMEM;
    if (n < 0) {
        /* UTF8PROC_ERROR_INVALIDUTF8 and, for unassigned code points with STABLE off, the
         * others: all mean the bytes are not text we can read */
        *why = "not UTF-8";
        return PW_EREFUSED;
    }
    ligatures((char *)folded, (size_t)n);
    *out = (char *)folded;
    if (out_len != NULL)
        *out_len = (size_t)n;
    return PW_OK;
}

int pw_fold(const char *in, size_t in_len, char *out, size_t out_size, size_t *out_len, const char **why)
{
    const char *unused;
    if (why == NULL)
        why = &unused;
    char *folded = NULL;
    size_t n = 0;
    int rc = pw_fold_dup(in, in_len, &folded, &n, why);
    if (rc != PW_OK)
        return rc;
    if (n + 1 > out_size) {
        free(folded);
        *why = "does not fit";
        return PW_EREFUSED;
    }
    memcpy(out, folded, n + 1);
    free(folded);
    if (out_len != NULL)
        *out_len = n;
    return PW_OK;
}
