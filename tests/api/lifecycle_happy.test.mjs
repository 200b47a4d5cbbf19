// lifecycle_happy.test.mjs — the money path end to end with exact balances (post with
// escrow -> batch assignment -> ack -> submit -> approve -> payout net of the fee), two
// approves racing, Idempotency-Key replays of POST /tasks and of approve, the platform
// fee flags, and `peerwork ledger verify` over all of it.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { PASSWORD, RFC3339_UTC, V1, api, assertError, login, uniqueEmail } from './helpers.mjs';
import {
  act, adminCreate, assertLedgerOk, balance, events, getTask, makeClient, makeWorker, marketWithAdmin, net, ok,
  postTask, serverNow, startMarket, taskBody, uniqueTag, waitAssignedTo,
} from './lifecycle_helpers.mjs';

let server;
let base;
let admin;
marketWithAdmin((m) => ({ server, base, admin } = m));

const money = (amount, currency = 'EUR') => ({ kind: 'money', amount, currency });

/** A client with `deposit` EUR and a remote worker in a fresh category, plus a task body maker. */
async function pair(deposit) {
  const cat = uniqueTag();
  const [client, worker] = await Promise.all([
    makeClient(base, { money: deposit }),
    makeWorker(base, { categories: [cat], remote: true }),
  ]);
  const now = await serverNow(base);
  return { client, worker, cat, body: (o = {}) => taskBody(now, { category: cat, ...o }) };
}

/** Posts, waits for the batch assignment, acks and submits; returns the submitted task. */
async function toSubmitted({ client, worker, body }, amount, extra = {}) {
  const t = await postTask(base, client.token, body({ compensation: money(amount), ...extra }));
  await waitAssignedTo(base, client.token, t.id, worker.user.id);
  ok(await act(base, worker.token, t.id, 'ack'));
  ok(await act(base, worker.token, t.id, 'submit', { note: 'done' }));
  return t;
}

