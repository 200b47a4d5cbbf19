// lifecycle_paths.test.mjs — every way a task can leave the happy path, with exact
// balances: cancel (dispatching, assigned), release (re-dispatch to someone else), a
// missed ack (dev clock), expiry (dev clock), auto-approval (dev clock), disputes opened
// by either side and resolved by an admin (release / refund / split), and the matching
// rules (remote vs local, radius, the client, inactive workers, busy workers, remote cap).
//
// The dev clock is shared by the whole file: every test takes the server's time afresh
// (deadlineIn / serverNow) and leaves nothing pending that a later advance could fire,
// or does not care if it does.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RFC3339_UTC, V1, api, assertError } from './helpers.mjs';
import {
  act, advance, assertLedgerOk, balance, deadlineIn, events, getTask, makeClient, makeWorker, marketWithAdmin, net, ok,
  postTask, serverNow, setActive, shownDistanceKm, sleep, startMarket, taskBody, uniqueTag, waitAssignedTo,
} from './lifecycle_helpers.mjs';

const ACK_WINDOW_S = 120;
const REVIEW_WINDOW_S = 600;

let server;
let base;
let admin;
marketWithAdmin((m) => ({ server, base, admin } = m), {
  options: { args: ['--ack-window-s', String(ACK_WINDOW_S), '--review-window-s', String(REVIEW_WINDOW_S)] },
});

const money = (amount) => ({ kind: 'money', amount, currency: 'EUR' });
const BERLIN = { lat: 52.520008, lon: 13.404954 };
/** A point `km` kilometres north of `p` (1° of latitude ≈ 111.195 km). */
const north = (p, km) => ({ lat: p.lat + km / 111.195, lon: p.lon });

async function body(cat, o = {}) {
  return taskBody(await serverNow(base), { category: cat, ...o });
}

/** Asserts the task stays unassigned over a few batch rounds. */
async function assertStaysDispatching(token, id, ms = 200) {
  await sleep(ms);
  const t = await getTask(base, token, id);
  assert.equal(t.status, 'dispatching', `expected still dispatching: ${JSON.stringify(t.assignment)}`);
  assert.equal(t.assignment, null);
  return t;
}

describe('cancel', () => {
  test('from dispatching: cancelled, hold returned exactly', async () => {
    const c = await makeClient(base, { money: 5000 });
    const t = await postTask(base, c.token, await body(uniqueTag('nobody'), { compensation: money(1750) }));
    assert.deepEqual(await balance(base, c.token), { available: 3250, held: 1750 });
    const res = ok(await act(base, c.token, t.id, 'cancel'));
    assert.equal(res.status, 'cancelled');
    assert.deepEqual(events(res), ['posted', 'cancelled']);
    assert.deepEqual(res.timeline[1].actor_id, c.user.id);
    assert.deepEqual(await balance(base, c.token), { available: 5000, held: 0 });
    await assertStaysCancelled(c.token, t.id);
  });

  test('from assigned: cancelled, hold returned, assignment closed, the worker is free again', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base, { money: 5000 });
    const w = await makeWorker(base, { categories: [cat], remote: false, location: BERLIN });
    const t = await postTask(base, c.token, await body(cat, { compensation: money(1200), location: BERLIN,
      urgent: true }));
    assert.equal(t.status, 'assigned');
    assert.equal(t.assignment.worker_id, w.user.id);
    const res = ok(await act(base, c.token, t.id, 'cancel'));
    assert.equal(res.status, 'cancelled');
    assert.equal(res.assignment, null);
    assert.deepEqual(events(res), ['posted', 'assigned', 'cancelled']);
    assert.deepEqual(await balance(base, c.token), { available: 5000, held: 0 });
    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: c.token }));
    assert.deepEqual(d.assignments.map((a) => [a.worker_id, a.outcome]), [[w.user.id, 'cancelled']]);
    // the (local) worker is not busy any more: the next local task goes to them
    const t2 = await postTask(base, c.token, await body(cat, { location: BERLIN }));
    await waitAssignedTo(base, c.token, t2.id, w.user.id);
    ok(await act(base, c.token, t2.id, 'cancel'));
    await assertStaysCancelled(c.token, t.id);
  });
});

