/* seed_internal.h — what the demo seed's two files share: the cast and the catalogue
 * (seed_data.c: people, towns, kinds of task, words) and the run (seed.c). Not a public
 * interface: the command is pw_cmd_seed (seed.h). */
#ifndef PW_SEED_INTERNAL_H
#define PW_SEED_INTERNAL_H
#include <stdint.h>

/* A real place of the gazetteer (build/places.tsv: name, lat, lon as GeoNames has them). */
typedef struct seed_town {
    const char *name;
    double lat, lon;
    int weight; /* how often a local task is posted here, relative */
} seed_town;

typedef struct seed_worker {
    const char *name, *email, *bio, *skills[3], *categories[2];
    int town;      /* index into seed_towns; -1: remote only */
    int remote;    /* takes remote tasks too */
    int radius_km; /* around the town's centre */
} seed_worker;

typedef struct seed_client {
    const char *name, *email;
} seed_client;

/* A kind of task clients post. price in whole euros; goods: paid in goods instead. */
typedef struct seed_kind {
    const char *title, *description, *category, *skill;
    int local;              /* at a place (a town of seed_towns), or remote */
    int price_lo, price_hi; /* euros */
    const char *goods;      /* non-NULL: compensation in goods */
    int weight;             /* how often, relative */
} seed_kind;

extern const seed_town seed_towns[];
extern const int seed_town_count;
extern const seed_worker seed_workers[];
extern const int seed_worker_count;
extern const seed_client seed_clients[];
extern const int seed_client_count;
extern const seed_kind seed_kinds[]; /* that the demo's workers can do */
extern const int seed_kind_count;
extern const seed_kind seed_unfit[]; /* that nobody in the demo does: they wait and expire */
extern const int seed_unfit_count;

/* Words for the conversations, each list NULL-terminated. */
extern const char *const seed_words_on_ack_local[], *const seed_words_on_ack_remote[];
extern const char *const seed_words_client_reply[], *const seed_words_done[], *const seed_words_thanks[];
extern const char *const seed_words_dispute[], *const seed_words_dispute_reply[];

/* The index of `name` in seed_kinds or seed_unfit (by title), for the scripted tasks; -1 if none. */
int seed_kind_find(const seed_kind *kinds, int count, const char *title);

#endif
