/* metrics.h — Prometheus text for GET /metrics. */
#ifndef PW_HTTP_METRICS_H
#define PW_HTTP_METRICS_H
#include "base/buf.h"
#include "http/http.h"

int pw_metrics_render(pw_app *app, pw_buf *out);
void pw_metrics_connections(int delta);          /* +1 accepted, -1 closed */
void pw_metrics_accept_paused(void);             /* a loop reached its connection cap */

#endif
