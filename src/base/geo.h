/* geo.h — places on the earth, and the one rule for what may be shown of a person's place.
 *
 * A worker's base (micro-degrees) is private: dispatch uses it and it never leaves the
 * server. What a client or a stranger may learn of it is the PUBLIC AREA, the 0.1-degree
 * cell the base lies in (about 11 x 7 km at these latitudes), shown as the cell's centre.
 * Every distance about a worker that any answer carries is pw_geo_shown_distance_km: the
 * distance from the asking point to the public area's centre, put into a coarse band. It
 * is a function of the point and the cell alone, so two workers anywhere in the same cell
 * read the same from every point, and no number of requests, from points however chosen,
 * narrows the base down below the cell. (Rounding the exact distance instead would not
 * do: an attacker moving the point until the rounded value flips finds the exact distance
 * at the flip, and three of those locate the base.)
 *
 * Callers: the dispatch explanation (distance_km and the distance part shown to clients
 * and admins, src/dispatch/dispatch.c), the public profile's area (src/market/workers.c),
 * and search results' why.distance_km (issue 15): give it the query point and the
 * worker's base, show what it returns, and rank by it rather than the exact distance
 * wherever the order is shown. docs/SECURITY.md, "Locating workers", states the rule. */
#ifndef PW_GEO_H
#define PW_GEO_H
#include <stdint.h>

/* The public area's cell, in micro-degrees. */
#define PW_GEO_CELL_E6 100000

/* Great-circle distance in km between two points given in micro-degrees. */
double pw_geo_distance_km(int64_t lat1_e6, int64_t lon1_e6, int64_t lat2_e6, int64_t lon2_e6);
/* The same, under the name the dispatcher, the simulator and their tests call it by. */
double pw_distance_km(int64_t lat1_e6, int64_t lon1_e6, int64_t lat2_e6, int64_t lon2_e6);

/* The centre of the public area of a place: the centre of its 0.1-degree cell (floor, so
 * negative coordinates go to the cell below; 90 N and 180 E fall in the last cell). */
void pw_geo_public_area(int64_t lat_e6, int64_t lon_e6, int64_t *centre_lat_e6, int64_t *centre_lon_e6);

/* What may be shown of how far a worker whose base is (base_lat_e6, base_lon_e6) is from
 * the point (from_lat_e6, from_lon_e6), in km: the distance from the point to the centre
 * of the base's public area, in bands — to the nearest 5 km below 50 km (at least 5),
 * to the nearest 10 km below 200 km, to the nearest 50 km beyond. The true distance can
 * differ from it by the band and by up to the cell's half-diagonal (about 8 km). Pure. */
double pw_geo_shown_distance_km(int64_t from_lat_e6, int64_t from_lon_e6, int64_t base_lat_e6, int64_t base_lon_e6);

#endif
