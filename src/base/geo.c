/* geo.c — see geo.h. The great circle (haversine), the public area (the 0.1-degree cell's
 * centre), and the banded distance to it, which is all any answer says about how far a
 * worker is. */
#include "base/geo.h"

#include <math.h>
#include <stddef.h>

#include "base/assert.h"

double pw_geo_distance_km(int64_t lat1_e6, int64_t lon1_e6, int64_t lat2_e6, int64_t lon2_e6)
{
    const double r = 6371.0088, k = M_PI / 180e6;
    double dlat = (double)(lat2_e6 - lat1_e6) * k, dlon = (double)(lon2_e6 - lon1_e6) * k;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos((double)lat1_e6 * k) * cos((double)lat2_e6 * k) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(fmin(1.0, sqrt(a)));
}

double pw_distance_km(int64_t lat1_e6, int64_t lon1_e6, int64_t lat2_e6, int64_t lon2_e6)
{
    return pw_geo_distance_km(lat1_e6, lon1_e6, lat2_e6, lon2_e6);
}

/* The centre of the cell holding v, cells [n * CELL, (n + 1) * CELL) with n clamped so
 * that the upper edge (90 N, 180 E) belongs to the last cell. */
static int64_t cell_centre(int64_t v, int64_t limit_e6)
{
    int64_t n = v >= 0 ? v / PW_GEO_CELL_E6 : -((-v + PW_GEO_CELL_E6 - 1) / PW_GEO_CELL_E6);
    int64_t last = limit_e6 / PW_GEO_CELL_E6 - 1;
    if (n > last)
        n = last;
    if (n < -last - 1)
        n = -last - 1;
    return n * PW_GEO_CELL_E6 + PW_GEO_CELL_E6 / 2;
}

void pw_geo_public_area(int64_t lat_e6, int64_t lon_e6, int64_t *centre_lat_e6, int64_t *centre_lon_e6)
{
    *centre_lat_e6 = cell_centre(lat_e6, 90000000);
    *centre_lon_e6 = cell_centre(lon_e6, 180000000);
}

/* The bands: below `below_km`, to the nearest `step_km`. */
static const struct band {
    double below_km, step_km;
} bands[] = {{50, 5}, {200, 10}, {INFINITY, 50}};

double pw_geo_shown_distance_km(int64_t from_lat_e6, int64_t from_lon_e6, int64_t base_lat_e6, int64_t base_lon_e6)
{
    int64_t lat, lon;
    pw_geo_public_area(base_lat_e6, base_lon_e6, &lat, &lon);
    double km = pw_geo_distance_km(from_lat_e6, from_lon_e6, lat, lon);
    pw_assert(isfinite(km) && km >= 0);
    size_t i = 0;
    while (km >= bands[i].below_km)
        i++;
    double shown = round(km / bands[i].step_km) * bands[i].step_km;
    return shown < bands[0].step_km ? bands[0].step_km : shown;
}
