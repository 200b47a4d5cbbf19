/* sse.c — see sse.h. */
#include "http/sse.h"

#include <string.h>

#include "base/error.h"

static int plain_word(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

int pw_sse_frame(pw_buf *out, int64_t seq, const char *kind, const char *data)
{
    if (!plain_word(kind) || seq < 0)
        return PW_EINVAL;
    size_t before = out->len;
    int rc = pw_buf_append_str(out, "id: ");
    if (rc == PW_OK)
        rc = pw_buf_append_i64(out, seq);
    if (rc == PW_OK)
        rc = pw_buf_append_str(out, "\nevent: ");
    if (rc == PW_OK)
        rc = pw_buf_append_str(out, kind);
    const char *line = data != NULL ? data : "";
    do { /* one data: line per line of data; "\r\n", "\r" and "\n" all end a line */
        size_t n = strcspn(line, "\r\n");
        if (rc == PW_OK)
            rc = pw_buf_append_str(out, "\ndata: ");
        if (rc == PW_OK)
            rc = pw_buf_append(out, line, n);
        line += n;
        if (line[0] == '\r' && line[1] == '\n')
            line += 2;
        else if (line[0] != '\0')
            line += 1;
        else
            break;
    } while (1);
    if (rc == PW_OK)
        rc = pw_buf_append_str(out, "\n\n");
    if (rc != PW_OK) {
        out->len = before;
        if (out->data != NULL && out->len < out->cap)
            out->data[out->len] = '\0';
    }
    return rc;
}

int pw_sse_ping(pw_buf *out) { return pw_buf_append_str(out, ": ping\n\n"); }

int pw_sse_parse_last_id(const char *text, size_t len, int64_t *seq_out)
{
    while (len > 0 && (text[0] == ' ' || text[0] == '\t'))
        text++, len--;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0 || len > 18)
        return PW_EREFUSED;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return PW_EREFUSED;
        v = v * 10 + (text[i] - '0');
    }
    *seq_out = v;
    return PW_OK;
}

int64_t pw_sse_start_seq(int64_t last_id, int64_t latest)
{
    if (last_id < 0 || last_id > latest)
        return latest;
    return last_id;
}
