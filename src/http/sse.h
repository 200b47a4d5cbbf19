/* sse.h — the Server-Sent Events text format (WHATWG HTML, "Server-sent events"), pure:
 * no socket, no database. http/events.c writes every frame through these. */
#ifndef PW_SSE_H
#define PW_SSE_H
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Appends "id: SEQ\nevent: KIND\ndata: DATA\n\n". DATA with line breaks (never the compact
 * JSON the bus holds, but a reader must not be able to be fooled) is sent as one data: line
 * per line, which a reader joins back with "\n". PW_OK, PW_EINVAL (a kind that is empty or
 * not a plain word), or PW_ENOMEM; on failure the buffer holds what it held. */
int pw_sse_frame(pw_buf *out, int64_t seq, const char *kind, const char *data);
/* Appends the heartbeat comment ": ping\n\n". */
int pw_sse_ping(pw_buf *out);
/* A Last-Event-ID: 1-18 ASCII digits (a seq we sent), surrounding blanks allowed.
 * PW_OK and *seq_out, or PW_EREFUSED. */
int pw_sse_parse_last_id(const char *text, size_t len, int64_t *seq_out);
/* Where a stream starts: after the Last-Event-ID, or at `latest` without one (last_id < 0,
 * no replay); an id past `latest` (another database's) also starts at `latest`. */
int64_t pw_sse_start_seq(int64_t last_id, int64_t latest);

#endif