describe('the money path', () => {
  test('post -> assigned -> ack -> submit -> approve, exact balances at every step', async () => {
    const p = await pair(10_000);
    const { client, worker } = p;
    const amount = 2345;   // fee floor(234.5) = 234, worker gets 2111
    assert.deepEqual(await balance(base, client.token), { available: 10_000, held: 0 });

    const posted = await postTask(base, client.token, p.body({ compensation: money(amount) }));
    assert.equal(posted.status, 'dispatching');
    assert.deepEqual(posted.compensation, money(amount));
    assert.deepEqual(await balance(base, client.token), { available: 10_000 - amount, held: amount });

    const assigned = await waitAssignedTo(base, client.token, posted.id, worker.user.id);
    assert.match(assigned.assignment.ack_deadline, RFC3339_UTC);
    const ackDeadline = Date.parse(assigned.assignment.ack_deadline);
    const assignedAt = Date.parse(assigned.timeline[1].at);
    assert.equal(ackDeadline - assignedAt, 120_000, 'default ack window is 120 s');
    // the worker sees the task and finds it under role=worker
    const seen = await getTask(base, worker.token, posted.id);
    assert.equal(seen.status, 'assigned');
    const mine = ok(await api(base, 'GET', `${V1}/tasks?role=worker`, { token: worker.token }));
    assert.deepEqual(mine.items.map((t) => t.id), [posted.id]);

    const acked = ok(await act(base, worker.token, posted.id, 'ack'));
    assert.equal(acked.status, 'in_progress');
    assert.equal(acked.assignment.worker_id, worker.user.id);
    assert.equal(acked.assignment.ack_deadline, null);
    assert.deepEqual(await balance(base, client.token), { available: 10_000 - amount, held: amount });
    assert.deepEqual(await balance(base, worker.token), { available: 0, held: 0 });

    const submitted = ok(await act(base, worker.token, posted.id, 'submit', { note: 'Fixed, new washer.' }));
    assert.equal(submitted.status, 'submitted');
    assert.equal(submitted.submit_note, 'Fixed, new washer.');
    const reviewDeadline = Date.parse(submitted.review_deadline);
    assert.equal(reviewDeadline - Date.parse(submitted.updated_at), 259_200_000, 'default review window 3 days');
    assert.deepEqual(await balance(base, client.token), { available: 10_000 - amount, held: amount });

    const approved = ok(await act(base, client.token, posted.id, 'approve'));
    assert.equal(approved.status, 'completed');
    assert.equal(approved.review_deadline, null);
    assert.deepEqual(await balance(base, client.token), { available: 10_000 - amount, held: 0 });
    assert.deepEqual(await balance(base, worker.token), { available: net(amount), held: 0 });
    assert.equal(net(amount), 2111);

    // the timeline: every step, who did it, from and to
    assert.deepEqual(approved.timeline.map(({ event, from, to, actor_id, worker_id }) =>
      ({ event, from, to, actor_id, worker_id })), [
      { event: 'posted', from: null, to: 'dispatching', actor_id: client.user.id, worker_id: undefined },
      { event: 'assigned', from: 'dispatching', to: 'assigned', actor_id: null, worker_id: worker.user.id },
      { event: 'acknowledged', from: 'assigned', to: 'in_progress', actor_id: worker.user.id,
        worker_id: worker.user.id },
      { event: 'submitted', from: 'in_progress', to: 'submitted', actor_id: worker.user.id,
        worker_id: worker.user.id },
      { event: 'approved', from: 'submitted', to: 'completed', actor_id: client.user.id, worker_id: worker.user.id },
    ]);
    for (const e of approved.timeline) assert.match(e.at, RFC3339_UTC);

    // the dispatch record closed as acked; the worker's reliability counts the completion
    const d = ok(await api(base, 'GET', `${V1}/tasks/${posted.id}/dispatch`, { token: client.token }));
    assert.equal(d.status, 'completed');
    assert.deepEqual(d.assignments.map((a) => [a.worker_id, a.outcome]), [[worker.user.id, 'acked']]);
    const rep = ok(await api(base, 'GET', `${V1}/users/${worker.user.id}/reputation`));
    assert.deepEqual(rep.reliability, { completion_rate: 1, on_time_rate: 1, release_count: 0, missed_acks: 0 });
    assertLedgerOk(server.db);
  });

  test('admin metrics: GMV, fees and pool grow by exactly this payment', async () => {
    const metrics = async () => ok(await api(base, 'GET', `${V1}/admin/metrics`, { token: admin.token }));
    const sumOf = (list) => list.find((x) => x.currency === 'EUR')?.amount ?? 0;
    const before = await metrics();
    const p = await pair(5000);
    const t = await toSubmitted(p, 3333);   // fee 333, pool floor(333 * 0.2) = 66, worker 3000
    ok(await act(base, p.client.token, t.id, 'approve'));
    const after = await metrics();
    assert.equal(sumOf(after.fees) - sumOf(before.fees), 333);
    assert.equal(sumOf(after.pool) - sumOf(before.pool), 66);
    assert.equal(after.tasks_by_state.completed - before.tasks_by_state.completed, 1);
    assert.equal(after.tasks_total - before.tasks_total, 1);
    assert.equal(after.time_to_assign.sample - before.time_to_assign.sample, 1);
    assert.deepEqual(await balance(base, p.worker.token), { available: 3000, held: 0 });
    // GMV is the gross value the clients paid for completed work: 3333, not the worker's 3000
    assert.equal(sumOf(after.gmv) - sumOf(before.gmv), 3333, `gmv ${JSON.stringify(before.gmv)} -> ` +
      `${JSON.stringify(after.gmv)}`);
  });

  test('admin metrics: shape; non-admins get 403', async () => {
    const m = ok(await api(base, 'GET', `${V1}/admin/metrics`, { token: admin.token }));
    assert.deepEqual(Object.keys(m).sort(), ['fees', 'fill_rate', 'gmv', 'pool', 'tasks_by_state', 'tasks_total',
      'time_to_assign']);
    assert.deepEqual(Object.keys(m.tasks_by_state).sort(), ['assigned', 'cancelled', 'completed', 'dispatching',
      'disputed', 'expired', 'in_progress', 'resolved', 'submitted']);
    assert.equal(Object.values(m.tasks_by_state).reduce((a, b) => a + b, 0), m.tasks_total);
    assert.ok(m.fill_rate > 0 && m.fill_rate <= 1, `fill_rate ${m.fill_rate}`);
    assert.deepEqual(Object.keys(m.time_to_assign).sort(), ['p50_s', 'p99_s', 'sample']);
    assert.ok(m.time_to_assign.p50_s <= m.time_to_assign.p99_s);
    const c = await makeClient(base);
    assertError(await api(base, 'GET', `${V1}/admin/metrics`, { token: c.token }), 403, 'forbidden');
    assertError(await api(base, 'GET', `${V1}/admin/metrics`), 401, 'unauthenticated');
  });

  test('two approves at once: exactly one 200 and one 409, the money moves once', async () => {
    const p = await pair(4000);
    const t = await toSubmitted(p, 1500);
    const results = await Promise.all([
      act(base, p.client.token, t.id, 'approve'),
      act(base, p.client.token, t.id, 'approve'),
    ]);
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409], results.map((r) => r.text).join('\n'));
    assertError(results.find((r) => r.status === 409), 409, 'invalid_state');
    assert.deepEqual(await balance(base, p.client.token), { available: 2500, held: 0 });
    assert.deepEqual(await balance(base, p.worker.token), { available: net(1500), held: 0 });
    const done = await getTask(base, p.client.token, t.id);
    assert.equal(events(done).filter((e) => e === 'approved').length, 1);
  });

  test('approve racing a dispute: one wins, the other is 409, and the money is consistent', async () => {
    const p = await pair(4000);
    const t = await toSubmitted(p, 1000);
    const [a, d] = await Promise.all([
      act(base, p.client.token, t.id, 'approve'),
      act(base, p.worker.token, t.id, 'dispute', { reason: 'late pay' }),
    ]);
    assert.deepEqual([a.status, d.status].sort(), [200, 409], `${a.text}\n${d.text}`);
    const final = await getTask(base, p.client.token, t.id);
    if (a.status === 200) {
      assert.equal(final.status, 'completed');
      assert.deepEqual(await balance(base, p.worker.token), { available: net(1000), held: 0 });
      assert.deepEqual(await balance(base, p.client.token), { available: 3000, held: 0 });
    } else {
      assert.equal(final.status, 'disputed');
      assert.deepEqual(await balance(base, p.worker.token), { available: 0, held: 0 });
      assert.deepEqual(await balance(base, p.client.token), { available: 3000, held: 1000 });
    }
  });
});

