// lifecycle_restart.test.mjs — kill -9 with tasks in flight (assigned with an ack
// deadline pending, submitted with a review pending, dispatching with money held, one
// completed), restart on the same database: every task, hold and balance is intact, the
// timers fire after the restart (the dev clock offset lives in memory, so it is advanced
// afresh), and `peerwork ledger verify` passes before and after.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { V1, api, login } from './helpers.mjs';
import {
  act, advance, assertLedgerOk, balance, events, getTask, makeClient, makeWorker, net, ok, postTask, serverNow,
  startMarket, taskBody, uniqueTag,
} from './lifecycle_helpers.mjs';

const FLAGS = ['--ack-window-s', '120', '--review-window-s', '600'];
const servers = [];
after(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

test('kill -9 with tasks in flight, restart: state, holds and timers survive', async () => {
  const first = await startMarket({ args: FLAGS });
  servers.push(first);
  let base = first.base;
  const money = (amount) => ({ kind: 'money', amount, currency: 'EUR' });

  const catA = uniqueTag();
  const catB = uniqueTag();
  const client = await makeClient(base, { money: 10_000 });
  const wa = await makeWorker(base, { categories: [catA] });
  const wb = await makeWorker(base, { categories: [catB] });
  const now = await serverNow(base);

  // T1: assigned to wa, ack pending
  const t1 = await postTask(base, client.token, taskBody(now, { category: catA, compensation: money(1000),
    urgent: true }));
  assert.equal(t1.assignment.worker_id, wa.user.id);
  // T2: submitted by wb, review pending
  const t2 = await postTask(base, client.token, taskBody(now, { category: catB, compensation: money(2000),
    urgent: true }));
  assert.equal(t2.assignment.worker_id, wb.user.id);
  ok(await act(base, wb.token, t2.id, 'ack'));
  ok(await act(base, wb.token, t2.id, 'submit', { note: 'before the crash' }));
  // T3: nobody fits, money held
  const t3 = await postTask(base, client.token, taskBody(now, { category: uniqueTag('nobody'),
    compensation: money(1500) }));
  // T4: completed and paid before the crash (wb is remote: may hold several)
  const t4 = await postTask(base, client.token, taskBody(now, { category: catB, compensation: money(500),
    urgent: true }));
  assert.equal(t4.assignment.worker_id, wb.user.id);
  ok(await act(base, wb.token, t4.id, 'ack'));
  ok(await act(base, wb.token, t4.id, 'submit'));
  ok(await act(base, client.token, t4.id, 'approve'));

  const clientBefore = { available: 10_000 - 1000 - 2000 - 1500 - 500, held: 1000 + 2000 + 1500 };
  assert.deepEqual(await balance(base, client.token), clientBefore);
  assert.deepEqual(await balance(base, wb.token), { available: net(500), held: 0 });
  const snapshot = {};
  for (const t of [t1, t2, t3, t4]) snapshot[t.id] = await getTask(base, client.token, t.id);

  await first.kill9();
  assertLedgerOk(first.db);

  const second = await startMarket({ args: FLAGS, db: first.db });
  servers.push(second);
  base = second.base;
  // the sessions survived too
  for (const t of [t1, t2, t3, t4]) {
    assert.deepEqual(await getTask(base, client.token, t.id), snapshot[t.id], `task ${t.id} after restart`);
  }
  assert.deepEqual(await balance(base, client.token), clientBefore);
  assert.deepEqual(await balance(base, wb.token), { available: net(500), held: 0 });
  assert.equal((await getTask(base, wa.token, t1.id)).status, 'assigned');
  assert.equal((await getTask(base, wb.token, t2.id)).submit_note, 'before the crash');
  // sign-in still works on the new process
  await login(base, client.email);

  // the ack deadline (120 s after assignment) passes after the restart
  const tick1 = await advance(base, 121);
  assert.equal(tick1.tick.acks_missed, 1, JSON.stringify(tick1));
  const t1After = await getTask(base, client.token, t1.id);
  assert.equal(t1After.status, 'dispatching', 'wa was the only worker: nobody else to take it');
  assert.deepEqual(events(t1After), ['posted', 'assigned', 'ack_missed']);
  assert.equal(ok(await api(base, 'GET', `${V1}/me/worker`, { token: wa.token })).active, false);
  assert.equal(ok(await api(base, 'GET', `${V1}/users/${wa.user.id}/reputation`)).reliability.missed_acks, 1);
  assert.equal((await getTask(base, client.token, t2.id)).status, 'submitted');

  // the review window (600 s after submission) passes
  const tick2 = await advance(base, 600 - 121 + 1);
  assert.equal(tick2.tick.auto_approved, 1, JSON.stringify(tick2));
  const t2After = await getTask(base, client.token, t2.id);
  assert.equal(t2After.status, 'completed');
  assert.equal(events(t2After).at(-1), 'auto_approved');
  assert.deepEqual(await balance(base, wb.token), { available: net(500) + net(2000), held: 0 });
  assert.deepEqual(await balance(base, client.token), { available: clientBefore.available, held: 1000 + 1500 });

  // the two still-held tasks are cancelled: every hold comes back
  ok(await act(base, client.token, t1.id, 'cancel'));
  ok(await act(base, client.token, t3.id, 'cancel'));
  assert.deepEqual(await balance(base, client.token), { available: 10_000 - 500 - 2000, held: 0 });
  assert.equal((await getTask(base, client.token, t4.id)).status, 'completed');

  await second.stop();
  assertLedgerOk(first.db);
});

test('kill -9 right after an approve: the payout is durable and happens once', async () => {
  const first = await startMarket();
  servers.push(first);
  const cat = uniqueTag();
  const client = await makeClient(first.base, { money: 4000 });
  const worker = await makeWorker(first.base, { categories: [cat] });
  const t = await postTask(first.base, client.token, taskBody(await serverNow(first.base), { category: cat,
    compensation: { kind: 'money', amount: 4000, currency: 'EUR' }, urgent: true }));
  ok(await act(first.base, worker.token, t.id, 'ack'));
  ok(await act(first.base, worker.token, t.id, 'submit'));
  const key = { 'idempotency-key': `crash-${uniqueTag('k')}` };
  const approved = ok(await act(first.base, client.token, t.id, 'approve', undefined, key));
  await first.kill9();

  const second = await startMarket({ db: first.db });
  servers.push(second);
  assert.deepEqual(await balance(second.base, worker.token), { available: net(4000), held: 0 });
  assert.deepEqual(await balance(second.base, client.token), { available: 0, held: 0 });
  // the stored answer survived with its key: a client retrying after the crash gets it back
  const replay = await act(second.base, client.token, t.id, 'approve', undefined, key);
  assert.equal(replay.status, 200, replay.text);
  assert.deepEqual(replay.json, approved);
  assert.deepEqual(await balance(second.base, worker.token), { available: net(4000), held: 0 });
  await second.stop();
  assertLedgerOk(first.db);
});
