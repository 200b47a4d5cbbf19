// tasks.test.mjs — POST /tasks validation (every field, every bad-input class), who may
// post, listing and paging, 404 for anyone unrelated (task, dispatch, messages, every
// action), 403 for the other party's calls, 409 for illegal states, messages, and the
// dispatch explanation as each party sees it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { RFC3339_UTC, V1, api, assertError, signupAndLogin } from './helpers.mjs';
import {
  act, balance, events, makeClient, makeWorker, ok, serverNow, sleep, startMarket, taskBody, uniqueTag,
  waitAssignedTo,
} from './lifecycle_helpers.mjs';

let server;
let base;
let now;          // the server's time when the file started (ms)
let alice;        // client with 1000.00 EUR
let bob;          // another client
let workerOnly;   // a worker without the client role
before(async () => {
  server = await startMarket();
  base = server.base;
  [alice, bob, workerOnly] = await Promise.all([
    makeClient(base, { money: 100_000, name: 'Alice' }),
    makeClient(base, { money: 100_000, name: 'Bob' }),
    signupAndLogin(base, { roles: ['worker'], display_name: 'Wo' }),
  ]);
  now = await serverNow(base);
});
after(async () => {
  await server?.stop();
});

const post = (token, body, headers) => api(base, 'POST', `${V1}/tasks`, { token, body, headers });
// a category no worker has: tasks posted with it stay in `dispatching`
const lonely = () => uniqueTag('nobody');

