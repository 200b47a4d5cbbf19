/* fuzz_inputs.c — libFuzzer target for every parser of outside input that works without a
 * socket or a database: the JSON body parsers of sign-up, tasks, worker profiles, money
 * and places, and the text parsers (RFC 3339 times, e-mail addresses, dispatch weights,
 * task states, stored tag lists, asset codes, UTF-8 lengths).
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *   - a parser that fails leaves an error with a 4xx status and a message;
 *   - a parsed RFC 3339 time lies in 1970..9999 and formats and parses back to the same
 *     instant (at second precision, the API's);
 *   - a parsed money amount is positive.
 *
 * Built only with `make fuzz` (clang, -fsanitize=fuzzer,address,undefined); run for a while:
 *   make fuzz FUZZ_SECONDS=120 */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/json_util.h"
#include "dispatch/dispatch.h"
#include "ledger/ledger.h"
#include "market/accounts.h"
#include "market/task_state.h"
#include "market/tasks.h"
#include "market/workers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int rc, const pw_error *err)
{
    if (rc != 0) {
        assert(err->status >= 400 && err->status < 500);
        assert(err->code != NULL && err->code[0] != '\0');
        assert(err->message[0] != '\0');
    }
}

static void text_parsers(const char *text, size_t len)
{
    int64_t ms = 0;
    if (pw_time_parse_rfc3339(text, &ms) == 0) { /* said back at second precision */
        assert(ms >= 0 && ms <= PW_TIME_MAX_MS);
        char formatted[PW_RFC3339_BYTES];
        pw_time_format_rfc3339(ms, formatted);
        int64_t again = 0;
        assert(pw_time_parse_rfc3339(formatted, &again) == 0 && again == ms - ms % 1000);
    }
    pw_error err = {0};
    check_error(pw_accounts_validate_email(text, &err), &err);
    pw_dispatch_weights w;
    char why[128];
    (void)pw_dispatch_weights_parse(text, &w, why, sizeof(why));
    pw_task_state state;
    (void)pw_task_state_parse(text, &state);
    pw_tags tags;
    (void)pw_tags_from_json_text(text, &tags);
    (void)pw_asset_valid(text, 1);
    (void)pw_utf8_length(text, len);
}

static void json_parsers(json_t *body)
{
    pw_error err = {0};
    pw_new_user user;
    check_error(pw_accounts_parse_new_user(body, &user, &err), &err);
    memset(&err, 0, sizeof(err));
    pw_new_task task;
    check_error(pw_tasks_parse_new(body, 1764670000000, &task, &err), &err);
    memset(&err, 0, sizeof(err));
    pw_worker_profile profile;
    check_error(pw_worker_profile_parse(body, &profile, &err), &err);
    memset(&err, 0, sizeof(err));
    pw_amount amount;
    int rc = pw_amount_parse(body, 1, "amount", &amount, &err);
    check_error(rc, &err);
    if (rc == 0)
        assert(amount.amount > 0);
    memset(&err, 0, sizeof(err));
    pw_location where;
    check_error(pw_location_parse(body, "location", &where, &err), &err);
    memset(&err, 0, sizeof(err));
    pw_tags tags;
    check_error(pw_tags_parse(body, "skills", 0, &tags, &err), &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    text_parsers(text, size);
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (body != NULL && json_is_object(body))
        json_parsers(body);
    json_decref(body);
    free(text);
    return 0;
}
