/* params.c — reading ids, pages and cursors from a request, the same way everywhere. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

int pw_api_id_param(pw_req *rq, int index, int64_t *out)
{
    const char *text = pw_req_param(rq, index);
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || v <= 0 || text[0] == '+' || text[0] == ' ')
        return PW_EREFUSED;
    *out = v;
    return 0;
}

int pw_api_query_user_id(pw_req *rq, const char *name, int64_t *out, pw_error *err)
{
    char text[24]; /* a positive int64 in decimal, with room to see one too long */
    int rc = pw_req_query(rq, name, text, sizeof(text));
    if (rc == 0)
        return 0;
    char *end = text;
    errno = 0;
    long long id = rc > 0 ? strtoll(text, &end, 10) : 0;
    if (rc < 0 || errno != 0 || *end != '\0' || end == text || id <= 0)
        return pw_error_set(err, 422, "validation_failed", name, "%s must be a user id", name);
    *out = id;
    return 1;
}

int pw_api_page(pw_req *rq, int *limit_out, int64_t *cursor_out, pw_error *err)
{
    char text[PW_CURSOR_MAX_BYTES + 1];
    *limit_out = PW_PAGE_DEFAULT;
    *cursor_out = 0;
    int rc = pw_req_query(rq, "limit", text, sizeof(text));
    if (rc < 0)
        return pw_error_set(err, 422, "validation_failed", "limit", "limit must be 1 to %d", PW_PAGE_MAX);
    if (rc > 0) {
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (errno != 0 || *end != '\0' || end == text || v < 1 || v > PW_PAGE_MAX)
            return pw_error_set(err, 422, "validation_failed", "limit", "limit must be 1 to %d", PW_PAGE_MAX);
        *limit_out = (int)v;
    }
    rc = pw_req_query(rq, "cursor", text, sizeof(text));
    if (rc < 0)
        return pw_error_set(err, 422, "validation_failed", "cursor", "cursor is not one this server gave");
    if (rc > 0 && text[0] != '\0') {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno != 0 || *end != '\0' || v <= 0)
            return pw_error_set(err, 422, "validation_failed", "cursor", "cursor is not one this server gave");
        *cursor_out = v;
    }
    return 0;
}

int pw_api_coordinate(const char *text, double bound, double *out)
{
    if (text[0] == '\0' || strspn(text, "0123456789.+-eE") != strlen(text))
        return PW_EREFUSED;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < -bound || v > bound)
        return PW_EREFUSED;
    *out = v;
    return 0;
}
