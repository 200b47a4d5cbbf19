/* engine_fixture.h — for the dispatch tests: a local worker as the engine indexes it. The
 * caller includes cmocka and dispatch/engine.h first. */
#ifndef PW_TEST_ENGINE_FIXTURE_H
#define PW_TEST_ENGINE_FIXTURE_H
#include <math.h>
#include <stdint.h>

/* A local worker at (lat, lon), radius 10 km, in `category`, last assigned an hour before
 * now_ms, with a clean record (10 acked, 10 completed, 10 on time). */
static inline pw_engine_worker engine_local_worker(int64_t id, double lat, double lon, int skill_count,
                                                   const char *const *skills, const char *category, int64_t now_ms)
{
    pw_engine_worker w = {.profile = {.user_id = id,
                                      .has_base = 1,
                                      .lat_e6 = (int32_t)lrint(lat * 1e6),
                                      .lon_e6 = (int32_t)lrint(lon * 1e6),
                                      .radius_km = 10,
                                      .skill_count = skill_count,
                                      .category_count = 1},
                          .last_assigned_ms = now_ms - 3600 * 1000,
                          .acked = 10,
                          .completed = 10,
                          .on_time = 10};
    for (int i = 0; i < skill_count; i++)
        w.profile.skills[i] = skills[i];
    w.profile.categories[0] = category;
    return w;
}

#endif
