/* admin_tasks.c — GET /admin/tasks: the admins' search over everyone's tasks (text, state,
 * category, user; market/task_search.h). Everyone's tasks with their exact places is what
 * GET /tasks/{id} audits one at a time, so this is an audited read too: answered from the
 * writer, in the transaction that writes its row of the audit log (the filters used and
 * the count, never the searched text). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/fold.h"
#include "base/json_util.h"
#include "market/audit.h"
#include "market/task_search.h"

typedef struct admin_tasks_query {
    pw_task_search search;
    int limit;
    int64_t cursor;
} admin_tasks_query;

static int utf8_chars(const char *s)
{
    int n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int parse_q(pw_req *rq, pw_task_search *s, pw_error *err)
{
    char raw[4 * PW_ADMIN_TASK_Q_MAX_CHARS + 1];
    int rc = pw_req_query(rq, "q", raw, sizeof(raw));
    if (rc == 0)
        return 0;
    if (rc < 0 || utf8_chars(raw) > PW_ADMIN_TASK_Q_MAX_CHARS)
        return pw_error_set(err, 422, "validation_failed", "q", "q is at most %d characters",
                            PW_ADMIN_TASK_Q_MAX_CHARS);
    size_t len = 0;
    const char *why = NULL;
    rc = pw_fold(raw, strlen(raw), s->q_folded, sizeof(s->q_folded), &len, &why);
    if (rc == PW_ENOMEM)
        return pw_error_set(err, 503, "unavailable", NULL, "out of memory");
    if (rc != PW_OK)
        return pw_error_set(err, 422, "validation_failed", "q", "q must be UTF-8 text");
    return 0;
}

/* ?q= ?state= ?category= ?user= — all optional. */
static int parse_search(pw_req *rq, pw_task_search *s, pw_error *err)
{
    char text[4 * PW_TAG_MAX_CHARS + 1];
    memset(s, 0, sizeof(*s));
    if (parse_q(rq, s, err) != 0)
        return PW_EREFUSED;
    int rc = pw_req_query(rq, "state", text, sizeof(text));
    if (rc < 0 || (rc > 0 && pw_task_state_parse(text, &s->state) != 0))
        return pw_error_set(err, 422, "validation_failed", "state", "state must be one of the task states");
    s->has_state = rc > 0;
    rc = pw_req_query(rq, "category", s->category, sizeof(s->category));
    if (rc < 0 || (rc > 0 && s->category[0] == '\0'))
        return pw_error_set(err, 422, "validation_failed", "category", "category must be a category tag");
    rc = pw_api_query_user_id(rq, "user", &s->user_id, err);
    return rc < 0 ? rc : 0;
}

static int admin_tasks_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    admin_tasks_query *q = pw_call_data(call);
    int items = 0;
    int rc = pw_task_search_json(db, &q->search, q->limit, q->cursor, &call->output, &items);
    if (rc != PW_OK)
        return rc;
    json_t *detail = json_pack("{s:i, s:b, s:b}", "items", items, "text", q->search.q_folded[0] != '\0', "category",
                               q->search.category[0] != '\0');
    if (q->search.has_state)
        json_object_set_new(detail, "state", json_string(pw_task_state_name(q->search.state)));
    if (q->search.user_id != 0)
        json_object_set_new(detail, "user_id", pw_json_id(q->search.user_id));
    return pw_api_audited_read(call, db, now_ms, PW_AUDIT_TASKS_SEARCH, detail);
}

void pw_api_admin_tasks(pw_req *rq)
{
    pw_error err;
    pw_call *call = pw_call_new(rq, sizeof(admin_tasks_query));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    admin_tasks_query *q = pw_call_data(call);
    if (pw_api_page(rq, &q->limit, &q->cursor, &err) != 0 || parse_search(rq, &q->search, &err) != 0) {
        pw_call_free(call);
        return pw_reply_error(rq, &err);
    }
    pw_call_write(call, admin_tasks_run, NULL);
}
