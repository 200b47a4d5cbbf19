/* json_util.h — the JSON forms every resource shares: ids as decimal strings, times as
 * RFC 3339 UTC strings; 0 for "none" becomes null in both. */
#ifndef PW_JSON_UTIL_H
#define PW_JSON_UTIL_H
#include <jansson.h>
#include <stdint.h>

json_t *pw_json_id(int64_t id);          /* "123…", or null for 0 */
json_t *pw_json_time(int64_t ms);        /* "2026-11-25T01:02:03Z", or null for 0 */

#endif