describe('POST /tasks validation', () => {
  const money = (o = {}) => ({ kind: 'money', amount: 1500, currency: 'EUR', ...o });
  // [name, overrides (undefined = remove), status, code, field]
  const bad = [
    ['title missing', { title: undefined }, 422, 'validation_failed', 'title'],
    ['title null', { title: null }, 422, 'validation_failed', 'title'],
    ['title a number', { title: 5 }, 400, 'wrong_type', 'title'],
    ['title empty', { title: '' }, 422, 'validation_failed', 'title'],
    ['title blank', { title: '   ' }, 422, 'validation_failed', 'title'],
    ['title of 121 chars', { title: 't'.repeat(121) }, 422, 'validation_failed', 'title'],
    ['title with a newline', { title: 'two\nlines' }, 422, 'validation_failed', 'title'],
    ['title with a control character', { title: 'bell\u0007' }, 422, 'validation_failed', 'title'],
    ['description missing', { description: undefined }, 422, 'validation_failed', 'description'],
    ['description an array', { description: ['x'] }, 400, 'wrong_type', 'description'],
    ['description empty', { description: '' }, 422, 'validation_failed', 'description'],
    ['description of 4001 chars', { description: 'd'.repeat(4001) }, 422, 'validation_failed', 'description'],
    ['category missing', { category: undefined }, 422, 'validation_failed', 'category'],
    ['category a bool', { category: true }, 400, 'wrong_type', 'category'],
    ['category of 41 chars', { category: 'c'.repeat(41) }, 422, 'validation_failed', 'category'],
    ['skills a string', { skills: 'cooking' }, 400, 'wrong_type', 'skills'],
    ['skills holds a number', { skills: [1] }, 400, 'wrong_type', 'skills'],
    ['skills holds an empty string', { skills: [''] }, 422, 'validation_failed', 'skills'],
    ['21 skills', { skills: Array.from({ length: 21 }, (_, i) => `s${i}`) }, 422, 'validation_failed', 'skills'],
    ['location a string', { location: 'Berlin' }, 400, 'wrong_type', 'location'],
    ['location.lat a string', { location: { lat: '1', lon: 1 } }, 400, 'wrong_type', 'location'],
    ['location without lat', { location: { lon: 1 } }, 422, 'validation_failed', 'location'],
    ['location.lat 91', { location: { lat: 91, lon: 1 } }, 422, 'validation_failed', 'location'],
    ['location.lon -180.01', { location: { lat: 1, lon: -180.01 } }, 422, 'validation_failed', 'location'],
    ['compensation missing', { compensation: undefined }, 422, 'validation_failed', 'compensation'],
    ['compensation null', { compensation: null }, 422, 'validation_failed', 'compensation'],
    ['compensation a string', { compensation: 'money' }, 400, 'wrong_type', 'compensation'],
    ['compensation a number', { compensation: 1500 }, 400, 'wrong_type', 'compensation'],
    ['compensation.kind missing', { compensation: { amount: 5, currency: 'EUR' } }, 422, 'validation_failed',
      'compensation.kind'],
    ['compensation.kind a number', { compensation: { kind: 1 } }, 400, 'wrong_type', 'compensation.kind'],
    ['compensation.kind unknown', { compensation: { kind: 'bitcoin', amount: 5 } }, 422, 'validation_failed',
      'compensation.kind'],
    ['compensation.kind upper-case', { compensation: money({ kind: 'MONEY' }) }, 422, 'validation_failed',
      'compensation.kind'],
    ['money without amount', { compensation: money({ amount: undefined }) }, 422, 'validation_failed',
      'compensation.amount'],
    ['money amount a string', { compensation: money({ amount: '1500' }) }, 400, 'wrong_type', 'compensation.amount'],
    ['money amount fractional', { compensation: money({ amount: 15.5 }) }, 400, 'wrong_type',
      'compensation.amount'],
    ['money amount 0', { compensation: money({ amount: 0 }) }, 422, 'validation_failed', 'compensation.amount'],
    ['money amount negative', { compensation: money({ amount: -100 }) }, 422, 'validation_failed',
      'compensation.amount'],
    ['money amount over the maximum', { compensation: money({ amount: 100_000_000_001 }) }, 422,
      'validation_failed', 'compensation.amount'],
    ['money without currency', { compensation: money({ currency: undefined }) }, 422, 'validation_failed',
      'compensation.currency'],
    ['money currency a number', { compensation: money({ currency: 978 }) }, 400, 'wrong_type',
      'compensation.currency'],
    ['money currency lower-case', { compensation: money({ currency: 'eur' }) }, 422, 'validation_failed',
      'compensation.currency'],
    ['money currency unknown', { compensation: money({ currency: 'XXX' }) }, 422, 'validation_failed',
      'compensation.currency'],
    ['money in TIME', { compensation: money({ currency: 'TIME' }) }, 422, 'validation_failed',
      'compensation.currency'],
    ['credits without amount', { compensation: { kind: 'credits' } }, 422, 'validation_failed',
      'compensation.amount'],
    ['credits amount 0', { compensation: { kind: 'credits', amount: 0 } }, 422, 'validation_failed',
      'compensation.amount'],
    ['credits amount a string', { compensation: { kind: 'credits', amount: '30' } }, 400, 'wrong_type',
      'compensation.amount'],
    ['credits over 100000 minutes', { compensation: { kind: 'credits', amount: 100_001 } }, 422,
      'validation_failed', 'compensation.amount'],
    ['credits with a currency', { compensation: { kind: 'credits', amount: 30, currency: 'EUR' } }, 422,
      'validation_failed', 'compensation.currency'],
    ['goods without description', { compensation: { kind: 'goods' } }, 422, 'validation_failed',
      'compensation.description'],
    ['goods with an empty description', { compensation: { kind: 'goods', description: '' } }, 422,
      'validation_failed', 'compensation.description'],
    ['goods description a number', { compensation: { kind: 'goods', description: 3 } }, 400, 'wrong_type',
      'compensation.description'],
    ['goods description of 501 chars', { compensation: { kind: 'goods', description: 'g'.repeat(501) } }, 422,
      'validation_failed', 'compensation.description'],
    ['deadline missing', { deadline: undefined }, 422, 'validation_failed', 'deadline'],
    ['deadline a number', { deadline: 1893456000 }, 400, 'wrong_type', 'deadline'],
    ['deadline not a time', { deadline: 'tomorrow' }, 422, 'validation_failed', 'deadline'],
    ['deadline a date only', { deadline: '2030-01-01' }, 422, 'validation_failed', 'deadline'],
    ['urgent a string', { urgent: 'yes' }, 400, 'wrong_type', 'urgent'],
    ['urgent a number', { urgent: 1 }, 400, 'wrong_type', 'urgent'],
  ];
  for (const [name, overrides, status, code, field] of bad) {
    test(`${name} -> ${status} ${code} (${field})`, async () => {
      const body = taskBody(now, { category: lonely(), ...overrides });
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete body[k];
      if (body.compensation) {
        for (const [k, v] of Object.entries(body.compensation)) if (v === undefined) delete body.compensation[k];
      }
      assertError(await post(alice.token, body), status, code, field);
    });
  }

  test('deadline in the past, under 5 minutes ahead, or over 365 days ahead -> 422 deadline', async () => {
    const at = await serverNow(base);
    for (const offsetS of [-3600, 0, 60, 290, 366 * 86400, 400 * 86400]) {
      const body = taskBody(at, { category: lonely(), deadline: new Date(at + offsetS * 1000).toISOString() });
      assertError(await post(alice.token, body), 422, 'validation_failed', 'deadline');
    }
  });

  test('deadline 6 minutes and 364 days ahead, with a UTC offset, are accepted', async () => {
    const at = await serverNow(base);
    for (const offsetS of [360, 364 * 86400]) {
      const body = taskBody(at, { category: lonely(), deadline: new Date(at + offsetS * 1000).toISOString() });
      ok(await post(alice.token, body), 201);
    }
    const instant = Math.floor((at + 7200_000) / 1000) * 1000;
    const plus2 = new Date(instant + 7200_000).toISOString().replace(/\.\d+Z$/, '+02:00');   // same instant
    const t = ok(await post(alice.token, taskBody(at, { category: lonely(), deadline: plus2 })), 201);
    assert.equal(t.deadline, new Date(instant).toISOString().replace(/\.\d+Z$/, 'Z'), `from ${plus2}`);
    assert.match(t.deadline, RFC3339_UTC);
  });

  test('a body that is not an object -> 400 wrong_type; no body -> 400 malformed_json', async () => {
    assertError(await api(base, 'POST', `${V1}/tasks`, { token: alice.token, rawBody: '"task"',
      headers: { 'content-type': 'application/json' } }), 400, 'wrong_type');
    assertError(await api(base, 'POST', `${V1}/tasks`, { token: alice.token }), 400, 'malformed_json');
  });

  test('none of the refused posts created a task or held money', async () => {
    const list = ok(await api(base, 'GET', `${V1}/tasks?role=client&limit=100`, { token: alice.token }));
    // only the 3 accepted deadline tasks above (all goods)
    assert.equal(list.items.length, 3, JSON.stringify(list.items.map((t) => t.title)));
    assert.deepEqual(await balance(base, alice.token), { available: 100_000, held: 0 });
  });
});

