/* events.c — GET /api/v1/events: the signed-in user's live events as Server-Sent Events
 * (docs/internals/events.md). This file reads the request's resume point; the stream
 * itself is the HTTP layer's (http/events.c), the rows the market's (market/events.c). */
#include <string.h>

#include "api/api.h"
#include "http/sse.h"

void pw_api_events(pw_req *rq)
{
    int64_t last_id = -1; /* no Last-Event-ID: from now on, no replay */
    size_t len = 0;
    const char *header = pw_req_header(rq, "last-event-id", &len);
    char query[24];
    int found = header == NULL ? pw_req_query(rq, "last_event_id", query, sizeof(query)) : 0;
    if (found == PW_EREFUSED)
        return pw_reply_errorf(rq, 400, "validation_failed", "last_event_id",
                               "last_event_id must be an event id this server sent");
    if (found == 1) {
        header = query;
        len = strlen(query);
    }
    if (header != NULL && pw_sse_parse_last_id(header, len, &last_id) != PW_OK)
        return pw_reply_errorf(rq, 400, "validation_failed", found == 1 ? "last_event_id" : "Last-Event-ID",
                               "Last-Event-ID must be an event id this server sent (decimal digits)");
    pw_events_stream(rq, last_id);
}
