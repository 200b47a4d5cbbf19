/* test_geo.c — unit tests of src/base/geo.c, the one rule for what may be shown of a
 * person's place (docs/SECURITY.md, "Locating workers"):
 *   - the public area is the centre of the 0.1-degree cell, with floor semantics for
 *     negative coordinates and the last cell holding 90 N and 180 E;
 *   - the shown distance is the distance from the point to that centre, in bands (5 km
 *     steps below 50 km and at least 5, 10 km below 200, 50 km beyond);
 *   - the property the rule exists for: from any point, every base in one cell gives the
 *     same shown distance (seeded random cells, bases and points), so answers combined over
 *     any number of points narrow a base down no further than its cell;
 *   - the great circle against known distances (under both its names). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "base/geo.h"
#include "base/rand.h"

static void assert_near(double got, double want, double tolerance)
{
    if (!(fabs(got - want) <= tolerance))
        print_error("got %.15f, want %.15f (+-%g)\n", got, want, tolerance);
    assert_true(fabs(got - want) <= tolerance);
}

static void area_is(int64_t lat_e6, int64_t lon_e6, int64_t want_lat_e6, int64_t want_lon_e6)
{
    int64_t lat = 0, lon = 0;
    pw_geo_public_area(lat_e6, lon_e6, &lat, &lon);
    if (lat != want_lat_e6 || lon != want_lon_e6)
        print_error("area of (%lld, %lld) is (%lld, %lld), want (%lld, %lld)\n", (long long)lat_e6, (long long)lon_e6,
                    (long long)lat, (long long)lon, (long long)want_lat_e6, (long long)want_lon_e6);
    assert_true(lat == want_lat_e6 && lon == want_lon_e6);
}

static void test_public_area(void **state)
{
    (void)state;
    area_is(52331200, 4873300, 52350000, 4850000); /* Amsterdam-ish */
    area_is(52300000, 4800000, 52350000, 4850000); /* the cell's own corner belongs to it */
    area_is(52399999, 4899999, 52350000, 4850000);
    area_is(52400000, 4900000, 52450000, 4950000);       /* the next cell */
    area_is(-33868800, 151209300, -33850000, 151250000); /* Sydney: floor, not truncation */
    area_is(-1, -1, -50000, -50000);                     /* just below zero is the cell below */
    area_is(0, 0, 50000, 50000);
    area_is(90000000, 180000000, 89950000, 179950000); /* the edges fall in the last cell */
    area_is(-90000000, -180000000, -89950000, -179950000);
}

/* The band of a distance to the cell centre, checked through points due north of a centre. */
static double shown_from_north(double km)
{
    const int64_t centre_lat = 10050000, centre_lon = 20050000; /* the cell 10.0..10.1, 20.0..20.1 */
    int64_t lat = centre_lat + (int64_t)llround(km / pw_geo_distance_km(0, 0, 1000000, 0) * 1e6);
    return pw_geo_shown_distance_km(lat, centre_lon, 10012345, 20098765); /* a base elsewhere in that cell */
}

static void test_bands(void **state)
{
    (void)state;
    assert_near(shown_from_north(0), 5, 0); /* never less than the first band */
    assert_near(shown_from_north(2.4), 5, 0);
    assert_near(shown_from_north(7.4), 5, 0);
    assert_near(shown_from_north(7.6), 10, 0);
    assert_near(shown_from_north(23), 25, 0);
    assert_near(shown_from_north(49), 50, 0);
    assert_near(shown_from_north(51), 50, 0); /* 10 km steps from 50 */
    assert_near(shown_from_north(56), 60, 0);
    assert_near(shown_from_north(194), 190, 0);
    assert_near(shown_from_north(201), 200, 0); /* 50 km steps from 200 */
    assert_near(shown_from_north(226), 250, 0);
    assert_near(shown_from_north(1234), 1250, 0);
    /* the distance is to the centre, not to the base: a point on the base, 7.6 km from the centre, reads 10 */
    assert_near(pw_geo_shown_distance_km(10098765, 20001234, 10098765, 20001234), 10, 0);
    assert_near(pw_geo_shown_distance_km(10248765, 20050000, 10098765, 20001234), 20, 0); /* 22.1 km from the centre */
}