async function assertStaysCancelled(token, id) {
  await sleep(120);
  const t = await getTask(base, token, id);
  assert.equal(t.status, 'cancelled');
}

describe('release', () => {
  test('from in_progress: back to dispatching, re-dispatched to another worker, release_count + 1', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base, { money: 3000 });
    const w1 = await makeWorker(base, { categories: [cat], remote: false, location: BERLIN, radius_km: 20 });
    const t = await postTask(base, c.token, await body(cat, { compensation: money(2000), location: BERLIN }));
    await waitAssignedTo(base, c.token, t.id, w1.user.id);
    // the second worker appears only now, so the first assignment was w1's for sure
    const w2 = await makeWorker(base, { categories: [cat], remote: false, location: north(BERLIN, 5),
      radius_km: 20 });
    ok(await act(base, w1.token, t.id, 'ack'));
    const rel = ok(await act(base, w1.token, t.id, 'release'));
    assert.deepEqual(rel, { id: t.id, status: 'dispatching' }, 'the releasing worker gets the status only');
    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: w1.token }), 404, 'not_found');
    assertError(await act(base, w1.token, t.id, 'ack'), 404, 'not_found');
    assert.deepEqual(ok(await api(base, 'GET', `${V1}/tasks?role=worker`, { token: w1.token })).items, []);
    const rep = ok(await api(base, 'GET', `${V1}/users/${w1.user.id}/reputation`));
    assert.equal(rep.reliability.release_count, 1);
    assert.equal(rep.reliability.missed_acks, 0);
    // money stays held throughout
    assert.deepEqual(await balance(base, c.token), { available: 1000, held: 2000 });

    const again = await waitAssignedTo(base, c.token, t.id, w2.user.id);
    assert.deepEqual(events(again), ['posted', 'assigned', 'acknowledged', 'released', 'assigned']);
    const released = again.timeline[3];
    assert.deepEqual([released.from, released.to, released.actor_id, released.worker_id],
      ['in_progress', 'dispatching', w1.user.id, w1.user.id]);
    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: c.token }));
    assert.deepEqual(d.assignments.map((a) => [a.worker_id, a.outcome]),
      [[w1.user.id, 'released'], [w2.user.id, 'pending']]);
    // the dispatch record is the client's: the assigned worker may not read it (issue 12, defect 4)
    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: w2.token }), 403, 'forbidden');
    // finish it with w2: the money goes to w2 only
    ok(await act(base, w2.token, t.id, 'ack'));
    ok(await act(base, w2.token, t.id, 'submit'));
    ok(await act(base, c.token, t.id, 'approve'));
    assert.deepEqual(await balance(base, w2.token), { available: net(2000), held: 0 });
    assert.deepEqual(await balance(base, w1.token), { available: 0, held: 0 });
    assert.deepEqual(await balance(base, c.token), { available: 1000, held: 0 });
  });

  test('an urgent task released from assigned goes to the next worker in the same call', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    const w1 = await makeWorker(base, { categories: [cat] });
    const t = await postTask(base, c.token, await body(cat, { urgent: true }));
    assert.equal(t.assignment.worker_id, w1.user.id);
    const w2 = await makeWorker(base, { categories: [cat] });
    const rel = ok(await act(base, w1.token, t.id, 'release'));
    assert.deepEqual(rel, { id: t.id, status: 'assigned' });
    const now = await getTask(base, c.token, t.id);
    assert.equal(now.assignment.worker_id, w2.user.id);
    // w1 was tried: when w2 releases too, nobody is left (never back to w1)
    assert.deepEqual(ok(await act(base, w2.token, t.id, 'release')), { id: t.id, status: 'dispatching' });
    await assertStaysDispatching(c.token, t.id);
    ok(await act(base, c.token, t.id, 'cancel'));
  });
});