describe('Idempotency-Key', () => {
  test('POST /tasks replayed with the same key and body: identical answer, one task, one hold', async () => {
    const p = await pair(1000);
    const body = p.body({ compensation: money(1000) });
    const key = `post-${uniqueTag('k')}`;
    const first = await api(base, 'POST', `${V1}/tasks`, { token: p.client.token, body,
      headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201, first.text);
    const again = await api(base, 'POST', `${V1}/tasks`, { token: p.client.token, body,
      headers: { 'idempotency-key': key } });
    assert.equal(again.status, 201, again.text);
    assert.deepEqual(again.json, first.json);
    // the whole balance is held once: a second hold would have been refused
    assert.deepEqual(await balance(base, p.client.token), { available: 0, held: 1000 });
    const list = ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: p.client.token }));
    assert.deepEqual(list.items.map((t) => t.id), [first.json.id]);
    // still the first answer after the task has moved on (it is the stored reply)
    await waitAssignedTo(base, p.client.token, first.json.id, p.worker.user.id);
    const later = await api(base, 'POST', `${V1}/tasks`, { token: p.client.token, body,
      headers: { 'idempotency-key': key } });
    assert.equal(later.status, 201);
    assert.deepEqual(later.json, first.json);
    // the same key with another body -> 409 idempotency_conflict, nothing created
    const other = await api(base, 'POST', `${V1}/tasks`, { token: p.client.token,
      body: { ...body, title: 'Another title' }, headers: { 'idempotency-key': key } });
    assertError(other, 409, 'idempotency_conflict');
    assert.equal(ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: p.client.token })).items.length, 1);
    // the same key is another user's own key
    const c2 = await makeClient(base, { money: 1000 });
    const theirs = await api(base, 'POST', `${V1}/tasks`, { token: c2.token, body,
      headers: { 'idempotency-key': key } });
    assert.equal(theirs.status, 201, theirs.text);
    assert.notEqual(theirs.json.id, first.json.id);
    assert.equal(theirs.json.client_id, c2.user.id);
  });

  test('the same POST /tasks key sent twice at once: one task', async () => {
    const p = await pair(5000);
    const body = p.body({ compensation: money(700) });
    const headers = { 'idempotency-key': `race-${uniqueTag('k')}` };
    const [a, b] = await Promise.all([
      api(base, 'POST', `${V1}/tasks`, { token: p.client.token, body, headers }),
      api(base, 'POST', `${V1}/tasks`, { token: p.client.token, body, headers }),
    ]);
    assert.equal(a.status, 201, a.text);
    assert.equal(b.status, 201, b.text);
    assert.deepEqual(b.json, a.json);
    assert.deepEqual(await balance(base, p.client.token), { available: 4300, held: 700 });
  });

  test('a refused POST /tasks (insufficient funds) is not stored: the retry after a deposit succeeds', async () => {
    const p = await pair(100);
    const body = p.body({ compensation: money(500) });
    const headers = { 'idempotency-key': `funds-${uniqueTag('k')}` };
    assertError(await api(base, 'POST', `${V1}/tasks`, { token: p.client.token, body, headers }), 409,
      'insufficient_funds');
    ok(await api(base, 'POST', `${V1}/wallet/deposits`, { token: p.client.token, body: money(400) }), 201);
    const res = await api(base, 'POST', `${V1}/tasks`, { token: p.client.token, body, headers });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(await balance(base, p.client.token), { available: 0, held: 500 });
  });

  test('approve replayed: identical answer, one payout; other body or other task -> 409', async () => {
    const p = await pair(6000);
    const t = await toSubmitted(p, 2000);
    const key = `approve-${uniqueTag('k')}`;
    const headers = { 'idempotency-key': key };
    const first = await act(base, p.client.token, t.id, 'approve', undefined, headers);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.status, 'completed');
    const again = await act(base, p.client.token, t.id, 'approve', undefined, headers);
    assert.equal(again.status, 200, `a replay must not be 409: ${again.text}`);
    assert.deepEqual(again.json, first.json);
    assert.deepEqual(await balance(base, p.client.token), { available: 4000, held: 0 });
    assert.deepEqual(await balance(base, p.worker.token), { available: net(2000), held: 0 });
    // without the key a second approve is an illegal state
    assertError(await act(base, p.client.token, t.id, 'approve'), 409, 'invalid_state');
    // the same key with a body -> another request
    const withBody = await api(base, 'POST', `${V1}/tasks/${t.id}/approve`, { token: p.client.token,
      body: { note: 'x' }, headers });
    assertError(withBody, 409, 'idempotency_conflict');
    // the same key on another task's approve -> another request
    const t2 = await toSubmitted(p, 1000);
    assertError(await act(base, p.client.token, t2.id, 'approve', undefined, headers), 409, 'idempotency_conflict');
    assert.equal((await getTask(base, p.client.token, t2.id)).status, 'submitted');
    ok(await act(base, p.client.token, t2.id, 'approve', undefined, { 'idempotency-key': `${key}-2` }));
    assert.deepEqual(await balance(base, p.worker.token), { available: net(2000) + net(1000), held: 0 });
    assert.deepEqual(await balance(base, p.client.token), { available: 3000, held: 0 });
  });

  test('malformed keys -> 400', async () => {
    const p = await pair(0);
    for (const key of ['k'.repeat(300), 'caf\u00e9']) {
      const res = await fetch(`${base}${V1}/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.client.token}`, 'content-type': 'application/json',
          'idempotency-key': key },
        body: JSON.stringify(p.body()),
      }).catch((e) => ({ status: 'fetch-refused', e }));
      if (res.status === 'fetch-refused') continue;   // fetch itself refuses non-ASCII header values
      assert.equal(res.status, 400, `key ${key.slice(0, 10)}…: ${res.status} ${await res.text()}`);
    }
  });
});

