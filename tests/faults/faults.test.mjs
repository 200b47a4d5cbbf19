// faults.test.mjs — fault injection over a lifecycle and a payment sequence (issue 13).
//
// Runs against a server built with -DPW_FAULTS=ON (and ASan+UBSan): `make fault-test`.
// For N = 1, 2, 3, … it arms the store's Nth database step (then, separately, its Nth
// memory allocation) inside the writer's jobs to fail — POST /api/v1/dev/faults, compiled
// only into that build — and plays one sequence: deposit, post an urgent task (assigned at
// once to a fresh worker), acknowledge, message, submit, approve, pay out, post another
// task and cancel it. After each run it checks that:
//   - every answer was clean: no 5xx other than 503 (the documented answer when the writer
//     could not apply or commit a job), and a JSON error object on every 4xx/5xx;
//   - the server is alive (GET /healthz) and, after the fault, still works (a clean write);
//   - `peerwork ledger verify` passes, and the task/hold invariants hold in the database:
//     a task that holds escrow has exactly one pending hold of its amount, a finished task
//     none, and no pending hold belongs to a finished task.
// The loop ends at the first N the sequence no longer reaches (the fault did not fire).
// FAULT_STRIDE (default 1 for steps; allocations are sampled: the first 40, then every
// FAULT_ALLOC_STRIDE-th) keeps the version in `make test` short; FAULT_FULL=1 walks all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import {
  V1, api, ok, startMarket, makeClient, makeWorker, postTask, act, uniqueTag, taskBody, serverNow,
  ledgerVerify,
} from '../api/lifecycle_helpers.mjs';

const FULL = process.env.FAULT_FULL === '1';
const STEP_STRIDE = Number(process.env.FAULT_STRIDE || 1);
const ALLOC_STRIDE = FULL ? 1 : Number(process.env.FAULT_ALLOC_STRIDE || 23);
const N_MAX = 100_000;
// FAULT_FROM=N starts the walk at the Nth event and FAULT_TO=M ends it at the Mth (to resume a
// long full walk, or to walk its halves side by side)
const FROM = Math.max(1, Number(process.env.FAULT_FROM || 1));
const TO = Math.min(N_MAX, Number(process.env.FAULT_TO || N_MAX));

/** Every answer is clean: below 500, or a 503; an error always has its JSON object. */
function assertClean(res, what) {
  assert.ok(res.status < 500 || res.status === 503, `${what}: ${res.status} ${res.text}`);
  if (res.status >= 400) {
    assert.equal(typeof res.json?.error?.code, 'string', `${what}: error object: ${res.status} ${res.text}`);
  }
}

/** The sequence; stops at the first step that does not succeed (later ones need it). */
async function sequence(base, client, worker, category, now, log) {
  const step = async (what, res, want) => {
    assertClean(res, what);
    log.push(`${what} ${res.status}`);
    return res.status === want ? res.json : null;
  };
  const key = () => `k-${Math.random().toString(36).slice(2)}`;
  if (!await step('deposit', await api(base, 'POST', `${V1}/wallet/deposits`,
    { token: client.token, body: { amount: 10_000, currency: 'EUR' }, headers: { 'idempotency-key': key() } }), 201)) return;
  const task = await step('post', await api(base, 'POST', `${V1}/tasks`, {
    token: client.token, headers: { 'idempotency-key': key() },
    body: taskBody(now, { category, urgent: true, compensation: { kind: 'money', amount: 2_500, currency: 'EUR' } }),
  }), 201);
  if (!task || task.status !== 'assigned') return;
  const id = task.id;
  if (!await step('ack', await act(base, worker.token, id, 'ack'), 200)) return;
  if (!await step('message', await api(base, 'POST', `${V1}/tasks/${id}/messages`,
    { token: worker.token, body: { body: 'on my way' } }), 201)) return;
  if (!await step('submit', await act(base, worker.token, id, 'submit', { note: 'done' }), 200)) return;
  if (!await step('approve', await act(base, client.token, id, 'approve', undefined, { 'idempotency-key': key() }), 200)) return;
  if (!await step('payout', await api(base, 'POST', `${V1}/wallet/payouts`,
    { token: worker.token, body: { amount: 100, currency: 'EUR' }, headers: { 'idempotency-key': key() } }), 201)) return;
  const second = await step('post again', await api(base, 'POST', `${V1}/tasks`, {
    token: client.token, headers: { 'idempotency-key': key() },
    body: taskBody(now, { category: uniqueTag('nobody'), compensation: { kind: 'money', amount: 700, currency: 'EUR' } }),
  }), 201);
  if (!second) return;
  await step('cancel', await act(base, client.token, second.id, 'cancel'), 200);
}