describe('POST /tasks success and who may post', () => {
  test('201: the full task, normalised (category lower-cased, skills de-duplicated), remote when no location',
    async () => {
      const cat = lonely();
      const deadline = new Date(now + 7200_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const body = {
        title: 'Walk the dog',
        description: 'Twice a day.\nShe is friendly.',
        category: cat.toUpperCase(),
        skills: ['Dogs', 'dogs', 'Walking'],
        location: null,
        compensation: { kind: 'goods', description: 'a jar of honey' },
        deadline,
      };
      const t = ok(await post(alice.token, body), 201);
      assert.deepEqual(Object.keys(t).sort(), ['assignment', 'category', 'client_id', 'compensation', 'created_at',
        'deadline', 'description', 'id', 'location', 'location_exact', 'remote', 'review_deadline', 'skills', 'status', 'submit_note',
        'timeline', 'title', 'updated_at', 'urgent']);
      assert.equal(typeof t.id, 'string');
      assert.equal(t.client_id, alice.user.id);
      assert.equal(t.title, 'Walk the dog');
      assert.equal(t.description, 'Twice a day.\nShe is friendly.');
      assert.equal(t.category, cat);
      assert.deepEqual(t.skills, ['dogs', 'walking']);
      assert.equal(t.location, null);
      assert.equal(t.remote, true);
      assert.deepEqual(t.compensation, { kind: 'goods', description: 'a jar of honey' });
      assert.equal(t.deadline, deadline);
      assert.equal(t.urgent, false);
      assert.equal(t.status, 'dispatching');
      assert.equal(t.assignment, null);
      assert.equal(t.review_deadline, null);
      assert.equal(t.submit_note, null);
      assert.match(t.created_at, RFC3339_UTC);
      assert.match(t.updated_at, RFC3339_UTC);
      assert.equal(t.timeline.length, 1);
      assert.deepEqual(t.timeline[0], { at: t.created_at, event: 'posted', from: null, to: 'dispatching',
        actor_id: alice.user.id });
      // GET answers the same task
      assert.deepEqual(ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: alice.token })), t);
    });

  test('a local task: location kept exactly, remote false; money compensation echoed and held', async () => {
    const c = await makeClient(base, { money: 5000 });
    const t = ok(await post(c.token, taskBody(now, { category: lonely(), location: { lat: 48.858844, lon: 2.294351 },
      compensation: { kind: 'money', amount: 1234, currency: 'EUR' } })), 201);
    assert.deepEqual(t.location, { lat: 48.858844, lon: 2.294351 });
    assert.equal(t.remote, false);
    assert.deepEqual(t.compensation, { kind: 'money', amount: 1234, currency: 'EUR' });
    assert.deepEqual(await balance(base, c.token), { available: 3766, held: 1234 });
  });

  test('money beyond the available balance -> 409 insufficient_funds, nothing created or held', async () => {
    const c = await makeClient(base, { money: 1000 });
    const body = taskBody(now, { category: lonely(), compensation: { kind: 'money', amount: 1001, currency: 'EUR' } });
    assertError(await post(c.token, body), 409, 'insufficient_funds');
    // another currency than the one deposited
    assertError(await post(c.token, { ...body, compensation: { kind: 'money', amount: 1, currency: 'USD' } }),
      409, 'insufficient_funds');
    assert.deepEqual(ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: c.token })).items, []);
    assert.deepEqual(await balance(base, c.token), { available: 1000, held: 0 });
    // exactly the balance is fine, and then nothing is left
    ok(await post(c.token, { ...body, compensation: { kind: 'money', amount: 1000, currency: 'EUR' } }), 201);
    assert.deepEqual(await balance(base, c.token), { available: 0, held: 1000 });
    assertError(await post(c.token, { ...body, compensation: { kind: 'money', amount: 1, currency: 'EUR' } }),
      409, 'insufficient_funds');
  });

  test('credits with no TIME balance -> 409 insufficient_funds', async () => {
    const c = await makeClient(base);
    assertError(await post(c.token, taskBody(now, { category: lonely(), compensation: { kind: 'credits', amount: 30 } })),
      409, 'insufficient_funds');
  });

  test('a worker-only user -> 403 forbidden; not signed in -> 401', async () => {
    assertError(await post(workerOnly.token, taskBody(now, { category: lonely() })), 403, 'forbidden');
    assertError(await post(undefined, taskBody(now, { category: lonely() })), 401, 'unauthenticated');
  });

  test('a user with both roles may post', async () => {
    const both = await signupAndLogin(base, { roles: ['client', 'worker'] });
    ok(await post(both.token, taskBody(now, { category: lonely() })), 201);
  });
});

