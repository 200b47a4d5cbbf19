/* privacy.h — a person's own data: all of it as JSON (GET /me/export), and the account's
 * deletion (DELETE /me) (issue 16, "Privacy"; the rules: docs/SECURITY.md, "A person's data").
 *
 * EXPORT. Everything the marketplace holds about the caller that is theirs to read: the
 * account (e-mail included: it is theirs), the worker profile's private view, balances and
 * ledger entries, the tasks they posted and the tasks they worked (each as its party sees
 * it), the messages they sent, their sessions (times only: a token is never stored). Each
 * list holds at most PW_EXPORT_ITEMS_MAX rows, newest first; `truncated` names a list that
 * had more.
 *
 * DELETION anonymises rather than erases: the user row stays (the ledger, the tasks and
 * the other side's records point at it and must still add up), but nothing in it says who
 * it was: the e-mail becomes deleted-<id>@deleted.invalid, the password an unusable hash,
 * the name "Deleted user"; the worker profile is emptied and inactive (out of dispatch and
 * search), the messages they sent read "[deleted]", their sessions end, their stored
 * answers (idempotency records) and stream events go. Refused (409) while a task they
 * posted or hold is open, while any of their money is held or on their wallet (pay it out
 * first), and while their service-credit balance is below zero (work it off first); credits
 * above zero stay on the closed account, which can never spend them. */
#ifndef PW_MARKET_PRIVACY_H
#define PW_MARKET_PRIVACY_H
#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

struct pw_market_policy;

/* What a deleted account is called wherever its name is shown (tasks, messages, reviews). */
#define PW_DELETED_USER_NAME "Deleted user"

/* Reader: the export of user_id into *out (owned by the caller). PW_OK, PW_ENOMEM, or the
 * database's code. */
int pw_privacy_export(pw_db *db, int64_t user_id, int64_t now_ms, json_t **out);

/* Writer, inside a job: deletes (anonymises) user_id. PW_OK; PW_EREFUSED with *err (409
 * conflict, a sentence saying what stands in the way); or the database's code. */
int pw_privacy_delete(pw_db *db, const struct pw_market_policy *p, int64_t user_id, int64_t now_ms, pw_error *err);

#endif