describe('timers (dev clock)', () => {
  test('a missed ack: the worker goes inactive, missed_acks + 1, the task goes to the next worker', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base, { money: 900 });
    const w1 = await makeWorker(base, { categories: [cat] });
    const t = await postTask(base, c.token, await body(cat, { compensation: money(900), urgent: true }));
    assert.equal(t.assignment.worker_id, w1.user.id);
    const w2 = await makeWorker(base, { categories: [cat] });

    const early = await advance(base, ACK_WINDOW_S - 10);
    assert.equal(early.tick.acks_missed, 0);
    assert.equal((await getTask(base, c.token, t.id)).assignment.worker_id, w1.user.id);

    const tick = await advance(base, 11);
    assert.match(tick.now, RFC3339_UTC);
    assert.ok(tick.tick.acks_missed >= 1, JSON.stringify(tick));
    assert.ok(tick.tick.assigned >= 1, JSON.stringify(tick));
    // the same tick re-dispatched it to w2 (w1 is inactive and was tried)
    const moved = await getTask(base, c.token, t.id);
    assert.equal(moved.status, 'assigned');
    assert.equal(moved.assignment.worker_id, w2.user.id);
    assert.deepEqual(events(moved), ['posted', 'assigned', 'ack_missed', 'assigned']);
    const missed = moved.timeline[2];
    assert.deepEqual([missed.from, missed.to, missed.actor_id, missed.worker_id],
      ['assigned', 'dispatching', null, w1.user.id]);

    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: w1.token }), 404, 'not_found');
    assertError(await act(base, w1.token, t.id, 'ack'), 404, 'not_found');
    const p1 = ok(await api(base, 'GET', `${V1}/me/worker`, { token: w1.token }));
    assert.equal(p1.active, false);
    assert.equal(p1.active_since, null);
    assert.equal(ok(await api(base, 'GET', `${V1}/users/${w1.user.id}`)).active, false);
    const rep = ok(await api(base, 'GET', `${V1}/users/${w1.user.id}/reputation`));
    assert.equal(rep.reliability.missed_acks, 1);
    assert.equal(rep.reliability.release_count, 0);
    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: c.token }));
    assert.deepEqual(d.assignments.map((a) => [a.worker_id, a.outcome]),
      [[w1.user.id, 'missed'], [w2.user.id, 'pending']]);
    assert.deepEqual(await balance(base, c.token), { available: 0, held: 900 });

    // w1 comes back, w2 misses too: the task is not given back to w1
    await setActive(base, w1.token, true);
    const tick2 = await advance(base, ACK_WINDOW_S + 1);
    assert.ok(tick2.tick.acks_missed >= 1);
    await assertStaysDispatching(c.token, t.id);
    await advance(base, 1);
    await assertStaysDispatching(c.token, t.id, 100);
    // ack after losing the assignment is a 404 for w2 as well
    assertError(await act(base, w2.token, t.id, 'ack'), 404, 'not_found');
    ok(await act(base, c.token, t.id, 'cancel'));
    assert.deepEqual(await balance(base, c.token), { available: 900, held: 0 });
  });

  test('acknowledging inside the window works; the window is the configured one', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat] });
    const t = await postTask(base, c.token, await body(cat, { urgent: true }));
    assert.equal(Date.parse(t.assignment.ack_deadline) - Date.parse(t.timeline[1].at), ACK_WINDOW_S * 1000);
    await advance(base, ACK_WINDOW_S - 5);
    const a = ok(await act(base, w.token, t.id, 'ack'));
    assert.equal(a.status, 'in_progress');
    ok(await act(base, w.token, t.id, 'release'));
    ok(await act(base, c.token, t.id, 'cancel'));
  });

  test('expiry: a dispatching task past its deadline expires and its hold is voided', async () => {
    const c = await makeClient(base, { money: 800 });
    const t = await postTask(base, c.token, taskBody(0, { category: uniqueTag('nobody'), compensation: money(800),
      deadline: await deadlineIn(base, 360) }));
    assert.deepEqual(await balance(base, c.token), { available: 0, held: 800 });
    const early = await advance(base, 300);
    assert.equal((await getTask(base, c.token, t.id)).status, 'dispatching', JSON.stringify(early));
    const tick = await advance(base, 61);
    assert.ok(tick.tick.expired >= 1, JSON.stringify(tick));
    const x = await getTask(base, c.token, t.id);
    assert.equal(x.status, 'expired');
    assert.deepEqual(events(x), ['posted', 'expired']);
    assert.deepEqual([x.timeline[1].from, x.timeline[1].to, x.timeline[1].actor_id], ['dispatching', 'expired', null]);
    assert.deepEqual(await balance(base, c.token), { available: 800, held: 0 });
    assertError(await act(base, c.token, t.id, 'cancel'), 409, 'invalid_state');
  });

  test('auto-approval: a submitted task nobody reviews completes when the review window ends', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base, { money: 2000 });
    const w = await makeWorker(base, { categories: [cat] });
    const t = await postTask(base, c.token, await body(cat, { compensation: money(2000), urgent: true }));
    ok(await act(base, w.token, t.id, 'ack'));
    const s = ok(await act(base, w.token, t.id, 'submit', { note: 'done' }));
    assert.equal(Date.parse(s.review_deadline) - Date.parse(s.updated_at), REVIEW_WINDOW_S * 1000);
    const early = await advance(base, REVIEW_WINDOW_S - 10);
    assert.equal((await getTask(base, c.token, t.id)).status, 'submitted', JSON.stringify(early));
    assert.deepEqual(await balance(base, w.token), { available: 0, held: 0 });
    const tick = await advance(base, 11);
    assert.ok(tick.tick.auto_approved >= 1, JSON.stringify(tick));
    const done = await getTask(base, c.token, t.id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(events(done), ['posted', 'assigned', 'acknowledged', 'submitted', 'auto_approved']);
    const last = done.timeline[4];
    assert.deepEqual([last.from, last.to, last.actor_id, last.worker_id], ['submitted', 'completed', null, w.user.id]);
    assert.deepEqual(await balance(base, w.token), { available: net(2000), held: 0 });
    assert.deepEqual(await balance(base, c.token), { available: 0, held: 0 });
    assertError(await act(base, c.token, t.id, 'approve'), 409, 'invalid_state');
    assertError(await act(base, c.token, t.id, 'dispute', { reason: 'too late' }), 409, 'invalid_state');
  });

  test('dev clock input validation', async () => {
    const clock = (b) => api(base, 'POST', `${V1}/dev/clock`, { body: b });
    assertError(await clock({}), 422, 'validation_failed', 'advance_s');
    assertError(await clock({ advance_s: -1 }), 422, 'validation_failed', 'advance_s');
    assertError(await clock({ advance_s: 1.5 }), 400, 'wrong_type', 'advance_s');
    assertError(await clock({ advance_s: '10' }), 400, 'wrong_type', 'advance_s');
  });
});

