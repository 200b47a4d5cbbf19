/* bench_search.c — the search engine's speed and size, in process, beside two anchors
 * measured in the same run on the same generated profiles:
 *
 *   SQLite FTS5 (in memory, porter + unicode61 with diacritics removed, bm25() weighted as
 *   our fields are, top 10): the well-kept library the issue names, on the queries it can
 *   answer (exact words: it has no typo correction nor synonyms);
 *   a full scan: every profile's stems scored by the same BM25F with no index, which also
 *   checks the index's top 10 (ids and scores) on every query it runs.
 *
 * Profiles (default 10,000; argv[1] for another count): the simulator's catalogue (12
 * categories, 3-4 skills each, Zipf-like popularity), 1-2 categories and 2-4 skills each, a
 * bio of 12-30 words (skill words, 80 common words of the trade, and names drawn Zipf-wise
 * from 5,000 made-up words, so the vocabulary has a long tail), an area among 24 towns.
 * Queries, 2,000 of each class: frequent (a top category or skill word), rare (a word of
 * the tail), multi (three known words), typo (a skill word with a letter deleted or two
 * swapped), synonym (a row of data/search/synonyms.tsv). Seeded: runs repeat. "postings" is
 * the mean number of postings a query of the class walks (the sum of its terms' documents).
 *
 * usage: bench_search [PROFILES] */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/rand.h"
#include "search/search.h"
#include "sim/sim_internal.h"

#define QUERIES_PER_CLASS 2000
#define SCAN_QUERIES      100 /* the full scan is slow: fewer, spread over the classes it can run */
#define TAIL_WORDS        5000
#define TOP               10

static const char *const common_words[] = {
    "years",      "experience", "friendly",  "reliable",   "weekends",  "evenings",     "tools",    "own",
    "fast",       "careful",    "local",     "references", "insured",   "certified",    "small",    "jobs",
    "big",        "projects",   "home",      "office",     "clients",   "happy",        "quality",  "work",
    "affordable", "prices",     "free",      "quotes",     "available", "today",        "tomorrow", "morning",
    "afternoon",  "students",   "families",  "business",   "repairs",   "installation", "service",  "help",
    "quick",      "tidy",       "honest",    "punctual",   "languages", "english",      "dutch",    "german",
    "french",     "spanish",    "bike",      "car",        "van",       "driving",      "licence",  "garden",
    "kitchen",    "bathroom",   "bedroom",   "living",     "room",      "stairs",       "roof",     "windows",
    "doors",      "floors",     "walls",     "ceilings",   "pets",      "children",     "seniors",  "patient",
    "creative",   "detail",     "organised", "flexible",   "hours",     "nearby",       "city",     "centre",
};
#define COMMON (sizeof(common_words) / sizeof(common_words[0]))

static const char *const towns[] = {
    "Amsterdam", "Rotterdam",  "Utrecht",   "Den Haag",   "Eindhoven", "Groningen",  "Tilburg",   "Almere",
    "Breda",     "Nijmegen",   "Haarlem",   "Arnhem",     "Zaanstad",  "Amersfoort", "Apeldoorn", "Enschede",
    "Leiden",    "Maastricht", "Dordrecht", "Zoetermeer", "Zwolle",    "Delft",      "Alkmaar",   "Hilversum",
};
#define TOWNS (sizeof(towns) / sizeof(towns[0]))

static char tail[TAIL_WORDS][12];

static int zipf(pw_rng *r, int n, double s)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += 1.0 / pow(i + 1, s);
    double x = pw_rng_unit(r) * total;
    for (int i = 0; i < n; i++) {
        x -= 1.0 / pow(i + 1, s);
        if (x <= 0)
            return i;
    }
    return n - 1;
}

