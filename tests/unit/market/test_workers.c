/* test_workers.c — unit tests of worker profiles as a request body gives them
 * (market/workers.h): tags (lower-cased, trimmed, de-duplicated, bounded), locations,
 * and the profile rules (remote or a place, radius, bio). The string-field rules they
 * build on are base's: test_json_util.c.
 *
 * Only public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/limits.h"
#include "market/workers.h"
#include "json_fixture.h"

/* ==== workers =============================================================================== */

/* Each parser on a body given as test text: tags from "skills", a location from
 * "location", or a whole profile. */
typedef enum { PARSE_TAGS, PARSE_LOCATION, PARSE_PROFILE } parser;

static int parse_body(parser which, const char *body, int required, void *out, pw_error *err)
{
    json_t *obj = J(body);
    int rc = which == PARSE_TAGS       ? pw_tags_parse(obj, "skills", required, out, err)
             : which == PARSE_LOCATION ? pw_location_parse(obj, "location", out, err)
                                       : pw_worker_profile_parse(obj, out, err);
    json_decref(obj);
    return rc;
}

static int tags(const char *body, int required, pw_tags *out, pw_error *err)
{
    return parse_body(PARSE_TAGS, body, required, out, err);
}

static int location(const char *body, pw_location *out, pw_error *err)
{
    return parse_body(PARSE_LOCATION, body, 0, out, err);
}

static int profile(const char *body, pw_worker_profile *out, pw_error *err)
{
    return parse_body(PARSE_PROFILE, body, 0, out, err);
}