describe('disputes and their resolution', () => {
  const disputes = async (q = '') => ok(await api(base, 'GET', `${V1}/admin/disputes${q}`, { token: admin.token }));
  const resolve = (id, b, token = admin.token) =>
    api(base, 'POST', `${V1}/admin/disputes/${id}/resolve`, { token, body: b });

  /** A client with `deposit`, a worker, and a task of `amount` acked (in_progress). */
  async function inProgress(deposit, amount) {
    const cat = uniqueTag();
    const c = await makeClient(base, { money: deposit });
    const w = await makeWorker(base, { categories: [cat] });
    const t = await postTask(base, c.token, await body(cat, { compensation: money(amount), urgent: true }));
    assert.equal(t.assignment.worker_id, w.user.id);
    ok(await act(base, w.token, t.id, 'ack'));
    return { c, w, t };
  }

  test('client disputes in progress, admin releases: the worker is paid as if approved', async () => {
    const { c, w, t } = await inProgress(5000, 3000);
    const d = ok(await act(base, c.token, t.id, 'dispute', { reason: 'Not finished, not answering.' }));
    assert.equal(d.status, 'disputed');
    assert.equal(d.timeline.at(-1).event, 'disputed');
    assert.equal(d.timeline.at(-1).actor_id, c.user.id);
    // both sides still see it; the worker can no longer submit or release
    assert.equal((await getTask(base, w.token, t.id)).status, 'disputed');
    assertError(await act(base, w.token, t.id, 'submit'), 409, 'invalid_state');
    assertError(await act(base, w.token, t.id, 'release'), 409, 'invalid_state');
    assertError(await act(base, w.token, t.id, 'dispute', { reason: 'me too' }), 409, 'invalid_state');
    assertError(await act(base, c.token, t.id, 'cancel'), 409, 'invalid_state');

    const open = await disputes('?limit=100');
    const mine = open.items.find((x) => x.task_id === t.id);
    assert.ok(mine, `dispute for ${t.id} not listed: ${JSON.stringify(open)}`);
    assert.deepEqual(Object.keys(mine).sort(), ['created_at', 'id', 'opened_by', 'reason', 'status', 'task_id']);
    assert.equal(mine.opened_by, c.user.id);
    assert.equal(mine.reason, 'Not finished, not answering.');
    assert.equal(mine.status, 'open');
    assert.match(mine.created_at, RFC3339_UTC);
    assert.deepEqual(await balance(base, c.token), { available: 2000, held: 3000 });

    const r = ok(await resolve(mine.id, { outcome: 'release' }));
    assert.equal(r.id, t.id);
    assert.equal(r.status, 'resolved');
    const ev = r.timeline.at(-1);
    assert.deepEqual([ev.event, ev.from, ev.to, ev.actor_id], ['resolved', 'disputed', 'resolved', admin.user.id]);
    assert.deepEqual(await balance(base, w.token), { available: net(3000), held: 0 });
    assert.deepEqual(await balance(base, c.token), { available: 2000, held: 0 });
    assert.ok(!(await disputes('?limit=100')).items.some((x) => x.task_id === t.id), 'resolved dispute still open');
    // resolving again: the task is no longer disputed
    assertError(await resolve(mine.id, { outcome: 'refund' }), 409, 'invalid_state');
    assert.deepEqual(await balance(base, c.token), { available: 2000, held: 0 });
  });

  test('worker disputes a submitted task, admin refunds: all back to the client', async () => {
    const { c, w, t } = await inProgress(2500, 2500);
    ok(await act(base, w.token, t.id, 'submit', { note: 'done' }));
    const d = ok(await act(base, w.token, t.id, 'dispute', { reason: 'The client will not approve.' }));
    assert.equal(d.status, 'disputed');
    assert.equal(d.review_deadline, null);
    const mine = (await disputes('?limit=100')).items.find((x) => x.task_id === t.id);
    assert.equal(mine.opened_by, w.user.id);
    // a disputed task is never auto-approved
    await advance(base, REVIEW_WINDOW_S + 1);
    assert.equal((await getTask(base, c.token, t.id)).status, 'disputed');
    const r = ok(await resolve(mine.id, { outcome: 'refund' }));
    assert.equal(r.status, 'resolved');
    assert.deepEqual(await balance(base, c.token), { available: 2500, held: 0 });
    assert.deepEqual(await balance(base, w.token), { available: 0, held: 0 });
  });

  test('split 30%: the worker gets 30% net of the fee, the client the other 70% back', async () => {
    const { c, w, t } = await inProgress(1999, 1999);
    ok(await act(base, c.token, t.id, 'dispute', { reason: 'Half done.' }));
    const mine = (await disputes('?limit=100')).items.find((x) => x.task_id === t.id);
    const r = ok(await resolve(mine.id, { outcome: 'split', worker_share_pct: 30 }));
    assert.equal(r.status, 'resolved');
    const gross = Math.floor((1999 * 30) / 100);   // 599
    assert.equal(gross, 599);
    assert.deepEqual(await balance(base, w.token), { available: net(gross), held: 0 });   // 599 - 59 = 540
    assert.equal(net(gross), 540);
    assert.deepEqual(await balance(base, c.token), { available: 1999 - gross, held: 0 });   // 1400
  });

  test('a goods task can be disputed and resolved without any money', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat] });
    const t = await postTask(base, c.token, await body(cat, { urgent: true }));
    ok(await act(base, w.token, t.id, 'ack'));
    ok(await act(base, w.token, t.id, 'dispute', { reason: 'no cake' }));
    const mine = (await disputes('?limit=100')).items.find((x) => x.task_id === t.id);
    assert.equal(ok(await resolve(mine.id, { outcome: 'split', worker_share_pct: 50 })).status, 'resolved');
  });

  test('resolve validation, permissions, unknown disputes; the list pages', async () => {
    const a = await inProgress(1000, 1000);
    const b = await inProgress(1000, 1000);
    ok(await act(base, a.c.token, a.t.id, 'dispute', { reason: 'first' }));
    await sleep(3);
    ok(await act(base, b.w.token, b.t.id, 'dispute', { reason: 'second' }));
    const all = await disputes('?limit=100');
    const ids = all.items.map((x) => x.task_id);
    assert.ok(ids.indexOf(a.t.id) >= 0 && ids.indexOf(a.t.id) < ids.indexOf(b.t.id), 'oldest first');
    const dA = all.items.find((x) => x.task_id === a.t.id);

    // paging: limit=1 walks the same list
    const walked = [];
    let cursor = null;
    for (let i = 0; i < 50; i += 1) {
      const page = await disputes(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...page.items.map((x) => x.id));
      cursor = page.next_cursor;
      if (cursor === null) break;
      assert.equal(page.items.length, 1);
    }
    assert.deepEqual(walked, all.items.map((x) => x.id));

    const bad = [
      [{}, 422, 'validation_failed', 'outcome'],
      [{ outcome: 'keep' }, 422, 'validation_failed', 'outcome'],
      [{ outcome: 7 }, 400, 'wrong_type', 'outcome'],
      [{ outcome: 'split' }, 422, 'validation_failed', 'worker_share_pct'],
      [{ outcome: 'split', worker_share_pct: 101 }, 422, 'validation_failed', 'worker_share_pct'],
      [{ outcome: 'split', worker_share_pct: -1 }, 422, 'validation_failed', 'worker_share_pct'],
      [{ outcome: 'split', worker_share_pct: 30.5 }, 400, 'wrong_type', 'worker_share_pct'],
      [{ outcome: 'split', worker_share_pct: '30' }, 400, 'wrong_type', 'worker_share_pct'],
    ];
    for (const [b2, status, code, field] of bad) assertError(await resolve(dA.id, b2), status, code, field);
    assertError(await resolve('1', { outcome: 'refund' }), 404, 'not_found');
    assertError(await resolve('abc', { outcome: 'refund' }), 404, 'not_found');
    // the parties and outsiders may not
    assertError(await resolve(dA.id, { outcome: 'release' }, a.c.token), 403, 'forbidden');
    assertError(await resolve(dA.id, { outcome: 'release' }, a.w.token), 403, 'forbidden');
    assertError(await api(base, 'GET', `${V1}/admin/disputes`, { token: a.c.token }), 403, 'forbidden');
    assertError(await api(base, 'GET', `${V1}/admin/disputes`), 401, 'unauthenticated');
    assert.equal((await getTask(base, a.c.token, a.t.id)).status, 'disputed');
    assert.deepEqual(await balance(base, a.c.token), { available: 0, held: 1000 });

    // the admin sees both tasks and every candidate of their dispatch
    const seen = ok(await api(base, 'GET', `${V1}/tasks/${a.t.id}`, { token: admin.token }));
    assert.equal(seen.status, 'disputed');
    const dd = ok(await api(base, 'GET', `${V1}/tasks/${a.t.id}/dispatch`, { token: admin.token }));
    assert.deepEqual(dd.assignments.map((x) => x.worker_id), [a.w.user.id]);
    // split 0 and 100 are the refund and release ends
    ok(await resolve(dA.id, { outcome: 'split', worker_share_pct: 0 }));
    assert.deepEqual(await balance(base, a.c.token), { available: 1000, held: 0 });
    assert.deepEqual(await balance(base, a.w.token), { available: 0, held: 0 });
    const dB = all.items.find((x) => x.task_id === b.t.id);
    ok(await resolve(dB.id, { outcome: 'split', worker_share_pct: 100 }));
    assert.deepEqual(await balance(base, b.w.token), { available: net(1000), held: 0 });
    assert.deepEqual(await balance(base, b.c.token), { available: 0, held: 0 });
  });
});

