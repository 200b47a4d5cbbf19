/* metrics.h — Prometheus text for GET /metrics. */
#ifndef PW_HTTP_METRICS_H
#define PW_HTTP_METRICS_H
#include "base/buf.h"
#include "base/histogram.h"
#include "http/http.h"

/* What http counts (requests by route and status, latency, connections) and the writer's
 * figures; PW_OK, or PW_ENOMEM. */
int pw_metrics_render(pw_app *app, pw_buf *out);
/* One histogram with its HELP and TYPE lines, for the handler's own sections. */
int pw_metrics_histogram(pw_buf *out, const pw_histogram *h, const char *name, const char *help);
void pw_metrics_connections(int delta); /* +1 accepted, -1 closed */
void pw_metrics_accept_paused(void);    /* a loop reached its connection cap */

#endif
