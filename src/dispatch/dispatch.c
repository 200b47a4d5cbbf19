/* dispatch.c — the policy's defaults and the weights from configuration, the score of a
 * (task, worker) pair and what of it may be shown: pure functions of plain structs. The
 * decisions built on them are in decide.c, the search in engine.c. */
#include "dispatch/dispatch.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/error.h"
#include "base/geo.h"
#include "base/limits.h"

int pw_dispatch_default_threads(void) { return pw_online_cores(PW_DISPATCH_SEARCH_THREADS_MAX); }

void pw_dispatch_policy_defaults(pw_dispatch_policy *p)
{
    p->remote_cap = 3;
    p->batch_window_ms = 2000;
    p->search_threads = pw_dispatch_default_threads();
    p->weights = (pw_dispatch_weights){.fit = 0.35,
                                       .distance = 0.20,
                                       .reputation = 0.15,
                                       .reliability = 0.10,
                                       .fairness = 0.2,
                                       .bad_pairing = 0.5,
                                       .earned_half = 5000};
}

/* ---- weights from configuration ---------------------------------------------------------- */

/* The keys of --dispatch-weights, their fields and their allowed ranges. */
static const struct weight_key {
    const char *name;
    size_t offset;
    double min, max;
} weight_keys[] = {
    {"fit", offsetof(pw_dispatch_weights, fit), 0, 10},
    {"distance", offsetof(pw_dispatch_weights, distance), 0, 10},
    {"reputation", offsetof(pw_dispatch_weights, reputation), 0, 10},
    {"reliability", offsetof(pw_dispatch_weights, reliability), 0, 10},
    {"fairness", offsetof(pw_dispatch_weights, fairness), 0, 10},
    {"bad_pairing", offsetof(pw_dispatch_weights, bad_pairing), 0, 1},
    {"earned_half", offsetof(pw_dispatch_weights, earned_half), 1, 1e12},
};

int pw_dispatch_weights_parse(const char *spec, pw_dispatch_weights *w, char *err, size_t err_len)
{
    pw_dispatch_weights out = *w;
    size_t len = strlen(spec);
    if (len > PW_DISPATCH_WEIGHTS_MAX_CHARS) {
        snprintf(err, err_len, "at most %d characters", PW_DISPATCH_WEIGHTS_MAX_CHARS);
        return PW_EREFUSED;
    }
    const char *at = spec;
    while (*at != '\0') {
        const char *end = strchr(at, ',');
        size_t item = end != NULL ? (size_t)(end - at) : strlen(at);
        const char *eq = memchr(at, '=', item);
        const struct weight_key *key = NULL;
        for (size_t i = 0; eq != NULL && i < sizeof(weight_keys) / sizeof(weight_keys[0]); i++)
            if (strlen(weight_keys[i].name) == (size_t)(eq - at) &&
                memcmp(weight_keys[i].name, at, (size_t)(eq - at)) == 0)
                key = &weight_keys[i];
        if (key == NULL) {
            snprintf(err, err_len,
                     "'%.*s' is not KEY=VALUE with KEY one of fit, distance, reputation, reliability, "
                     "fairness, bad_pairing, earned_half",
                     (int)(item > 40 ? 40 : item), at);
            return PW_EREFUSED;
        }
        char number[PW_DISPATCH_WEIGHT_NUMBER_MAX_CHARS + 1];
        size_t n = item - (size_t)(eq + 1 - at);
        char *stop = NULL;
        double v = 0;
        if (n > 0 && n < sizeof(number)) {
            memcpy(number, eq + 1, n);
            number[n] = '\0';
            v = strtod(number, &stop);
        }
        if (n == 0 || n >= sizeof(number) || *stop != '\0' || !isfinite(v) || v < key->min || v > key->max) {
            snprintf(err, err_len, "%s must be a number from %g to %g", key->name, key->min, key->max);
            return PW_EREFUSED;
        }
        *(double *)((char *)&out + key->offset) = v;
        at = end != NULL ? end + 1 : at + item;
    }
    if (out.fit + out.distance + out.reputation + out.reliability + out.fairness <= 0) {
        snprintf(err, err_len, "at least one of fit, distance, reputation, reliability, fairness must be above 0");
        return PW_EREFUSED;
    }
    *w = out;
    return 0;
}

