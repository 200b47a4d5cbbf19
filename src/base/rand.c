/* rand.c — see rand.h. xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
#include "base/rand.h"

#include <sodium.h>
#include <stdatomic.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void pw_rng_seed(pw_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t pw_rng_next(pw_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t pw_rng_below(pw_rng *r, uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do {
        v = pw_rng_next(r);
    } while (v >= limit);
    return v % bound;
}

double pw_rng_unit(pw_rng *r) { return (double)(pw_rng_next(r) >> 11) * 0x1.0p-53; }

int64_t pw_rng_range(pw_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)pw_rng_below(r, (uint64_t)(hi - lo) + 1);
}

static int seeded;
static pw_rng ids;

void pw_rand_seed(uint64_t seed)
{
    pw_rng_seed(&ids, seed);
    seeded = 1;
}

uint64_t pw_rand_u64(void)
{
    if (seeded)
        return pw_rng_next(&ids);
    uint64_t v;
    randombytes_buf(&v, sizeof(v));
    return v;
}

/* Strictly increasing within the process, so two ids made in one millisecond never
 * collide here; across instances 15 random bits make a collision unlikely and the primary
 * key refuses one. */
int64_t pw_time_ordered_id(int64_t now_ms)
{
    static _Atomic int64_t last;
    int64_t id = (now_ms << 15) | (int64_t)(pw_rand_u64() & 0x7fff);
    int64_t seen = atomic_load(&last);
    do {
        if (id <= seen)
            id = seen + 1;
    } while (!atomic_compare_exchange_weak(&last, &seen, id));
    return id;
}