/* Zipf over the tail without the O(n) walk per draw: a table of cumulative weights. */
static double tail_cdf[TAIL_WORDS];
static int tail_word(pw_rng *r)
{
    double x = pw_rng_unit(r) * tail_cdf[TAIL_WORDS - 1];
    int lo = 0, hi = TAIL_WORDS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (tail_cdf[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void make_tail(pw_rng *r)
{
    static const char *const syl[] = {"ka", "lo",  "mi",  "ver", "sten", "dra", "bel",  "ton", "rik", "ma",
                                      "jo", "han", "wes", "ter", "van",  "dal", "berg", "hof", "en",  "sa"};
    double sum = 0;
    for (int i = 0; i < TAIL_WORDS; i++) {
        int parts = 2 + (int)pw_rng_below(r, 2);
        tail[i][0] = '\0';
        for (int k = 0; k < parts; k++)
            strcat(tail[i], syl[pw_rng_below(r, 20)]);
        sum += 1.0 / (i + 1);
        tail_cdf[i] = sum;
    }
}

typedef struct profile {
    char skills[256], categories[128], bio[1024], area[32];
} profile;

static void make_profile(pw_rng *r, profile *p)
{
    int c1 = zipf(r, SIM_CATEGORIES, 0.9), c2 = pw_rng_unit(r) < 0.4 ? zipf(r, SIM_CATEGORIES, 0.9) : -1;
    snprintf(p->categories, sizeof(p->categories), "%s%s%s", sim_catalogue[c1].name, c2 >= 0 ? ", " : "",
             c2 >= 0 ? sim_catalogue[c2].name : "");
    p->skills[0] = '\0';
    int skills = 2 + (int)pw_rng_below(r, 3);
    for (int k = 0; k < skills; k++) {
        int c = k % 2 && c2 >= 0 ? c2 : c1, n = 0;
        while (n < SIM_SKILLS_PER_CATEGORY_MAX && sim_catalogue[c].skills[n] != NULL)
            n++;
        if (k)
            strcat(p->skills, ", ");
        strcat(p->skills, sim_catalogue[c].skills[zipf(r, n, 1.0)]);
    }
    p->bio[0] = '\0';
    int words = 12 + (int)pw_rng_below(r, 19);
    for (int k = 0; k < words; k++) {
        double u = pw_rng_unit(r);
        const char *w = u < 0.15   ? sim_catalogue[c1].skills[0]
                        : u < 0.65 ? common_words[zipf(r, COMMON, 1.0)]
                                   : tail[tail_word(r)];
        if (k)
            strcat(p->bio, " ");
        strcat(p->bio, w);
    }
    snprintf(p->area, sizeof(p->area), "%s", towns[zipf(r, TOWNS, 1.0)]);
}

/* ---- queries ------------------------------------------------------------------------------ */

enum { Q_FREQUENT, Q_RARE, Q_MULTI, Q_TYPO, Q_SYNONYM, Q_CLASSES };
static const char *const class_name[Q_CLASSES] = {"frequent", "rare", "multi", "typo", "synonym"};
static const char *const synonym_words[] = {"tap",     "grass",     "logo",     "laptop",  "dog",       "leak",
                                            "website", "translate", "homework", "invoice", "groceries", "hedge"};

static void make_query(pw_rng *r, int cls, char *out, size_t size)
{
    switch (cls) {
    case Q_FREQUENT: {
        int c = zipf(r, 4, 1.0);
        snprintf(out, size, "%s", pw_rng_unit(r) < 0.5 ? sim_catalogue[c].name : sim_catalogue[c].skills[0]);
        break;
    }
    case Q_RARE: snprintf(out, size, "%s", tail[1000 + pw_rng_below(r, TAIL_WORDS - 1000)]); break;
    case Q_MULTI:
        snprintf(out, size, "%s %s %s", sim_catalogue[zipf(r, SIM_CATEGORIES, 0.9)].skills[0],
                 common_words[pw_rng_below(r, COMMON)], tail[tail_word(r)]);
        break;
    case Q_TYPO: {
        char w[64];
        const char *skill;
        do {
            skill = sim_catalogue[zipf(r, SIM_CATEGORIES, 0.9)].skills[pw_rng_below(r, 3)];
        } while (strchr(skill, ' ') != NULL || strlen(skill) < 6);
        snprintf(w, sizeof(w), "%s", skill);
        size_t n = strlen(w), i = 1 + pw_rng_below(r, n - 2);
        if (pw_rng_unit(r) < 0.5) {
            memmove(w + i, w + i + 1, n - i); /* a letter left out */
        } else {
            char t = w[i]; /* two swapped */
            w[i] = w[i + 1];
            w[i + 1] = t;
        }
        snprintf(out, size, "%s", w);
        break;
    }
    default:
        snprintf(out, size, "%s", synonym_words[pw_rng_below(r, sizeof(synonym_words) / sizeof(synonym_words[0]))]);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- the full-scan anchor: the same BM25F with no index ------------------------------------- */

typedef struct scan_doc {
    int n[PW_SEARCH_FIELDS];
    char (*stem[PW_SEARCH_FIELDS])[PW_SEARCH_WORD_MAX_BYTES + 1];
} scan_doc;

static void scan_add(pw_search *s, scan_doc *d, const profile *p)
{
    const char *field[PW_SEARCH_FIELDS] = {p->skills, p->categories, p->bio, p->area};
    for (int f = 0; f < PW_SEARCH_FIELDS; f++) {
        d->stem[f] = malloc(64 * sizeof(*d->stem[f]));
        d->n[f] = pw_search_analyze(s, field[f], strlen(field[f]), NULL, d->stem[f], 64);
        if (d->n[f] < 0 || d->n[f] > 64)
            exit(1);
    }
}

/* Top TOP ids by the engine's formula over every document, for a query of exact stems. */
static int scan_query(const scan_doc *docs, int n, const pw_search_result *q, int64_t *ids, double *scores)
{
    pw_search_policy p;
    pw_search_policy_defaults(&p);
    double avg[PW_SEARCH_FIELDS] = {0};
    for (int i = 0; i < n; i++)
        for (int f = 0; f < PW_SEARCH_FIELDS; f++)
            avg[f] += docs[i].n[f];
    for (int f = 0; f < PW_SEARCH_FIELDS; f++)
        avg[f] /= n;
    double idf[PW_SEARCH_EXPANSIONS_MAX];
    for (int e = 0; e < q->expansion_count; e++) {
        int df = 0;
        for (int i = 0; i < n; i++) {
            int has = 0;
            for (int f = 0; f < PW_SEARCH_FIELDS && !has; f++)
                for (int k = 0; k < docs[i].n[f] && !has; k++)
                    has = strcmp(docs[i].stem[f][k], q->expansion[e].stem) == 0;
            df += has;
        }
        idf[e] = log(1 + (n - df + 0.5) / (df + 0.5));
    }
    int count = 0;
    for (int i = 0; i < n; i++) {
        double total = 0;
        for (int e = 0; e < q->expansion_count; e++) {
            double tf = 0;
            for (int f = 0; f < PW_SEARCH_FIELDS; f++) {
                int c = 0;
                for (int k = 0; k < docs[i].n[f]; k++)
                    c += strcmp(docs[i].stem[f][k], q->expansion[e].stem) == 0;
                if (c)
                    tf += p.field_weight[f] * c / (1 - p.b + p.b * docs[i].n[f] / avg[f]);
            }
            if (tf > 0)
                total += idf[e] * tf * (p.k1 + 1) / (p.k1 + tf);
        }
        if (total <= 0)
            continue;
        int64_t id = i + 1;
        int at = count < TOP ? count++ : TOP;
        while (at > 0 && (scores[at - 1] < total || (scores[at - 1] == total && ids[at - 1] > id))) {
            if (at < TOP) {
                scores[at] = scores[at - 1];
                ids[at] = ids[at - 1];
            }
            at--;
        }
        if (at < TOP) {
            scores[at] = total;
            ids[at] = id;
        }
    }
    return count;
}

/* ---- FTS5 ------------------------------------------------------------------------------------ */

static sqlite3 *fts_build(const profile *p, int n, double *seconds)
{
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "CREATE VIRTUAL TABLE p USING fts5(skills, categories, bio, area,"
                     " tokenize = 'porter unicode61 remove_diacritics 2')",
                     NULL, NULL, NULL) != SQLITE_OK)
        exit(1);
    int64_t t0 = pw_monotonic_ns();
    sqlite3_stmt *st;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO p (rowid, skills, categories, bio, area) VALUES (?, ?, ?, ?, ?)", -1, &st,
                       NULL);
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, i + 1);
        sqlite3_bind_text(st, 2, p[i].skills, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p[i].categories, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, p[i].bio, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, p[i].area, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            exit(1);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    *seconds = (double)(pw_monotonic_ns() - t0) / 1e9;
    return db;
}

/* Top 10 for the query's words OR'ed; returns the rows found. */
static int fts_query(sqlite3 *db, sqlite3_stmt *st, const char *text)
{
    char match[512] = "";
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", text);
    char *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        if (match[0])
            strcat(match, " OR ");
        strcat(match, "\"");
        strcat(match, w);
        strcat(match, "\"");
    }
    sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        rows++;
    sqlite3_reset(st);
    return rows;
}

/* ---- the run ----------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    if (n < 100 || n > 2000000) {
        fprintf(stderr, "usage: bench_search [PROFILES: 100..2000000]\n");
        return 2;
    }
    pw_rng r;
    pw_rng_seed(&r, 15);
    make_tail(&r);
    profile *p = malloc(sizeof(profile) * (size_t)n);
    for (int i = 0; i < n; i++)
        make_profile(&r, &p[i]);

    char path[1024];
    const char *root = getenv("PW_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/data/search/synonyms.tsv", root != NULL ? root : PW_SOURCE_DIR);
    pw_search_synonyms *syn = NULL;
    pw_error err = {0};
    if (pw_search_synonyms_load(path, &syn, &err) != PW_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    pw_search *s;
    if (pw_search_new(NULL, syn, &s) != PW_OK)
        return 1;
    int64_t t0 = pw_monotonic_ns();
    for (int i = 0; i < n; i++) {
        pw_search_doc d = {.id = i + 1, .field = {p[i].skills, p[i].categories, p[i].bio, p[i].area}};
        if (pw_search_put(s, &d) != PW_OK)
            return 1;
    }
    double build_s = (double)(pw_monotonic_ns() - t0) / 1e9;
    double fts_build_s;
    sqlite3 *db = fts_build(p, n, &fts_build_s);
    sqlite3_stmt *fst;
    sqlite3_prepare_v2(db, "SELECT rowid FROM p WHERE p MATCH ? ORDER BY bm25(p, 3.0, 2.0, 1.0, 0.5) LIMIT 10", -1,
                       &fst, NULL);
    pw_search_stats st;
    pw_search_stats_get(s, &st);
    printf("search engine, %d generated profiles (%zu stems, %zu words, %zu postings)\n", n, st.terms, st.words,
           st.postings);
    printf("  build: %.3f s, %.0f profiles/s; FTS5 %.3f s, %.0f profiles/s -> %.2fx FTS5's rate\n", build_s,
           n / build_s, fts_build_s, n / fts_build_s, fts_build_s / build_s);
    printf("  memory: %zu bytes, %.0f bytes per profile\n", st.memory_bytes, (double)st.memory_bytes / n);

    pw_search_result *res = malloc(sizeof(*res));
    double *us = malloc(sizeof(double) * QUERIES_PER_CLASS), *fts_us = malloc(sizeof(double) * QUERIES_PER_CLASS);
    char text[256];
    printf("  %-9s %9s %9s %9s %8s %8s | %9s %9s %7s\n", "class", "p50 us", "p99 us", "max us", "found%", "postings",
           "FTS5 p50", "FTS5 p99", "p50 x");
    for (int cls = 0; cls < Q_CLASSES; cls++) {
        pw_rng qr;
        pw_rng_seed(&qr, 100 + (uint64_t)cls);
        int found = 0, fts_n = 0;
        double postings = 0;
        for (int i = 0; i < QUERIES_PER_CLASS; i++) {
            make_query(&qr, cls, text, sizeof(text));
            pw_search_query q = {.text = text, .limit = TOP};
            int64_t start = pw_monotonic_ns();
            if (pw_search_run(s, &q, res, &err) != PW_OK)
                return 1;
            us[i] = (double)(pw_monotonic_ns() - start) / 1e3;
            found += res->hit_count > 0;
            for (int e = 0; e < res->expansion_count; e++)
                postings += (double)res->expansion[e].documents;
            if (cls <= Q_MULTI) { /* FTS5 answers exact words only */
                start = pw_monotonic_ns();
                fts_query(db, fst, text);
                fts_us[fts_n++] = (double)(pw_monotonic_ns() - start) / 1e3;
            }
        }
        qsort(us, QUERIES_PER_CLASS, sizeof(double), cmp_double);
        printf("  %-9s %9.1f %9.1f %9.1f %7.1f%% %8.0f", class_name[cls], us[QUERIES_PER_CLASS / 2],
               us[QUERIES_PER_CLASS * 99 / 100], us[QUERIES_PER_CLASS - 1], 100.0 * found / QUERIES_PER_CLASS,
               postings / QUERIES_PER_CLASS);
        if (fts_n > 0) {
            qsort(fts_us, (size_t)fts_n, sizeof(double), cmp_double);
            printf(" | %9.1f %9.1f %6.1fx\n", fts_us[fts_n / 2], fts_us[fts_n * 99 / 100],
                   fts_us[fts_n / 2] / us[QUERIES_PER_CLASS / 2]);
        } else {
            printf(" | %9s %9s %7s\n", "-", "-", "-");
        }
    }

    /* the full scan: the same answers, and what the index saves */
    scan_doc *docs = calloc((size_t)n, sizeof(scan_doc));
    for (int i = 0; i < n; i++)
        scan_add(s, &docs[i], &p[i]);
    double index_total = 0, scan_total = 0;
    int checked = 0, same = 0;
    pw_rng qr;
    pw_rng_seed(&qr, 99);
    for (int i = 0; checked < SCAN_QUERIES && i < 10 * SCAN_QUERIES; i++) {
        make_query(&qr, i % 3, text, sizeof(text)); /* frequent, rare, multi */
        pw_search_query q = {.text = text, .limit = TOP};
        int64_t start = pw_monotonic_ns();
        pw_search_run(s, &q, res, &err);
        double t_index = (double)(pw_monotonic_ns() - start) / 1e3;
        int exact = 1;
        for (int e = 0; e < res->expansion_count; e++)
            exact &= res->expansion[e].kind == PW_SEARCH_EXACT;
        if (!exact)
            continue; /* a synonym row or a typo: the scan scores exact stems only */
        int64_t ids[TOP];
        double scores[TOP];
        start = pw_monotonic_ns();
        int got = scan_query(docs, n, res, ids, scores);
        scan_total += (double)(pw_monotonic_ns() - start) / 1e3;
        index_total += t_index;
        checked++;
        int ok = got == res->hit_count;
        for (int k = 0; ok && k < got; k++)
            ok = ids[k] == res->hit[k].id && fabs(scores[k] - res->hit[k].score) < 1e-9;
        same += ok;
    }
    printf("  full scan anchor, %d exact queries: mean %.1f us vs the index's %.1f us -> %.0fx; same top %d on %d of "
           "%d\n",
           checked, scan_total / checked, index_total / checked, scan_total / index_total, TOP, same, checked);
    for (int i = 0; i < n; i++)
        for (int f = 0; f < PW_SEARCH_FIELDS; f++)
            free(docs[i].stem[f]);
    free(docs);
    sqlite3_finalize(fst);
    sqlite3_close(db);
    free(us);
    free(fts_us);
    free(res);
    free(p);
    pw_search_free(s);
    return same == checked ? 0 : 1;
}