describe('GET /tasks (my tasks)', () => {
  test('newest first, paged with limit and cursor', async () => {
    const c = await makeClient(base);
    const ids = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(ok(await post(c.token, taskBody(now, { category: lonely(), title: `task ${i}` })), 201).id);
      await sleep(3);   // ids are time-ordered to the millisecond
    }
    const newest = [...ids].reverse();
    const p1 = ok(await api(base, 'GET', `${V1}/tasks?role=client&limit=2`, { token: c.token }));
    assert.deepEqual(p1.items.map((t) => t.id), newest.slice(0, 2));
    assert.equal(typeof p1.next_cursor, 'string');
    const p2 = ok(await api(base, 'GET', `${V1}/tasks?role=client&limit=2&cursor=${p1.next_cursor}`,
      { token: c.token }));
    assert.deepEqual(p2.items.map((t) => t.id), newest.slice(2, 4));
    const p3 = ok(await api(base, 'GET', `${V1}/tasks?role=client&limit=2&cursor=${p2.next_cursor}`,
      { token: c.token }));
    assert.deepEqual(p3.items.map((t) => t.id), newest.slice(4));
    assert.equal(p3.next_cursor, null);
    // default limit holds all five, and every item is the full task
    const all = ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: c.token }));
    assert.deepEqual(all.items.map((t) => t.id), newest);
    assert.equal(all.next_cursor, null);
    assert.equal(all.items[4].title, 'task 0');
    assert.equal(all.items[0].timeline[0].event, 'posted');
    // exactly five with limit=5: no next page
    const five = ok(await api(base, 'GET', `${V1}/tasks?role=client&limit=5`, { token: c.token }));
    assert.equal(five.items.length, 5);
    assert.equal(five.next_cursor, null);
    // as a worker this client has none; another client sees none of these
    assert.deepEqual(ok(await api(base, 'GET', `${V1}/tasks?role=worker`, { token: c.token })),
      { items: [], next_cursor: null });
    const other = ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: bob.token }));
    assert.ok(other.items.every((t) => !ids.includes(t.id)));
  });

  test('role is required and must be client or worker; bad limit/cursor -> 422', async () => {
    for (const q of ['', '?role=', '?role=admin', '?role=CLIENT', '?limit=5']) {
      assertError(await api(base, 'GET', `${V1}/tasks${q}`, { token: alice.token }), 422, 'validation_failed', 'role');
    }
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=-1']) {
      assertError(await api(base, 'GET', `${V1}/tasks?role=client&${q}`, { token: alice.token }), 422,
        'validation_failed', 'limit');
    }
    for (const q of ['cursor=abc', 'cursor=-4']) {
      assertError(await api(base, 'GET', `${V1}/tasks?role=client&${q}`, { token: alice.token }), 422,
        'validation_failed', 'cursor');
    }
    assertError(await api(base, 'GET', `${V1}/tasks?role=client`), 401, 'unauthenticated');
  });
});

