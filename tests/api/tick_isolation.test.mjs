// tick_isolation.test.mjs — one failing task must not stop the marketplace (issue 12,
// defect 10), over real HTTP against the real binary.
//
// A submitted task's escrow hold is voided behind the market's back with the sqlite3 CLI
// while the server runs (WAL lets it), so its auto-approval's settlement cannot apply.
// When the review window closes, the same tick must still auto-approve another task,
// expire a third, send a fourth back after its missed acknowledgement, and the rounds must
// go on assigning; the failure is counted on /metrics and logged with the task id, the
// step and the error; the task is set aside and retried only after its back-off, and
// once the hold is repaired its retry completes it. Time moves with POST /dev/clock.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { metricValue } from './helpers.mjs';
import {
  V1, act, advance, api, assertLedgerOk, balance, deadlineIn, getTask, makeClient, makeWorker, ok, postTask,
  serverNow, startMarket, taskBody, uniqueTag, waitAssignedTo,
} from './lifecycle_helpers.mjs';

const REVIEW_WINDOW_S = 600;
const RETRY_BASE_S = 30;       // PW_TICK_RETRY_BASE_MS in src/base/limits.h

let server;
let base;
before(async () => {
  server = await startMarket({ args: ['--review-window-s', String(REVIEW_WINDOW_S)] });
  base = server.base;
});
after(async () => {
  await server?.stop();
});

const money = (amount) => ({ kind: 'money', amount, currency: 'EUR' });

/** Runs SQL on the server's database with the sqlite3 CLI (waiting for the writer's lock). */
function sql(statement) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', server.db, statement], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

/** Sets the status of task `id`'s escrow hold ('voided' breaks it, 'pending' repairs it). */
function setHold(id, status) {
  assert.match(id, /^\d+$/);
  const changed = sql(`UPDATE ledger_transfers SET status = '${status}' WHERE task_id = ${id} AND two_phase = 1; `
    + 'SELECT changes();');
  assert.equal(changed, '1', `hold of task ${id}`);
}

async function metrics() {
  const res = await api(base, 'GET', '/metrics');
  assert.equal(res.status, 200);
  return res.text;
}

const failures = async () => metricValue(await metrics(), 'pw_tick_task_failures_total', { step: 'auto_approve' });

test('a task whose settlement cannot apply is set aside; the rest of the marketplace keeps moving', async () => {
  const reviewed = uniqueTag('reviewed');
  const sleepy = uniqueTag('sleepy');
  const client = await makeClient(base, { money: 100_000 });
  const worker = await makeWorker(base, { categories: [reviewed], remote: true });
  const sleeper = await makeWorker(base, { categories: [sleepy], remote: true });
  const now = await serverNow(base);
  const body = (category, o = {}) => taskBody(now, { category, compensation: money(1000), ...o });

  // two tasks in review, one of them about to break; one assigned that nobody acknowledges;
  // one nobody can do, whose deadline passes before the review window closes
  const inReview = [];
  for (let i = 0; i < 2; i += 1) {
    const t = await postTask(base, client.token, body(reviewed, { deadline: await deadlineIn(base, 86_400) }));
    await waitAssignedTo(base, client.token, t.id, worker.user.id);
    ok(await act(base, worker.token, t.id, 'ack'));
    ok(await act(base, worker.token, t.id, 'submit', { note: 'done' }));
    inReview.push(t.id);
  }
  const [broken, fine] = inReview;
  const unacked = await postTask(base, client.token, body(sleepy, { deadline: await deadlineIn(base, 86_400) }));
  await waitAssignedTo(base, client.token, unacked.id, sleeper.user.id);
  const lapsed = await postTask(base, client.token,
    body(uniqueTag('nobody'), { deadline: await deadlineIn(base, 400) }));
  setHold(broken, 'voided');
  const failedBefore = (await failures()) ?? 0;

  // the review window closes: one tick for everything that fell due
  const first = await advance(base, REVIEW_WINDOW_S + 1);
  assert.equal(first.tick.failed, 1, JSON.stringify(first));
  assert.equal(first.tick.auto_approved, 1, JSON.stringify(first));
  assert.equal(first.tick.expired, 1, JSON.stringify(first));
  assert.equal(first.tick.acks_missed, 1, JSON.stringify(first));
  assert.equal((await getTask(base, client.token, broken)).status, 'submitted');
  assert.equal((await getTask(base, client.token, fine)).status, 'completed');
  assert.equal((await getTask(base, client.token, lapsed.id)).status, 'expired');
  assert.equal((await getTask(base, client.token, unacked.id)).status, 'dispatching');
  // the broken task's money is still held (and the unacknowledged one's); the good one's was paid out
  assert.deepEqual(await balance(base, client.token), { available: 100_000 - 3000, held: 2000 });
  assert.equal((await balance(base, worker.token)).available, 900);

  // the batch rounds go on: a task posted now is assigned
  const dispatcher = uniqueTag('later');
  const laterWorker = await makeWorker(base, { categories: [dispatcher], remote: true });
  const later = await postTask(base, client.token, body(dispatcher, { deadline: await deadlineIn(base, 86_400) }));
  await advance(base, 0);
  await waitAssignedTo(base, client.token, later.id, laterWorker.user.id);

  // counted, and logged with the task id, the step and the error (no personal data)
  let text = await metrics();
  assert.equal(metricValue(text, 'pw_tick_task_failures_total', { step: 'auto_approve' }), failedBefore + 1);
  assert.equal(metricValue(text, 'pw_tick_tasks_set_aside'), 1);
  const logged = server.stderrText().split('\n').filter((l) => l.includes('msg="task set aside"'));
  assert.equal(logged.length, 1, server.stderrText());
  assert.match(logged[0], new RegExp(`task_id=${broken} step=auto_approve error="[^"]*voided, not pending[^"]*"`));
  assert.match(logged[0], /failures=1 retry_in_s=30/);
  assert.ok(!logged[0].includes(client.email) && !logged[0].includes('@'), logged[0]);

  // within its back-off it is not tried again; after it, it is (and fails again)
  const quiet = await advance(base, 0);
  assert.equal(quiet.tick.failed, 0);
  assert.equal(await failures(), failedBefore + 1);
  const retry = await advance(base, RETRY_BASE_S);
  assert.equal(retry.tick.failed, 1, JSON.stringify(retry));
  assert.equal(await failures(), failedBefore + 2);
  assert.equal((await getTask(base, client.token, broken)).status, 'submitted');

  // repaired, its next retry (twice the back-off later) completes it
  setHold(broken, 'pending');
  const healed = await advance(base, 2 * RETRY_BASE_S);
  assert.equal(healed.tick.failed, 0, JSON.stringify(healed));
  assert.equal(healed.tick.auto_approved, 1, JSON.stringify(healed));
  assert.equal((await getTask(base, client.token, broken)).status, 'completed');
  assert.equal((await balance(base, worker.token)).available, 1800);
  text = await metrics();
  assert.equal(metricValue(text, 'pw_tick_tasks_set_aside'), 0);
  assert.equal(metricValue(text, 'pw_tick_tasks_recovered_total'), 1);
  assert.match(server.stderrText(), new RegExp(`msg="task recovered" task_id=${broken} step=auto_approve failures=2`));
  assertLedgerOk(server.db);
  ok(await api(base, 'GET', `${V1}/tasks/${broken}`, { token: client.token }));
});
