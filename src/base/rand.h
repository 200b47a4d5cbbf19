/* rand.h — injected chance. Ids and other non-secret randomness come from here: by
 * default from libsodium's CSPRNG, or, once pw_rand_seed() is called (the simulator,
 * tests), from a seeded xoshiro256** stream so a run replays exactly. Secrets (session
 * tokens, CSRF tokens) never come from here: they always use the CSPRNG directly. */
#ifndef PW_RAND_H
#define PW_RAND_H
#include <stdint.h>

typedef struct pw_rng {
    uint64_t s[4]; /* xoshiro256** state */
} pw_rng;

void pw_rng_seed(pw_rng *r, uint64_t seed);
uint64_t pw_rng_next(pw_rng *r);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint64_t pw_rng_below(pw_rng *r, uint64_t bound);
/* Uniform in [0, 1). */
double pw_rng_unit(pw_rng *r);
/* Uniform in [lo, hi], both included; lo <= hi. */
int64_t pw_rng_range(pw_rng *r, int64_t lo, int64_t hi);

/* The process's id stream: CSPRNG unless seeded. Not thread-safe once seeded (the
 * simulator is single-threaded); the CSPRNG path is. */
void pw_rand_seed(uint64_t seed);
uint64_t pw_rand_u64(void);

/* Ids that sort by creation time: (ms << 15) | 15 bits of the id stream, strictly
 * increasing within the process (thread-safe). */
int64_t pw_time_ordered_id(int64_t now_ms);

#endif
