/* json_util.c — see json_util.h. */
#include "base/json_util.h"

#include <stdio.h>

#include "base/clock.h"

json_t *pw_json_id(int64_t id)
{
    if (id == 0)
        return json_null();
    char text[24];
    snprintf(text, sizeof(text), "%lld", (long long)id);
    return json_string(text);
}

json_t *pw_json_time(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char text[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(ms, text);
    return json_string(text);
}
