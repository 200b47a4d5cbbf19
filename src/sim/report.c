/* report.c — the simulation report on standard output: fixed labels and widths, integers
 * as integers, money in EUR with two decimals from integer cents, ratios with four
 * decimals, times with one. Nothing printed here depends on the wall clock, a path or an
 * address, so the same seed and flags print the same bytes. docs/SIMULATOR.md defines
 * every line. */
#include <inttypes.h>
#include <stdio.h>

#include "market/task_state.h"
#include "sim/sim.h"

static void money(FILE *f, const char *label, int64_t cents)
{
    int64_t whole = cents / 100, frac = cents % 100;
    fprintf(f, "  %-32s %" PRId64 ".%02" PRId64 "\n", label, whole, frac < 0 ? -frac : frac);
}

static void line(FILE *f, const char *label, int64_t n) { fprintf(f, "  %-32s %" PRId64 "\n", label, n); }

static void tasks_part(FILE *f, const pw_sim_report *r)
{
    int64_t sum = 0;
    for (int i = 0; i < PW_SIM_STATUS_COUNT; i++)
        sum += r->status[i];
    int64_t never = r->posted - r->assigned;
    fputs("tasks\n", f);
    line(f, "posted", r->posted);
    line(f, "assigned (at least once)", r->assigned);
    fprintf(f, "  %-32s %" PRId64 " (expired %" PRId64 ", cancelled %" PRId64 ", still waiting %" PRId64 ")\n",
            "never assigned", never, r->never_expired, r->never_cancelled, r->never_waiting);
    line(f, "completed", r->status[PW_TASK_COMPLETED]);
    line(f, "expired", r->status[PW_TASK_EXPIRED]);
    line(f, "cancelled", r->status[PW_TASK_CANCELLED]);
    fprintf(f,
            "  %-32s dispatching %" PRId64 ", assigned %" PRId64 ", in_progress %" PRId64 ", submitted %" PRId64
            ", disputed %" PRId64 ", resolved %" PRId64 "\n",
            "other states at the end", r->status[PW_TASK_DISPATCHING], r->status[PW_TASK_ASSIGNED],
            r->status[PW_TASK_IN_PROGRESS], r->status[PW_TASK_SUBMITTED], r->status[PW_TASK_DISPUTED],
            r->status[PW_TASK_RESOLVED]);
    int adds_up = sum == r->posted && never == r->never_expired + r->never_cancelled + r->never_waiting;
    fprintf(f, "  %-32s %s\n", "accounting (states, never)", adds_up ? "adds up" : "DOES NOT ADD UP");
}

static void dispatch_part(FILE *f, const pw_sim_report *r)
{
    fputs("dispatch\n", f);
    fprintf(f, "  %-32s %.4f\n", "fill rate (assigned / posted)", r->fill_rate);
    fprintf(f, "  %-32s %.1f s / %.1f s (mean %.1f s)\n", "time to assign p50 / p99", r->tta_p50_s, r->tta_p99_s,
            r->tta_mean_s);
    fprintf(f,
            "  %-32s %" PRId64 " (acked %" PRId64 ", missed %" PRId64 ", released %" PRId64 ", withdrawn %" PRId64
            ", pending %" PRId64 ")\n",
            "assignments", r->assignments, r->acked, r->missed, r->released, r->withdrawn, r->pending);
    line(f, "missed acks", r->missed);
    line(f, "late acks refused", r->late_acks);
    line(f, "other refused actions", r->refused_actions);
    fprintf(f, "  %-32s %.3f km (%" PRId64 " local tasks)\n", "mean travel, local tasks", r->travel_mean_km,
            r->local_assigned);
    fprintf(f, "  %-32s %.4f\n", "total score (first assignments)", r->score_total);
    fprintf(f, "  %-32s %.4f (%" PRId64 " tasks matched)\n", "offline optimum (hour windows)", r->optimum_total,
            r->optimum_tasks);
    fprintf(f, "  %-32s %.4f\n", "score / optimum", r->optimum_total > 0 ? r->score_total / r->optimum_total : 0.0);
}

static void money_part(FILE *f, const pw_sim_report *r)
{
    fputs("money (EUR)\n", f);
    money(f, "paid to workers", r->worker_earnings);
    money(f, "platform fees", r->fees);
    money(f, "profit-sharing pool", r->pool);
    fprintf(f, "  %-32s %" PRId64 " (after a hold was refused %" PRId64 ")\n", "client deposits", r->deposits,
            r->insufficient_funds);
    fprintf(f, "  %-32s %" PRId64 " / %" PRId64 "\n", "disputes opened / resolved", r->disputes, r->resolutions);
    fprintf(f, "  %-32s %.4f (mean over %" PRId64 " cohorts of %d equally good workers)\n",
            "earnings Gini, equal workers", r->gini_alike, r->alike_groups, SIM_COHORT);
    fprintf(f, "  %-32s %.4f\n", "earnings Gini, all workers", r->gini_all);
    fprintf(f, "  %-32s %.4f (%" PRId64 " workers)\n", "earnings Gini, earning workers", r->gini_earning,
            r->workers_earning);
}

void pw_sim_report_print(FILE *f, const pw_sim_config *c, const pw_sim_report *r)
{
    fputs("peerwork simulation report\n", f);
    fprintf(f, "  seed %" PRIu64 ", policy %s, %d workers, %d clients, %d h, batch window %d s, ack window %d s\n",
            c->seed, c->policy == PW_SIM_GREEDY ? "greedy" : "batch", c->workers, c->clients, c->hours,
            c->batch_window_s, c->ack_window_s);
    const pw_dispatch_weights *w = &c->weights;
    fprintf(f,
            "  weights fit %g, distance %g, reputation %g, reliability %g, fairness %g, bad pairing %g, "
            "earned half %g\n",
            w->fit, w->distance, w->reputation, w->reliability, w->fairness, w->bad_pairing, w->earned_half);
    fputs("population\n", f);
    fprintf(f, "  %-32s %d (remote-capable %" PRId64 ", flaky %" PRId64 ")\n", "workers", c->workers, r->workers_remote,
            r->workers_flaky);
    fprintf(f, "  %-32s %d (posted at least once %" PRId64 ")\n", "clients", c->clients, r->clients_posting);
    fprintf(f, "  %-32s %" PRId64 " (come-backs after a missed ack %" PRId64 ")\n", "shift starts and ends",
            r->shift_changes, r->comebacks);
    tasks_part(f, r);
    dispatch_part(f, r);
    money_part(f, r);
    fprintf(f,
            "ledger verify: %s (%" PRId64 " accounts, %" PRId64 " transfers, %" PRId64 " pending, %" PRId64
            " failures)\n",
            r->ledger_failures == 0 ? "ok" : "FAILED", r->ledger_accounts, r->ledger_transfers, r->ledger_pending,
            r->ledger_failures);
}