/* A random point within about 300 km of (lat, lon), in micro-degrees. */
static void near_point(pw_rng *r, int64_t lat, int64_t lon, int64_t *out_lat, int64_t *out_lon)
{
    *out_lat = lat + pw_rng_range(r, -2700000, 2700000);
    *out_lon = lon + pw_rng_range(r, -2700000, 2700000);
    if (*out_lat > 89000000)
        *out_lat = 89000000;
    if (*out_lat < -89000000)
        *out_lat = -89000000;
}

static void test_same_cell_reads_the_same_from_everywhere(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 20261203);
    for (int cell = 0; cell < 200; cell++) {
        int64_t lat0 = pw_rng_range(&r, -880, 879) * 100000, lon0 = pw_rng_range(&r, -1800, 1799) * 100000;
        for (int point = 0; point < 50; point++) {
            int64_t plat, plon;
            near_point(&r, lat0, lon0, &plat, &plon);
            double first = pw_geo_shown_distance_km(plat, plon, lat0, lon0); /* the cell's corner */
            for (int base = 0; base < 20; base++) {
                int64_t blat = lat0 + pw_rng_range(&r, 0, PW_GEO_CELL_E6 - 1);
                int64_t blon = lon0 + pw_rng_range(&r, 0, PW_GEO_CELL_E6 - 1);
                double shown = pw_geo_shown_distance_km(plat, plon, blat, blon);
                if (shown != first)
                    print_error("cell (%lld, %lld): base (%lld, %lld) reads %g from (%lld, %lld), the corner %g\n",
                                (long long)lat0, (long long)lon0, (long long)blat, (long long)blon, shown,
                                (long long)plat, (long long)plon, first);
                assert_true(shown == first);
            }
        }
    }
}

static void test_great_circle(void **state)
{
    (void)state;
    assert_near(pw_geo_distance_km(52367600, 4904100, 48856600, 2352200), 430.0, 1.5); /* Amsterdam - Paris */
    assert_near(pw_geo_distance_km(0, 0, 0, 1000000), 111.195, 0.001);
    assert_near(pw_geo_distance_km(0, -179500000, 0, 179500000), 111.195, 0.001); /* across the date line */
    assert_near(pw_geo_distance_km(52367600, 4904100, 52367600, 4904100), 0.0, 1e-12);
}

/* pw_distance_km, the name the dispatcher and the simulator use, against known distances. */
static void test_distance_km(void **state)
{
    (void)state;
    /* Amsterdam - Paris: about 430 km (haversine on the mean Earth radius: 429.862 km) */
    double ams_par = pw_distance_km(52367600, 4904100, 48856600, 2352200);
    assert_near(ams_par, 430.0, 4.3);
    assert_near(ams_par, 429.862, 0.01);
    assert_near(pw_distance_km(48856600, 2352200, 52367600, 4904100), ams_par, 1e-9); /* symmetric */
    /* London - New York: about 5570 km */
    assert_near(pw_distance_km(51507400, -127800, 40712800, -74006000), 5570.230, 0.01);
    /* one degree of longitude on the equator; half the circumference; zero */
    assert_near(pw_distance_km(0, 0, 0, 1000000), 111.195, 0.001);
    assert_near(pw_distance_km(0, 0, 0, 180000000), 20015.114, 0.01);
    assert_near(pw_distance_km(0, -179500000, 0, 179500000), 111.195, 0.001); /* across the date line */
    assert_near(pw_distance_km(90000000, 0, 90000000, 123000000), 0.0, 1e-6); /* the pole: longitude is moot */
    assert_near(pw_distance_km(52367600, 4904100, 52367600, 4904100), 0.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_area),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_same_cell_reads_the_same_from_everywhere),
        cmocka_unit_test(test_great_circle),
        cmocka_unit_test(test_distance_km),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