// A task of alice's, assigned to `w` (urgent, so assigned during POST), in a fresh category.
async function assignedTask(w, cat, extra = {}) {
  const t = ok(await post(alice.token, taskBody(now, { category: cat, urgent: true, ...extra })), 201);
  assert.equal(t.status, 'assigned', `urgent task not assigned at once: ${JSON.stringify(t)}`);
  assert.equal(t.assignment.worker_id, w.user.id);
  return t;
}

describe('visibility: anyone unrelated gets 404 for everything', () => {
  let task;
  let w;
  let stranger;
  before(async () => {
    const cat = uniqueTag();
    w = await makeWorker(base, { categories: [cat] });
    stranger = await makeWorker(base, { categories: [uniqueTag()] });
    task = await assignedTask(w, cat);
  });

  const reads = (id) => [
    ['GET', `/tasks/${id}`],
    ['GET', `/tasks/${id}/dispatch`],
    ['GET', `/tasks/${id}/messages`],
  ];
  const writes = (id) => [
    ['POST', `/tasks/${id}/messages`, { body: 'hello' }],
    ['POST', `/tasks/${id}/ack`],
    ['POST', `/tasks/${id}/release`],
    ['POST', `/tasks/${id}/submit`, { note: 'done' }],
    ['POST', `/tasks/${id}/approve`],
    ['POST', `/tasks/${id}/cancel`],
    ['POST', `/tasks/${id}/dispute`, { reason: 'bad' }],
  ];

  test('another client: 404 not_found on the task, its dispatch, messages and every action', async () => {
    for (const [method, path, body] of [...reads(task.id), ...writes(task.id)]) {
      const res = await api(base, method, V1 + path, { token: bob.token, body });
      assertError(res, 404, 'not_found');
    }
  });

  test('an unrelated worker: 404 on all of them too', async () => {
    for (const [method, path, body] of [...reads(task.id), ...writes(task.id)]) {
      assertError(await api(base, method, V1 + path, { token: stranger.token, body }), 404, 'not_found');
    }
  });

  test('unknown and malformed task ids: 404', async () => {
    for (const id of ['1', '12345678901234567', 'abc', '0', '-1', '1e3']) {
      for (const [method, path, body] of [...reads(id), ...writes(id)]) {
        assertError(await api(base, method, V1 + path, { token: alice.token, body }), 404, 'not_found');
      }
    }
  });

  test('nothing changed: still assigned to the same worker, no messages', async () => {
    const t = ok(await api(base, 'GET', `${V1}/tasks/${task.id}`, { token: alice.token }));
    assert.equal(t.status, 'assigned');
    assert.equal(t.assignment.worker_id, w.user.id);
    assert.deepEqual(events(t), ['posted', 'assigned']);
    assert.deepEqual(ok(await api(base, 'GET', `${V1}/tasks/${task.id}/messages`, { token: alice.token })),
      { items: [], next_cursor: null });
  });

  test('not signed in: 401', async () => {
    assertError(await api(base, 'GET', `${V1}/tasks/${task.id}`), 401, 'unauthenticated');
    assertError(await api(base, 'POST', `${V1}/tasks/${task.id}/cancel`), 401, 'unauthenticated');
  });
});

