/* population.c — the simulator's world: a fixed catalogue of 12 categories and 40 skills
 * with Zipf-like popularity, three city centres, and the draws that make workers, clients
 * and tasks from seeded pw_rng streams.
 *
 * Workers: one or two categories (by popularity) with one to three of their skills each;
 * a base scattered normally around a city (sigma 6 km); a radius of 5-30 km; remote-capable
 * more often when their main category is remote work (about 30% overall); an ack
 * probability of 0.90-0.99 (8% are flaky at 0.5) and a personal median reaction time;
 * a daily shift (morning, day, evening or night start, 4-10 hours).
 * Clients: a home near a city. Tasks: a category by popularity, remote with the
 * category's remote share (about 35% overall), zero to two of its skills, a location a
 * kilometre or so from the client's home, a lognormal price around the category's median,
 * a deadline of 2-48 h (log-uniform; urgent ones, 10%, 2-6 h).
 *
 * Every draw uses only the stream it is given, in a fixed order, so the same seed gives
 * the same world. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_internal.h"

/* ---- the catalogue ------------------------------------------------------------------------ */

/* Ranked by popularity: category i has weight 1 / (i + 1)^0.9; skills within a category
 * 1 / rank. The remote shares make about 35% of all tasks remote. */
const sim_category sim_catalogue[SIM_CATEGORIES] = {
    {"home repair", {"plumbing", "electrical", "carpentry", "painting"}, 0.0, 80, 120},
    {"software", {"python", "javascript", "c programming", "databases"}, 0.95, 150, 180},
    {"cleaning", {"deep cleaning", "window cleaning", "laundry"}, 0.0, 60, 150},
    {"design", {"logo design", "illustration", "photo editing", "video editing"}, 0.9, 120, 180},
    {"moving", {"moving help", "furniture assembly", "van transport"}, 0.0, 90, 150},
    {"writing", {"translation", "proofreading", "copywriting"}, 0.95, 70, 120},
    {"garden", {"mowing", "hedge trimming", "tree care"}, 0.0, 60, 120},
    {"tutoring", {"math tutoring", "language lessons", "music lessons"}, 0.5, 40, 60},
    {"admin", {"bookkeeping", "spreadsheets", "data entry"}, 0.9, 60, 120},
    {"pets", {"dog walking", "pet sitting", "pet grooming"}, 0.0, 25, 60},
    {"tech support", {"computer repair", "phone repair", "smart home setup"}, 0.3, 60, 90},
    {"care", {"elderly help", "babysitting", "errands", "grocery shopping"}, 0.0, 45, 120},
};

typedef struct city {
    double lat, lon, weight;
} city;

static const city cities[SIM_CITIES] = {
    {52.3676, 4.9041, 0.45}, /* Amsterdam */
    {51.9244, 4.4777, 0.30}, /* Rotterdam */
    {52.0907, 5.1214, 0.25}, /* Utrecht */
};

/* Arrivals per hour of the day relative to the mean (normalised below): quiet nights,
 * a morning ramp, a long busy day and a busy early evening. */
static const double hour_profile[24] = {0.15, 0.10, 0.08, 0.08, 0.10, 0.20, 0.50, 0.90, 1.30, 1.50, 1.60, 1.60,
                                        1.50, 1.50, 1.50, 1.50, 1.50, 1.60, 1.60, 1.40, 1.10, 0.80, 0.50, 0.30};

double sim_rate_of_hour(int hour)
{
    double sum = 0;
    for (int h = 0; h < 24; h++)
        sum += hour_profile[h];
    return hour_profile[((hour % 24) + 24) % 24] * 24.0 / sum;
}

double sim_rate_max(void)
{
    double m = 0;
    for (int h = 0; h < 24; h++)
        m = fmax(m, sim_rate_of_hour(h));
    return m;
}

/* ---- draws ----------------------------------------------------------------------------------- */

double sim_normal(pw_rng *r)
{
    double u1 = pw_rng_unit(r), u2 = pw_rng_unit(r);
    return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
}