describe('goods compensation', () => {
  test('no money moves at all on approve', async () => {
    const p = await pair(0);
    const t = await postTask(base, p.client.token, p.body({ compensation: { kind: 'goods', description: 'a pie' } }));
    await waitAssignedTo(base, p.client.token, t.id, p.worker.user.id);
    ok(await act(base, p.worker.token, t.id, 'ack'));
    ok(await act(base, p.worker.token, t.id, 'submit'));
    const done = ok(await act(base, p.client.token, t.id, 'approve'));
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.compensation, { kind: 'goods', description: 'a pie' });
    assert.deepEqual(await balance(base, p.client.token), { available: 0, held: 0 });
    assert.deepEqual(await balance(base, p.worker.token), { available: 0, held: 0 });
  });
});

describe('fee flags', () => {
  test('--fee-bps 250 --pool-share-bps 5000 are honoured', async () => {
    const s = await startMarket({ args: ['--fee-bps', '250', '--pool-share-bps', '5000'] });
    try {
      const cat = uniqueTag();
      const client = await makeClient(s.base, { money: 999 });
      const worker = await makeWorker(s.base, { categories: [cat] });
      const t = await postTask(s.base, client.token, taskBody(Date.parse((await api(s.base, 'POST',
        `${V1}/dev/clock`, { body: { advance_s: 0 } })).json.now), { category: cat, compensation: money(999),
        urgent: true }));
      assert.equal(t.status, 'assigned');
      ok(await act(s.base, worker.token, t.id, 'ack'));
      ok(await act(s.base, worker.token, t.id, 'submit'));
      ok(await act(s.base, client.token, t.id, 'approve'));
      // fee floor(999 * 0.025) = 24, pool floor(24 * 0.5) = 12
      assert.deepEqual(await balance(s.base, worker.token), { available: 975, held: 0 });
      assert.deepEqual(await balance(s.base, client.token), { available: 0, held: 0 });
      const email = uniqueEmail('admin');
      adminCreate(s.db, email, PASSWORD);
      const a = await login(s.base, email);
      const m = ok(await api(s.base, 'GET', `${V1}/admin/metrics`, { token: a.token }));
      assert.deepEqual(m.fees, [{ amount: 24, currency: 'EUR' }]);
      assert.deepEqual(m.pool, [{ amount: 12, currency: 'EUR' }]);
      await s.stop();
      assertLedgerOk(s.db);
    } finally {
      await s.dispose();
    }
  });
});

test('the ledger verifies after everything in this file', () => {
  assertLedgerOk(server.db);
});