describe("the other party's calls -> 403, illegal states -> 409", () => {
  test('the client may not ack, release or submit; the worker may not cancel or approve', async () => {
    const cat = uniqueTag();
    const w = await makeWorker(base, { categories: [cat] });
    const t = await assignedTask(w, cat);
    // assigned
    assertError(await act(base, alice.token, t.id, 'ack'), 403, 'forbidden');
    assertError(await act(base, alice.token, t.id, 'release'), 403, 'forbidden');
    assertError(await act(base, w.token, t.id, 'cancel'), 403, 'forbidden');
    // in progress
    ok(await act(base, w.token, t.id, 'ack'));
    assertError(await act(base, alice.token, t.id, 'submit', { note: 'x' }), 403, 'forbidden');
    assertError(await act(base, alice.token, t.id, 'release'), 403, 'forbidden');
    // submitted
    ok(await act(base, w.token, t.id, 'submit', { note: 'done' }));
    assertError(await act(base, w.token, t.id, 'approve'), 403, 'forbidden');
    const after = ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: alice.token }));
    assert.equal(after.status, 'submitted');
    assert.deepEqual(events(after), ['posted', 'assigned', 'acknowledged', 'submitted']);
  });

  test('role is checked before state: the worker approving an assigned task is 403, not 409', async () => {
    const cat = uniqueTag();
    const w = await makeWorker(base, { categories: [cat] });
    const t = await assignedTask(w, cat);
    assertError(await act(base, w.token, t.id, 'approve'), 403, 'forbidden');
    assertError(await act(base, alice.token, t.id, 'submit'), 403, 'forbidden');
  });

  test('illegal states -> 409 invalid_state, and the task does not move', async () => {
    const cat = uniqueTag();
    const w = await makeWorker(base, { categories: [cat] });
    const t = await assignedTask(w, cat);
    // assigned: no submit, approve or dispute
    assertError(await act(base, w.token, t.id, 'submit'), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'approve'), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'dispute', { reason: 'early' }), 409, 'invalid_state');
    assertError(await act(base, w.token, t.id, 'dispute', { reason: 'early' }), 409, 'invalid_state');
    // in progress: no second ack, no cancel, no approve
    ok(await act(base, w.token, t.id, 'ack'));
    assertError(await act(base, w.token, t.id, 'ack'), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'cancel'), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'approve'), 409, 'invalid_state');
    // submitted: no release, no second submit, no cancel
    ok(await act(base, w.token, t.id, 'submit'));
    assertError(await act(base, w.token, t.id, 'release'), 409, 'invalid_state');
    assertError(await act(base, w.token, t.id, 'submit'), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'cancel'), 409, 'invalid_state');
    // completed: nothing more
    ok(await act(base, alice.token, t.id, 'approve'));
    assertError(await act(base, alice.token, t.id, 'approve'), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'dispute', { reason: 'late' }), 409, 'invalid_state');
    assertError(await act(base, w.token, t.id, 'dispute', { reason: 'late' }), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'cancel'), 409, 'invalid_state');
    assertError(await act(base, w.token, t.id, 'release'), 409, 'invalid_state');
    const done = ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: w.token }));
    assert.equal(done.status, 'completed');
    assert.deepEqual(events(done), ['posted', 'assigned', 'acknowledged', 'submitted', 'approved']);
    assert.equal(done.submit_note, '');
  });

  test('dispatching: only cancel is possible (ack by nobody, dispute -> 409)', async () => {
    const t = ok(await post(alice.token, taskBody(now, { category: lonely() })), 201);
    assertError(await act(base, alice.token, t.id, 'dispute', { reason: 'x' }), 409, 'invalid_state');
    assertError(await act(base, alice.token, t.id, 'approve'), 409, 'invalid_state');
    const c = ok(await act(base, alice.token, t.id, 'cancel'));
    assert.equal(c.status, 'cancelled');
    assertError(await act(base, alice.token, t.id, 'cancel'), 409, 'invalid_state');
  });

  test('dispute needs a reason; submit note is validated', async () => {
    const cat = uniqueTag();
    const w = await makeWorker(base, { categories: [cat] });
    const t = await assignedTask(w, cat);
    ok(await act(base, w.token, t.id, 'ack'));
    assertError(await act(base, alice.token, t.id, 'dispute', {}), 422, 'validation_failed', 'reason');
    assertError(await act(base, alice.token, t.id, 'dispute', { reason: '' }), 422, 'validation_failed', 'reason');
    assertError(await act(base, alice.token, t.id, 'dispute', { reason: 5 }), 400, 'wrong_type', 'reason');
    assertError(await act(base, alice.token, t.id, 'dispute', { reason: 'r'.repeat(2001) }), 422,
      'validation_failed', 'reason');
    assertError(await act(base, alice.token, t.id, 'dispute'), 400, 'malformed_json');
    assertError(await act(base, w.token, t.id, 'submit', { note: 7 }), 400, 'wrong_type', 'note');
    assertError(await act(base, w.token, t.id, 'submit', { note: 'n'.repeat(2001) }), 422, 'validation_failed',
      'note');
    const s = ok(await act(base, w.token, t.id, 'submit', { note: 'All done.\nReceipt attached.' }));
    assert.equal(s.status, 'submitted');
    assert.equal(s.submit_note, 'All done.\nReceipt attached.');
    assert.match(s.review_deadline, RFC3339_UTC);
    assert.equal(s.assignment.ack_deadline, null);
  });
});