double sim_exponential(pw_rng *r, double mean) { return -mean * log(1.0 - pw_rng_unit(r)); }

double sim_lognormal(pw_rng *r, double median, double sigma) { return median * exp(sigma * sim_normal(r)); }

static double uniform(pw_rng *r, double lo, double hi) { return lo + (hi - lo) * pw_rng_unit(r); }

/* Index drawn with weight 1 / (i + 1)^exponent over n items. */
static int zipf(pw_rng *r, int n, double exponent)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += pow(i + 1, -exponent);
    double x = pw_rng_unit(r) * total;
    for (int i = 0; i < n; i++) {
        x -= pow(i + 1, -exponent);
        if (x < 0)
            return i;
    }
    return n - 1;
}

static int skills_in(int category)
{
    int n = 0;
    while (n < SIM_SKILLS_PER_CATEGORY_MAX && sim_catalogue[category].skills[n] != NULL)
        n++;
    return n;
}

static int pick_city(pw_rng *r)
{
    double x = pw_rng_unit(r);
    for (int i = 0; i < SIM_CITIES - 1; i++) {
        x -= cities[i].weight;
        if (x < 0)
            return i;
    }
    return SIM_CITIES - 1;
}

/* A point scattered normally (sigma_km) around (lat, lon). */
static void scatter(pw_rng *r, double lat, double lon, double sigma_km, int32_t *lat_e6, int32_t *lon_e6)
{
    double dy = sim_normal(r) * sigma_km, dx = sim_normal(r) * sigma_km;
    double plat = lat + dy / 111.2, plon = lon + dx / (111.2 * cos(lat * M_PI / 180.0));
    *lat_e6 = (int32_t)llround(plat * 1e6);
    *lon_e6 = (int32_t)llround(plon * 1e6);
}

static void add_skill(sim_worker *w, int category, int skill)
{
    for (int i = 0; i < w->skill_count; i++)
        if (w->skill[i][0] == category && w->skill[i][1] == skill)
            return;
    if (w->skill_count < 6) {
        w->skill[w->skill_count][0] = (uint8_t)category;
        w->skill[w->skill_count][1] = (uint8_t)skill;
        w->skill_count++;
    }
}

static void worker_shift(pw_rng *r, sim_worker *w)
{
    double x = pw_rng_unit(r), start_h;
    if (x < 0.35)
        start_h = uniform(r, 6, 9); /* morning */
    else if (x < 0.70)
        start_h = uniform(r, 9, 13); /* day */
    else if (x < 0.90)
        start_h = uniform(r, 15, 19); /* evening */
    else
        start_h = uniform(r, 20, 24); /* night */
    w->shift_start_min = (int32_t)(start_h * 60);
    w->shift_len_min = (int32_t)(uniform(r, 4, 10) * 60);
}

static void one_worker(pw_rng *r, sim_worker *w)
{
    memset(w, 0, sizeof(*w));
    w->category[0] = (uint8_t)zipf(r, SIM_CATEGORIES, 0.9);
    w->category_count = 1;
    if (pw_rng_unit(r) < 0.3) {
        int second = zipf(r, SIM_CATEGORIES, 0.9);
        if (second != w->category[0])
            w->category[w->category_count++] = (uint8_t)second;
    }
    for (int c = 0; c < w->category_count; c++) {
        int k = 1 + (int)pw_rng_below(r, 3);
        for (int j = 0; j < k; j++)
            add_skill(w, w->category[c], zipf(r, skills_in(w->category[c]), 1.0));
    }
    w->city = (uint8_t)pick_city(r);
    const city *home = &cities[w->city];
    scatter(r, home->lat, home->lon, 6.0, &w->lat_e6, &w->lon_e6);
    w->radius_km = (uint16_t)(5 + pw_rng_below(r, 26));
    w->remote = pw_rng_unit(r) < 0.08 + 0.6 * sim_catalogue[w->category[0]].remote_share;
    w->flaky = pw_rng_unit(r) < 0.08;
    w->ack_probability = w->flaky ? 0.5f : (float)uniform(r, 0.90, 0.99);
    w->reaction_median_s = (float)uniform(r, 10, 40);
    worker_shift(r, w);
}