describe('matching rules', () => {
  test('a remote task never goes to a non-remote worker; a remote worker gets it', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    await makeWorker(base, { categories: [cat], remote: false, location: BERLIN, radius_km: 500 });
    const t = await postTask(base, c.token, await body(cat, { location: null }));
    assert.equal(t.remote, true);
    await assertStaysDispatching(c.token, t.id);
    const r = await makeWorker(base, { categories: [cat], remote: true, location: null });
    await waitAssignedTo(base, c.token, t.id, r.user.id);
    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: c.token }));
    assert.equal(d.assignments[0].explanation.candidates_considered, 1);
    ok(await act(base, c.token, t.id, 'cancel'));
  });

  test('a local task beyond the radius is not assigned; within it, it is', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    await makeWorker(base, { categories: [cat], remote: false, location: north(BERLIN, 30), radius_km: 25 });
    // a remote-only worker without a base location never gets a local task
    await makeWorker(base, { categories: [cat], remote: true, location: null });
    const t = await postTask(base, c.token, await body(cat, { location: BERLIN }));
    assert.equal(t.remote, false);
    await assertStaysDispatching(c.token, t.id);
    const near = await makeWorker(base, { categories: [cat], remote: false, location: north(BERLIN, 24),
      radius_km: 25 });
    const a = await waitAssignedTo(base, c.token, t.id, near.user.id);
    assert.equal(a.status, 'assigned');
    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: c.token }));
    const cand = d.assignments[0].explanation.candidates;
    assert.equal(cand.length, 1);
    // 24 km away; shown is the band of the distance to the public area's centre (25.8 km): 25
    const { area } = ok(await api(base, 'GET', `${V1}/users/${near.user.id}`));
    assert.equal(cand[0].distance_km, shownDistanceKm(BERLIN, area));
    assert.equal(cand[0].distance_km, 25);
    assert.equal(cand[0].parts.distance, 0, 'a band at the radius: distance part 0');
    ok(await act(base, c.token, t.id, 'cancel'));
  });

  test('a remote worker with a base location takes local tasks in range', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat], remote: true, location: BERLIN, radius_km: 5 });
    const t = await postTask(base, c.token, await body(cat, { location: north(BERLIN, 3) }));
    await waitAssignedTo(base, c.token, t.id, w.user.id);
    ok(await act(base, c.token, t.id, 'cancel'));
  });

  test('skills match too; inactive workers and the client themself are never candidates', async () => {
    const cat = uniqueTag();
    const skill = uniqueTag('skill');
    const c = await makeClient(base, { roles: ['client', 'worker'] });
    ok(await api(base, 'PUT', `${V1}/me/worker`, { token: c.token, body: { skills: [skill], categories: [cat],
      remote: true } }));
    await setActive(base, c.token, true);
    await makeWorker(base, { categories: [cat], skills: [skill] }, { active: false });
    const t = await postTask(base, c.token, await body(cat, { skills: [skill] }));
    await assertStaysDispatching(c.token, t.id);
    // a worker of another category with the skill
    const s = await makeWorker(base, { categories: [uniqueTag()], skills: [skill.toUpperCase()] });
    const a = await waitAssignedTo(base, c.token, t.id, s.user.id);
    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: c.token }));
    const [cand] = d.assignments[0].explanation.candidates;
    assert.equal(cand.parts.fit, 0.6, 'no category match, all skills: fit = 0.6');
    assert.equal(a.assignment.worker_id, s.user.id);
    ok(await act(base, c.token, t.id, 'cancel'));
  });

  test('a busy local worker gets no second local task until the first is done', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat], remote: false, location: BERLIN });
    const t1 = await postTask(base, c.token, await body(cat, { location: BERLIN, urgent: true }));
    assert.equal(t1.assignment.worker_id, w.user.id);
    const t2 = await postTask(base, c.token, await body(cat, { location: BERLIN, urgent: true }));
    assert.equal(t2.status, 'dispatching');
    ok(await act(base, w.token, t1.id, 'ack'));
    await assertStaysDispatching(c.token, t2.id);
    ok(await act(base, w.token, t1.id, 'submit'));   // submitted: no longer busy
    await waitAssignedTo(base, c.token, t2.id, w.user.id);
    ok(await act(base, c.token, t1.id, 'approve'));
    ok(await act(base, c.token, t2.id, 'cancel'));
  });

  test('remote cap: a remote worker holds at most 3 remote tasks at once', async () => {
    const cat = uniqueTag();
    const c = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat], remote: true });
    const tasks = [];
    for (let i = 0; i < 4; i += 1) tasks.push(await postTask(base, c.token, await body(cat, { urgent: true })));
    assert.deepEqual(tasks.map((t) => t.status), ['assigned', 'assigned', 'assigned', 'dispatching']);
    ok(await act(base, w.token, tasks[0].id, 'ack'));
    await assertStaysDispatching(c.token, tasks[3].id);
    assert.equal(ok(await api(base, 'GET', `${V1}/tasks?role=worker`, { token: w.token })).items.length, 3);
    ok(await act(base, w.token, tasks[1].id, 'release'));
    await waitAssignedTo(base, c.token, tasks[3].id, w.user.id);
    for (const t of [tasks[0]]) {
      ok(await act(base, w.token, t.id, 'submit'));
      ok(await act(base, c.token, t.id, 'approve'));
    }
    for (const t of [tasks[1], tasks[2], tasks[3]]) ok(await act(base, c.token, t.id, 'cancel'));
  });

  test('--remote-cap 1 is honoured: the second remote task waits', async () => {
    const s = await startMarket({ args: ['--remote-cap', '1'] });
    try {
      const cat = uniqueTag();
      const c = await makeClient(s.base);
      await makeWorker(s.base, { categories: [cat], remote: true });
      const at = Date.parse((await api(s.base, 'POST', `${V1}/dev/clock`, { body: { advance_s: 0 } })).json.now);
      const t1 = await postTask(s.base, c.token, taskBody(at, { category: cat, urgent: true }));
      const t2 = await postTask(s.base, c.token, taskBody(at, { category: cat, urgent: true }));
      assert.deepEqual([t1.status, t2.status], ['assigned', 'dispatching']);
      await s.stop();
    } finally {
      await s.dispose();
    }
  });
});

test('the ledger verifies after everything in this file', () => {
  assertLedgerOk(server.db);
});