describe('messages', () => {
  let t;
  let w;
  before(async () => {
    const cat = uniqueTag();
    w = await makeWorker(base, { categories: [cat] });
    t = await assignedTask(w, cat);
  });

  test('client and assigned worker post; 201 with the message; listed oldest first', async () => {
    const m1 = ok(await api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: alice.token,
      body: { body: 'Hi! The key is under the mat.' } }), 201);
    assert.deepEqual(Object.keys(m1).sort(), ['body', 'created_at', 'id', 'sender_id']);
    assert.equal(m1.sender_id, alice.user.id);
    assert.equal(m1.body, 'Hi! The key is under the mat.');
    assert.match(m1.created_at, RFC3339_UTC);
    const m2 = ok(await api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: w.token,
      body: { body: 'Thanks,\non my way 🚲' } }), 201);
    assert.equal(m2.sender_id, w.user.id);
    const m3 = ok(await api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: alice.token,
      body: { body: 'x'.repeat(2000) } }), 201);
    for (const token of [alice.token, w.token]) {
      const list = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token }));
      assert.deepEqual(list, { items: [m1, m2, m3], next_cursor: null });
    }
    const p1 = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages?limit=2`, { token: w.token }));
    assert.deepEqual(p1.items, [m1, m2]);
    assert.equal(typeof p1.next_cursor, 'string');
    const p2 = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages?limit=2&cursor=${p1.next_cursor}`,
      { token: w.token }));
    assert.deepEqual(p2, { items: [m3], next_cursor: null });
  });

  test('body validation', async () => {
    const send = (body) => api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: alice.token, body });
    assertError(await send({}), 422, 'validation_failed', 'body');
    assertError(await send({ body: '' }), 422, 'validation_failed', 'body');
    assertError(await send({ body: 'x'.repeat(2001) }), 422, 'validation_failed', 'body');
    assertError(await send({ body: 42 }), 400, 'wrong_type', 'body');
    assertError(await send({ body: ['hi'] }), 400, 'wrong_type', 'body');
    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}/messages?limit=0`, { token: alice.token }), 422,
      'validation_failed', 'limit');
    assert.equal(ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: alice.token })).items.length, 3);
  });

  test('a worker who released the task can no longer read or write its messages', async () => {
    ok(await act(base, w.token, t.id, 'release'));
    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: w.token }), 404, 'not_found');
    assertError(await api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: w.token, body: { body: 'hi' } }),
      404, 'not_found');
    // the client still can
    ok(await api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: alice.token, body: { body: 'ok' } }), 201);
  });
});

describe('GET /tasks/{id}/dispatch', () => {
  test('the client sees how many were considered and the chosen one\'s coarse parts; the worker gets 403', async () => {
    const cat = uniqueTag();
    // two local workers near the task, one closer (higher distance part)
    const near = await makeWorker(base, { categories: [cat], remote: false, location: { lat: 52.5200, lon: 13.4050 },
      radius_km: 20 });
    const far = await makeWorker(base, { categories: [cat], remote: false, location: { lat: 52.6000, lon: 13.4050 },
      radius_km: 20 });
    const t = ok(await post(alice.token, taskBody(now, { category: cat, location: { lat: 52.5200, lon: 13.4050 } })),
      201);
    const assigned = await waitAssignedTo(base, alice.token, t.id, near.user.id);
    assert.equal(assigned.assignment.worker_id, near.user.id);
    assert.match(assigned.assignment.ack_deadline, RFC3339_UTC);

    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: alice.token }));
    assert.equal(d.status, 'assigned');
    assert.equal(d.assignments.length, 1);
    const a = d.assignments[0];
    assert.equal(a.worker_id, near.user.id);
    assert.equal(a.outcome, 'pending');
    assert.match(a.assigned_at, RFC3339_UTC);
    assert.equal(a.explanation.candidates_considered, 2);
    assert.equal(a.explanation.policy, 'batch');
    assert.equal(typeof a.explanation.why, 'string');
    assert.equal(a.explanation.distance_basis, 'public_area');
    // only the chosen worker is shown; the runner-up is not named, scored or placed
    assert.deepEqual(a.explanation.candidates.map((c) => c.worker_id), [near.user.id]);
    assert.ok(!JSON.stringify(d).includes(far.user.id), 'the other candidate leaked to the client');
    const [cn] = a.explanation.candidates;
    assert.deepEqual(Object.keys(cn.parts).sort(), ['distance', 'fairness', 'fit', 'pairing', 'reliability', 'reputation']);
    const w = { fit: 0.35, distance: 0.2, reputation: 0.15, reliability: 0.1, fairness: 0.2 };
    const sum = Object.entries(w).reduce((s, [k, v]) => s + v * cn.parts[k], 0) * cn.parts.pairing;
    assert.ok(Math.abs(sum - cn.score) < 1e-6, `score ${cn.score} is the weighted sum ${sum} of the shown parts`);
    for (const v of Object.values(cn.parts)) assert.equal(Math.round(v * 100) / 100, v, `2 decimals: ${v}`);
    assert.equal(cn.parts.fit, 1);
    // the task is on the worker's base, but what is shown is the band of the distance to the
    // public area's centre (52.55, 13.45), 4.5 km: 5 km, and the distance part 1 - 5/20
    assert.equal(cn.distance_km, 5);
    assert.equal(cn.parts.distance, 0.75);

    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: near.token }), 403, 'forbidden');
    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: far.token }), 404, 'not_found');
  });

  test('remote task: candidates carry no distance_km, the distance part is 1; urgent -> policy greedy', async () => {
    const cat = uniqueTag();
    const w = await makeWorker(base, { categories: [cat], remote: true });
    const t = await assignedTask(w, cat);
    const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: alice.token }));
    const e = d.assignments[0].explanation;
    assert.equal(e.policy, 'greedy');
    assert.equal(e.candidates_considered, 1);
    assert.equal(e.candidates[0].distance_km, undefined);
    assert.equal(e.candidates[0].parts.distance, 1);
  });

  test('a dispatching task with no candidate: no assignments yet', async () => {
    const t = ok(await post(alice.token, taskBody(now, { category: lonely() })), 201);
    await sleep(120);   // two batch rounds
    assert.deepEqual(ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: alice.token })),
      { status: 'dispatching', assignments: [] });
  });
});