static void test_tags_parse(void **state)
{
    (void)state;
    pw_tags t;
    pw_error err;
    assert_int_equal(
        tags("{\"skills\": [\"Plumbing\", \"plumbing\", \"PLUMBING\", \"Electrics\", \"c++\"]}", 1, &t, &err), 0);
    assert_int_equal(t.count, 3);
    assert_string_equal(t.tag[0], "plumbing");
    assert_string_equal(t.tag[1], "electrics");
    assert_string_equal(t.tag[2], "c++");

    assert_int_equal(tags("{}", 0, &t, &err), 0);
    assert_int_equal(t.count, 0);
    assert_int_equal(tags("{\"skills\": null}", 0, &t, &err), 0);
    assert_int_equal(tags("{\"skills\": []}", 0, &t, &err), 0);
    /* required: refused when absent, empty, of the wrong type, or with a blank or control tag */
    static const struct {
        const char *body;
        int status;
    } bad[] = {
        {"{}", 422},
        {"{\"skills\": []}", 422},
        {"{\"skills\": \"plumbing\"}", 400},
        {"{\"skills\": [\"a\", 3]}", 400},
        {"{\"skills\": [\"\"]}", 422},
        {"{\"skills\": [\"   \"]}", 422},
        {"{\"skills\": [\"a\\u0001b\"]}", 422},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_refused(tags(bad[i].body, 1, &t, &err), &err, bad[i].status, "skills", bad[i].body);

    /* 40 characters per tag (counted in characters), 20 tags per list */
    char body[2048];
    char tag40[41], tag41[42];
    memset(tag40, 'x', 40);
    tag40[40] = '\0';
    memset(tag41, 'x', 41);
    tag41[41] = '\0';
    snprintf(body, sizeof(body), "{\"skills\": [\"%s\"]}", tag40);
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(strlen(t.tag[0]), 40);
    snprintf(body, sizeof(body), "{\"skills\": [\"%s\"]}", tag41);
    assert_int_equal(tags(body, 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    char wide[256] = ""; /* 40 x 6 escaped bytes + NUL */
    for (int i = 0; i < 40; i++)
        strcat(wide, "\\u00e9"); /* 40 two-byte characters: 80 bytes, still 40 characters */
    snprintf(body, sizeof(body), "{\"skills\": [\"%s\"]}", wide);
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(strlen(t.tag[0]), 80);

    strcpy(body, "{\"skills\": [");
    for (int i = 0; i < PW_TAGS_MAX; i++)
        snprintf(body + strlen(body), sizeof(body) - strlen(body), "%s\"t%d\"", i ? "," : "", i);
    strcat(body, "]}");
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(t.count, PW_TAGS_MAX);
    assert_string_equal(t.tag[19], "t19");
    body[strlen(body) - 2] = '\0';
    strcat(body, ",\"t20\"]}");
    assert_int_equal(tags(body, 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    /* the limit is on items sent, before duplicates are dropped */
    strcpy(body, "{\"skills\": [");
    for (int i = 0; i <= PW_TAGS_MAX; i++)
        strcat(body, i ? ",\"same\"" : "\"same\"");
    strcat(body, "]}");
    assert_int_equal(tags(body, 1, &t, &err), PW_EREFUSED);

    json_t *j = pw_tags_json(&(pw_tags){.count = 2, .tag = {"a", "b"}});
    char *text = json_dumps(j, JSON_COMPACT);
    assert_string_equal(text, "[\"a\",\"b\"]");
    free(text);
    json_decref(j);
    assert_int_equal(pw_tags_from_json_text("[\"x\",\"y\",3]", &t), 0);
    assert_int_equal(t.count, 2);
    assert_int_equal(pw_tags_from_json_text(NULL, &t), 0);
    assert_int_equal(t.count, 0);
    assert_int_equal(pw_tags_from_json_text("{\"x\":1}", &t), PW_EREFUSED);
    assert_int_equal(pw_tags_from_json_text("not json", &t), PW_EREFUSED);
}

/* Tags are trimmed of spaces and tabs before lower-casing and de-duplication (workers.h:
 * "lower-cased, trimmed"), so " Plumbing" and "plumbing " are the tag a task asks for;
 * a tag that is only white space is refused. Regression test: trimming was missing. */
static void test_tags_trimmed(void **state)
{
    (void)state;
    pw_tags t;
    pw_error err;
    assert_int_equal(tags("{\"skills\": [\" Plumbing\", \"plumbing \", \"  plumbing  \", \"plumbing\", "
                          "\"  gas  fitting \"]}",
                          1, &t, &err),
                     0);
    if (t.count != 2 || strcmp(t.tag[0], "plumbing") != 0)
        print_error("tags not trimmed: count %d, first \"%s\"\n", t.count, t.tag[0]);
    assert_int_equal(t.count, 2);
    assert_string_equal(t.tag[0], "plumbing");
    assert_string_equal(t.tag[1], "gas  fitting"); /* inner white space is kept */
    assert_int_equal(tags("{\"skills\": [\"ok\", \"   \"]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    /* a tab is a control character in a one-line field: refused, not trimmed */
    assert_int_equal(tags("{\"skills\": [\"\\tplumbing\"]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    /* the 40-character limit counts what was sent, before trimming */
    char body[200];
    snprintf(body, sizeof(body), "{\"skills\": [\" %s \"]}", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"); /* 38 + 2 */
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(strlen(t.tag[0]), 38);
}

static void test_location_parse(void **state)
{
    (void)state;
    pw_location loc;
    pw_error err;
    assert_int_equal(location("{\"location\": {\"lat\": 52.3676, \"lon\": 4.9041}}", &loc, &err), 0);
    assert_int_equal(loc.present, 1);
    assert_int_equal(loc.lat_e6, 52367600);
    assert_int_equal(loc.lon_e6, 4904100);
    assert_int_equal(location("{\"location\": {\"lat\": -33, \"lon\": -70}}", &loc, &err), 0); /* integers too */
    assert_int_equal(loc.lat_e6, -33000000);
    assert_int_equal(loc.lon_e6, -70000000);
    assert_int_equal(location("{\"location\": {\"lat\": 90, \"lon\": 180}}", &loc, &err), 0);
    assert_int_equal(loc.lat_e6, 90000000);
    assert_int_equal(loc.lon_e6, 180000000);
    assert_int_equal(location("{\"location\": {\"lat\": -90, \"lon\": -180}}", &loc, &err), 0);
    assert_int_equal(location("{\"location\": {\"lat\": 0.0000004, \"lon\": 0.0000006}}", &loc, &err), 0);
    assert_int_equal(loc.lat_e6, 0); /* rounded to the nearest micro-degree */
    assert_int_equal(loc.lon_e6, 1);

    assert_int_equal(location("{}", &loc, &err), 0);
    assert_int_equal(loc.present, 0);
    assert_int_equal(location("{\"location\": null}", &loc, &err), 0);
    assert_int_equal(loc.present, 0);

    static const struct {
        const char *body;
        int status;
    } bad[] = {
        {"{\"location\": {\"lat\": 90.000001, \"lon\": 0}}", 422},
        {"{\"location\": {\"lat\": -90.5, \"lon\": 0}}", 422},
        {"{\"location\": {\"lat\": 0, \"lon\": 180.000001}}", 422},
        {"{\"location\": {\"lat\": 0, \"lon\": -181}}", 422},
        {"{\"location\": {\"lat\": 1e300, \"lon\": 0}}", 422},
        {"{\"location\": {\"lat\": 0}}", 422},
        {"{\"location\": {\"lon\": 0}}", 422},
        {"{\"location\": {}}", 422},
        {"{\"location\": {\"lat\": \"52\", \"lon\": 4}}", 400},
        {"{\"location\": {\"lat\": 52, \"lon\": null}}", 400},
        {"{\"location\": [52, 4]}", 400},
        {"{\"location\": \"Amsterdam\"}", 400},
        {"{\"location\": true}", 400},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        loc.present = 7;
        int rc = location(bad[i].body, &loc, &err);
        assert_refused(rc, &err, bad[i].status, "location", bad[i].body);
        assert_int_equal(loc.present, 0);
    }
}

static void test_worker_profile_parse(void **state)
{
    (void)state;
    pw_worker_profile p;
    pw_error err;
    assert_int_equal(profile("{\"skills\": [\"Go\"], \"categories\": [\"Software\"], \"remote\": true}", &p, &err), 0);
    assert_int_equal(p.remote, 1);
    assert_int_equal(p.location.present, 0);
    assert_int_equal(p.radius_km, 10); /* the default */
    assert_string_equal(p.skills.tag[0], "go");
    assert_string_equal(p.categories.tag[0], "software");
    assert_string_equal(p.bio, "");

    /* not remote: a location is needed */
    assert_int_equal(profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": false}", &p, &err),
                     PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "location");
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": false, \"location\": null}", &p, &err),
        PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "location");
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": false, "
                "\"location\": {\"lat\": 52.1, \"lon\": 4.3}, \"radius_km\": 25, \"bio\": \"Line 1\\nLine 2\"}",
                &p, &err),
        0);
    assert_int_equal(p.remote, 0);
    assert_int_equal(p.location.present, 1);
    assert_int_equal(p.location.lat_e6, 52100000);
    assert_int_equal(p.radius_km, 25);
    assert_string_equal(p.bio, "Line 1\nLine 2");

    static const struct {
        const char *body;
        int status;
        const char *field;
    } bad[] = {
        {"{\"categories\": [\"y\"], \"remote\": true}", 422, "skills"},
        {"{\"skills\": [\"x\"], \"remote\": true}", 422, "categories"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"]}", 422, "remote"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": \"yes\"}", 400, "remote"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": 1}", 400, "remote"},
        /* a radius is measured from a place: with one it is 1 to 500 */
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"location\": {\"lat\": 1, \"lon\": 2}, "
         "\"radius_km\": 0}",
         422, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 501}", 422, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": -5}", 422, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 2.5}", 400, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": \"5\"}", 400, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"bio\": 5}", 400, "bio"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"location\": {\"lat\": 91, \"lon\": 0}}",
         422, "location"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = profile(bad[i].body, &p, &err);
        assert_refused(rc, &err, bad[i].status, bad[i].field, bad[i].body);
    }
    /* without a place no radius is needed: 0 says so (a remote-only worker) */
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 0}", &p, &err), 0);
    assert_int_equal(p.radius_km, 0);
    /* radius bounds are inclusive; null means the default */
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 1}", &p, &err), 0);
    assert_int_equal(p.radius_km, 1);
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 500}", &p, &err), 0);
    assert_int_equal(p.radius_km, PW_RADIUS_MAX_KM);
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": null}", &p, &err), 0);
    assert_int_equal(p.radius_km, 10);
    /* bio: 1000 characters, newlines allowed */
    char body[8192];
    char bio[1002];
    memset(bio, 'b', 1000);
    bio[1000] = '\0';
    snprintf(body, sizeof(body), "{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"bio\": \"%s\"}",
             bio);
    assert_int_equal(profile(body, &p, &err), 0);
    assert_int_equal(strlen(p.bio), 1000);
    bio[1000] = 'b';
    bio[1001] = '\0';
    snprintf(body, sizeof(body), "{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"bio\": \"%s\"}",
             bio);
    assert_int_equal(profile(body, &p, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "bio");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_parse),
        cmocka_unit_test(test_tags_trimmed),
        cmocka_unit_test(test_location_parse),
        cmocka_unit_test(test_worker_profile_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
