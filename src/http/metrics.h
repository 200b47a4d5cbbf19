/* metrics.h — Prometheus text for GET /metrics. */
#ifndef PW_HTTP_METRICS_H
#define PW_HTTP_METRICS_H
#include "base/buf.h"
#include "http/http.h"

int pw_metrics_render(pw_app *app, pw_buf *out);

#endif