/* Workers come in cohorts of SIM_COHORT: the same trades, skills, radius, remote
 * capability, shift and acknowledgement habits, bases within about a kilometre of each
 * other. Within a cohort the workers are equally good on every ground the dispatcher
 * looks at, which is what "equally rated workers share the work" is measured on. */
void sim_population_workers(pw_rng *r, sim_worker *w, int n)
{
    for (int i = 0; i < n; i++) {
        if (i % SIM_COHORT == 0) {
            one_worker(r, &w[i]);
            continue;
        }
        sim_worker *first = &w[i - i % SIM_COHORT];
        w[i] = *first;
        scatter(r, (double)first->lat_e6 / 1e6, (double)first->lon_e6 / 1e6, 0.5, &w[i].lat_e6, &w[i].lon_e6);
    }
}

void sim_population_clients(pw_rng *r, sim_client *c, int n)
{
    for (int i = 0; i < n; i++) {
        memset(&c[i], 0, sizeof(c[i]));
        const city *home = &cities[pick_city(r)];
        scatter(r, home->lat, home->lon, 7.0, &c[i].lat_e6, &c[i].lon_e6);
    }
}

/* ---- tasks ------------------------------------------------------------------------------------ */

static int64_t task_deadline(pw_rng *r, int urgent, int64_t now_ms)
{
    double hours = urgent ? uniform(r, 2, 6) : exp(uniform(r, log(2.0), log(48.0)));
    return now_ms + (int64_t)(hours * 3600.0 * 1000.0);
}

void sim_population_task(pw_rng *r, const sim_client *c, int64_t now_ms, sim_task_draw *out)
{
    memset(out, 0, sizeof(*out));
    pw_new_task *t = &out->task;
    int cat = zipf(r, SIM_CATEGORIES, 0.9);
    const sim_category *k = &sim_catalogue[cat];
    out->category = cat;
    out->local = pw_rng_unit(r) >= k->remote_share;
    snprintf(t->category, sizeof(t->category), "%s", k->name);
    double x = pw_rng_unit(r);
    int want = x < 0.10 ? 0 : x < 0.70 ? 1 : 2, n = skills_in(cat);
    for (int i = 0; i < want; i++) {
        const char *skill = k->skills[zipf(r, n, 1.0)];
        if (t->skills.count == 0 || strcmp(t->skills.tag[0], skill) != 0)
            snprintf(t->skills.tag[t->skills.count++], sizeof(t->skills.tag[0]), "%s", skill);
    }
    snprintf(t->title, sizeof(t->title), "%s job", t->skills.count ? t->skills.tag[0] : k->name);
    snprintf(t->description, sizeof(t->description), "A simulated %s task.", k->name);
    if (out->local) {
        int32_t lat, lon;
        scatter(r, (double)c->lat_e6 / 1e6, (double)c->lon_e6 / 1e6, 1.0, &lat, &lon);
        t->location = (pw_location){.present = 1, .lat_e6 = lat, .lon_e6 = lon};
    }
    double euros = fmax(5.0, sim_lognormal(r, k->price_eur, 0.4));
    int64_t cents = (int64_t)llround(euros * 2.0) * 50;
    t->comp = (pw_compensation){.kind = PW_COMP_MONEY, .amount = {.amount = cents, .asset = "EUR"}};
    t->urgent = pw_rng_unit(r) < 0.10;
    t->deadline_ms = task_deadline(r, t->urgent, now_ms);
    out->work_min = k->work_min;
    out->cancel = pw_rng_unit(r) < 0.03;
    out->cancel_after_ms = (int64_t)(uniform(r, 5, 240) * 60 * 1000);
}
