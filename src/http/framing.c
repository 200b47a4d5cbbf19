/* framing.c — refusing HTTP/1 requests whose body length is ambiguous (RFC 9112 §6.3).
 *
 * h2o 2.2.5 takes the first Content-Length of a request and ignores any later one, and
 * lets Transfer-Encoding win over Content-Length, without a word. Behind a proxy that
 * reads the length the other way, the rest of such a body becomes a second request the
 * proxy never saw (request smuggling). RFC 9112 §6.3: a request with conflicting
 * Content-Length values, or with both Transfer-Encoding and Content-Length, is a 400,
 * and the connection is closed after it.
 *
 * h2o keeps neither header in req->headers, so the check reads the request's head again
 * where h2o parsed it: an HTTP/1 connection's input buffer still starts with this
 * request's head while the request is handled (h2o consumes it after the response), and
 * h2o's own parser — picohttpparser, which libh2o exports — splits it again. Only a
 * request that has a body is looked at: without Content-Length or Transfer-Encoding
 * there is no length to disagree about. More than one Content-Length is refused even when
 * the values agree, and so is more than one Transfer-Encoding (h2o takes the last).
 *
 * Not covered: a request whose first Content-Length asks for more bytes than the client
 * sends is never handled; h2o's request timeout closes it unanswered. HTTP/2 frames its
 * bodies itself and is not affected. */
#include <string.h>
#include <strings.h>

#include "base/limits.h"
#include "http/internal.h"

/* picohttpparser's request parser, exported by libh2o (Debian ships no header for it):
 * the bytes consumed by the head, -1 if malformed, -2 if incomplete. */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);

static int named(const struct phr_header *h, const char *lower_name)
{
    size_t n = strlen(lower_name);
    return h->name != NULL && h->name_len == n && strncasecmp(h->name, lower_name, n) == 0;
}

int pw_framing_ok(h2o_req_t *req)
{
    if (req->version >= 0x200 || req->entity.base == NULL || req->conn->callbacks->get_socket == NULL)
        return 1;
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (sock == NULL || sock->input == NULL)
        return 1;
    struct phr_header headers[PW_HTTP_HEADERS_MAX];
    size_t count = PW_HTTP_HEADERS_MAX, method_len, path_len;
    const char *method, *path;
    int minor;
    size_t len = sock->input->size < H2O_MAX_REQLEN ? sock->input->size : H2O_MAX_REQLEN;
    int rc = phr_parse_request(sock->input->bytes, len, &method, &method_len, &path, &path_len, &minor, headers, &count,
                               0);
    /* h2o parsed this very head before it called us. Should the buffer ever hold something
     * else (a path of h2o's that consumed it first), there is nothing to judge by. */
    if (rc <= 0 || method_len != req->input.method.len || path_len != req->input.path.len ||
        memcmp(path, req->input.path.base, path_len) != 0)
        return 1;
    int lengths = 0, encodings = 0;
    for (size_t i = 0; i < count; i++) {
        lengths += named(&headers[i], "content-length");
        encodings += named(&headers[i], "transfer-encoding");
    }
    return lengths + encodings <= 1;
}