/* ---- scoring (pure) --------------------------------------------------------------------- */

double pw_dispatch_score(const pw_dispatch_weights *w, const pw_candidate *c, pw_score_parts *p)
{
    if (c->skills_wanted == 0)
        p->fit = c->category_match ? 1.0 : 0.5;
    else
        p->fit = 0.4 * c->category_match + 0.6 * (double)c->skills_matched / (double)c->skills_wanted;
    if (c->remote_task)
        p->distance = 1.0;
    else
        p->distance = c->radius_km > 0 ? fmax(0.0, 1.0 - c->distance_km / (double)c->radius_km) : 0.0;
    p->reputation = c->rating < 0 ? 0.6 : (c->rating - 1.0) / 4.0;
    /* Smoothed rates: a newcomer starts near good and a record moves them. */
    double ack_rate = (double)(c->acked + 3) / (double)(c->acked + c->missed_acks + 3);
    double completion = (double)(c->completed + 2) / (double)(c->acked + 2);
    double on_time = (double)(c->on_time + 1) / (double)(c->completed + 1);
    completion = fmin(1.0, completion * (double)(c->acked + 2) / (double)(c->acked + c->releases + 2));
    p->reliability = 0.5 * ack_rate + 0.3 * completion + 0.2 * on_time;
    /* Earnings in the last day count most (money taken; earned_half of it halves that
     * part), then idle time, then the number of tasks taken: among equally good workers the
     * one who has earned least lately comes first, and credits or goods tasks still count. */
    double earned = w->earned_half > 0 ? (double)(c->earned_recent > 0 ? c->earned_recent : 0) / w->earned_half : 0.0;
    p->fairness = 0.6 / (1.0 + earned) + 0.3 * (1.0 - exp(-fmax(0.0, c->idle_s) / 3600.0)) +
                  0.1 / (1.0 + c->assigned_recently);
    p->pairing = c->bad_pairing ? w->bad_pairing : 1.0;
    p->total = (w->fit * p->fit + w->distance * p->distance + w->reputation * p->reputation +
                w->reliability * p->reliability + w->fairness * p->fairness) *
               p->pairing;
    return p->total;
}

/* ---- what is shown ------------------------------------------------------------------------ */

static double round2(double v) { return round(v * 100) / 100; }

void pw_dispatch_shown_parts(const pw_dispatch_weights *w, const pw_candidate *c, const pw_score_parts *exact,
                             double shown_km, pw_score_parts *shown)
{
    double distance = 1.0;
    if (!c->remote_task)
        distance = c->radius_km > 0 ? fmax(0.0, 1.0 - shown_km / (double)c->radius_km) : 0.0;
    /* Only the distance part looks at where the worker is; the rest are rounded so that a
     * shown total never carries more digits than the parts it is the sum of. */
    *shown = (pw_score_parts){.fit = round2(exact->fit),
                              .distance = round2(distance),
                              .reputation = round2(exact->reputation),
                              .reliability = round2(exact->reliability),
                              .fairness = round2(exact->fairness),
                              .pairing = round2(exact->pairing)};
    shown->total = (w->fit * shown->fit + w->distance * shown->distance + w->reputation * shown->reputation +
                    w->reliability * shown->reliability + w->fairness * shown->fairness) *
                   shown->pairing;
}

json_t *pw_dispatch_shown_json(const pw_dispatch_weights *w, const pw_candidate *c, const pw_score_parts *exact,
                               int64_t task_lat_e6, int64_t task_lon_e6)
{
    double km = c->remote_task ? 0 : pw_geo_shown_distance_km(task_lat_e6, task_lon_e6, c->base_lat_e6, c->base_lon_e6);
    pw_score_parts p;
    pw_dispatch_shown_parts(w, c, exact, km, &p);
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)c->worker_id);
    json_t *o = json_pack("{s:s, s:f, s:{s:f, s:f, s:f, s:f, s:f, s:f}}", "worker_id", id, "score", p.total, "parts",
                          "fit", p.fit, "distance", p.distance, "reputation", p.reputation, "reliability",
                          p.reliability, "fairness", p.fairness, "pairing", p.pairing);
    if (!c->remote_task)
        json_object_set_new(o, "distance_km", json_real(km));
    return o;
}