const OPEN = "('dispatching','assigned','in_progress','submitted','disputed')";
const INVARIANTS = [
  ['an open money task without exactly one pending hold of its amount',
    `SELECT count(*) FROM tasks t WHERE t.comp_kind IN ('money','credits') AND t.status IN ${OPEN}
       AND NOT EXISTS (SELECT 1 FROM ledger_transfers h WHERE h.id = t.hold_id AND h.status = 'pending'
                       AND h.amount = t.comp_amount AND h.asset = t.comp_asset)`],
  ['a finished task whose hold is still pending',
    `SELECT count(*) FROM tasks t JOIN ledger_transfers h ON h.id = t.hold_id
       WHERE t.status NOT IN ${OPEN} AND h.status = 'pending'`],
  ['a pending escrow hold that no open task holds',
    `SELECT count(*) FROM ledger_transfers h WHERE h.status = 'pending' AND h.task_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.hold_id = h.id AND t.status IN ${OPEN})`],
  ['an assigned, started or submitted task without its worker and assignment',
    `SELECT count(*) FROM tasks WHERE status IN ('assigned','in_progress','submitted')
       AND (worker_id IS NULL OR assignment_id IS NULL)`],
];

function assertInvariants(db, where) {
  const v = ledgerVerify(db);
  assert.equal(v.status, 0, `${where}: ledger verify failed:\n${v.stdout}\n${v.stderr}`);
  for (const [what, sql] of INVARIANTS) {
    const r = spawnSync('sqlite3', ['-readonly', db, sql.replace(/\s+/g, ' ')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
    assert.equal(r.stdout.trim(), '0', `${where}: ${what} (${r.stdout.trim()} rows)`);
  }
}

async function arm(base, kind, nth) {
  const res = await api(base, 'POST', `${V1}/dev/faults`, { body: { kind, nth } });
  return ok(res, 200, 'dev/faults');
}

function* points(kind) {
  if (kind === 'step') {
    for (let n = FROM; n <= TO; n += STEP_STRIDE) yield n;
  } else {
    for (let n = FROM; n <= TO; n += n <= 40 ? 1 : ALLOC_STRIDE) yield n;
  }
}

test('POST /dev/faults refuses what it cannot arm, and arms nothing then', async () => {
  const srv = await startMarket();
  try {
    for (const [body, field] of [[{ kind: 'disk', nth: 1 }, 'kind'], [{ nth: 1 }, 'kind'],
      [{ kind: 'step', nth: -1 }, 'nth'], [{ kind: 'step', nth: 1.5 }, 'nth'], [{ kind: 'alloc' }, 'nth']]) {
      const res = await api(srv.base, 'POST', `${V1}/dev/faults`, { body });
      assert.equal(res.status, 422, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json.error.field, field);
    }
    // nothing was armed: a clean write goes through, and disarming reports no fault fired
    const client = await makeClient(srv.base, { money: 500 });
    assert.equal(client.user.id !== undefined, true);
    for (const kind of ['step', 'alloc']) assert.equal((await arm(srv.base, kind, 0)).fired, false);
  } finally {
    await srv.stop();
  }
});

for (const kind of ['step', 'alloc']) {
  test(`every ${kind} failure inside the writer's jobs is answered cleanly and leaves the books whole`,
    { timeout: FULL ? 6 * 3_600_000 : 1_500_000 }, async () => {
      const srv = await startMarket({ args: ['--batch-window-ms', '100000', '--cancel-limit', '1000'] });
      try {
        const client = await makeClient(srv.base, { money: 0 });
        let runs = 0, fired = 0;
        for (const n of points(kind)) {
          const category = uniqueTag('fault');
          const worker = await makeWorker(srv.base, { categories: [category] });
          // the server's time for each run, read before arming (reading it is a writer job):
          // a task's deadline is an hour from it, and a full walk takes longer than that (a
          // stale one made every later post a 422 and ended the walk early)
          const now = await serverNow(srv.base);
          await arm(srv.base, kind, n);
          const log = [];
          await sequence(srv.base, client, worker, category, now, log);
          const status = await arm(srv.base, kind, 0);
          runs += 1;
          const where = `${kind} fault #${n} (${log.join(', ')})`;
          ok(await api(srv.base, 'GET', '/healthz'), 200, `${where}: healthz`);
          assertInvariants(srv.db, where);
          if (!status.fired) break;   // the sequence no longer reaches the Nth event
          fired += 1;
        }
        const floor = FROM > 1 ? 1 : kind === 'step' ? Math.floor(100 / STEP_STRIDE) : 40;
        assert.ok(fired >= floor, `only ${fired} ${kind} faults fired in ${runs} runs`);
        // after all of it the marketplace still works end to end
        const category = uniqueTag('after');
        const worker = await makeWorker(srv.base, { categories: [category] });
        const log = [];
        await sequence(srv.base, client, worker, category, await serverNow(srv.base), log);
        assert.deepEqual(log.map((l) => l.split(' ').pop()),
          ['201', '201', '200', '201', '200', '200', '201', '201', '200'], `a clean run after the faults: ${log}`);
        assertInvariants(srv.db, 'after the faults');
        console.log(`# ${kind}: ${fired} faults fired in ${runs} runs, from #${FROM}${TO < N_MAX ? ` to #${TO}` : ''}`);
      } finally {
        await srv.stop();
      }
    });
}
