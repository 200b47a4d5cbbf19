// authz.test.mjs — who may call what, walked from the route table itself (issue 12).
//
// Every row of src/api/routes.c (outside #ifdef blocks) must have an entry in MATRIX below,
// and every entry a row: a new route fails this test until someone decides, for each kind
// of caller, what it must answer. Each entry is called as
//   anon      no session;
//   client    the client who owns the object (or any client, for routes without one);
//   worker    the worker assigned to the object (or any worker);
//   admin     an admin (`peerwork admin create`);
//   stranger  a signed-in client and worker with no part in the object: another user's
//             private object must be a 404 to them (API.md), never a 403 that confirms it;
// and the exact status each gets is compared with the matrix, all rows at once, so a
// failure lists every difference. Calls that change something get a fresh object per
// caller, in the state the entry names, so one caller's success cannot change another's
// answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, ROOT, V1, api, login, signupAndLogin, signupBody, uniqueEmail } from './helpers.mjs';
import {
  act, adminCreate, makeClient, makeWorker, ok, postTask, serverNow, startMarket, taskBody, uniqueTag,
  waitAssignedTo,
} from './lifecycle_helpers.mjs';

const ACTORS = ['anon', 'client', 'worker', 'admin', 'stranger'];

/** Rows of routes.c outside #if blocks: "METHOD PATTERN" and the row's allow. */
function routeRows() {
  const rows = [];
  let depth = 0;
  const row = /^\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*\w+\s*,\s*(\w+)\s*,/;
  for (const line of readFileSync(join(ROOT, 'src', 'api', 'routes.c'), 'utf8').split('\n')) {
    if (/^\s*#\s*if/.test(line)) depth++;
    else if (/^\s*#\s*endif/.test(line)) depth--;
    const m = row.exec(line);
    if (m && depth === 0) rows.push({ key: `${m[1]} ${m[2]}`, allow: m[3] });
  }
  return rows;
}

// object: what {id} is — a task in that state, 'user' (the client's public profile),
//   'dispute' (an open dispute), or none. fresh: a new object per caller (the call changes it).
// body(ctx): the request body; query: appended to the path; secondSession: sent from a
// session of its own. expect: the status for [anon, client, worker, admin, stranger].
// An entry may be a list of such cases (the same route on objects in other states).
const money = { kind: 'money', amount: 1000, currency: 'EUR' };
const MATRIX = {
  'GET /healthz':                           { expect: [200, 200, 200, 200, 200] },
  'GET /metrics':                           { expect: [200, 200, 200, 200, 200] },
  'POST /api/v1/users':                     { body: () => signupBody(), expect: [201, 201, 201, 201, 201] },
  // a sign-in revokes the session it arrives with (rotation): sent from a second session
  'POST /api/v1/sessions':                  { secondSession: true, body: (c) => ({ email: c.spare.email, password: PASSWORD }), expect: [200, 200, 200, 200, 200] },
  'DELETE /api/v1/sessions/current':        { secondSession: true, expect: [401, 204, 204, 204, 204] },
  'GET /api/v1/me':                         { expect: [401, 200, 200, 200, 200] },
  'GET /api/v1/me/export':                  { expect: [401, 200, 200, 200, 200] },
  // ends the caller's account: only the anonymous case runs here (the others would lose the
  // callers every later row needs); who may delete what is tested in account_data.test.mjs
  'DELETE /api/v1/me':                      { anonymousOnly: true, expect: [401] },
  'POST /api/v1/dev/clock':                 { body: () => ({ advance_s: 0 }), expect: [200, 200, 200, 200, 200] },
  'GET /api/v1/wallet':                     { expect: [401, 200, 200, 200, 200] },
  'GET /api/v1/wallet/entries':             { expect: [401, 200, 200, 200, 200] },
  'POST /api/v1/wallet/deposits':           { body: () => ({ amount: 100, currency: 'EUR' }), expect: [401, 201, 201, 201, 201] },
  // everyone has the deposit of the row above to pay out
  'POST /api/v1/wallet/payouts':            { body: () => ({ amount: 1, currency: 'EUR' }), expect: [401, 201, 201, 201, 201] },
  'PUT /api/v1/me/worker':                  { body: (c) => c.profile, expect: [401, 403, 200, 403, 200] },
  'GET /api/v1/me/worker':                  { expect: [401, 403, 200, 403, 200] },
  'POST /api/v1/me/availability':           { body: () => ({ active: true }), expect: [401, 403, 200, 403, 200] },
  'GET /api/v1/users/{id}':                 { object: 'user', expect: [200, 200, 200, 200, 200] },
  'GET /api/v1/users/{id}/reputation':      { object: 'user', expect: [200, 200, 200, 200, 200] },
  'POST /api/v1/tasks':                     { body: (c) => taskBody(c.now, { category: c.nobody }), expect: [401, 201, 403, 201, 201] },
  'GET /api/v1/tasks':                      { query: '?role=client', expect: [401, 200, 200, 200, 200] },
  'GET /api/v1/tasks/{id}':                 { object: 'assigned', expect: [401, 200, 200, 200, 404] },
  // the explanation is about the client's choice: the worker knows the task, so 403, not 404
  'GET /api/v1/tasks/{id}/dispatch':        { object: 'assigned', expect: [401, 200, 403, 200, 404] },
  'POST /api/v1/tasks/{id}/ack':            { object: 'assigned', fresh: true, expect: [401, 403, 200, 403, 404] },
  'POST /api/v1/tasks/{id}/release':        { object: 'assigned', fresh: true, expect: [401, 403, 200, 403, 404] },
  'POST /api/v1/tasks/{id}/submit':         { object: 'in_progress', fresh: true, body: () => ({ note: 'done' }), expect: [401, 403, 200, 403, 404] },
  'POST /api/v1/tasks/{id}/approve':        { object: 'submitted', fresh: true, expect: [401, 200, 403, 403, 404] },
  'POST /api/v1/tasks/{id}/cancel':         { object: 'assigned', fresh: true, expect: [401, 200, 403, 200, 404] },
  'POST /api/v1/tasks/{id}/dispute':        { object: 'in_progress', fresh: true, body: () => ({ reason: 'not done' }), expect: [401, 200, 200, 403, 404] },
  // an admin reads a task's messages only once it is disputed or resolved (audited), and never posts
  'GET /api/v1/tasks/{id}/messages': [
    { object: 'assigned', expect: [401, 200, 200, 403, 404] },
    { object: 'disputed', expect: [401, 200, 200, 200, 404] },
  ],
  'POST /api/v1/tasks/{id}/messages':       { object: 'assigned', body: () => ({ body: 'hello' }), expect: [401, 201, 201, 403, 404] },
  // a stream that stays open: the matrix reads its status and headers, then closes it
  'GET /api/v1/events':                     { expect: [401, 200, 200, 200, 200] },
  'GET /api/v1/places':                     { query: '?q=ams', expect: [200, 200, 200, 200, 200] },
  'GET /api/v1/search':                     { query: '?q=plumber', expect: [200, 200, 200, 200, 200] },
  'GET /api/v1/admin/metrics':              { expect: [401, 403, 403, 200, 403] },
  'GET /api/v1/admin/metrics/series':       { expect: [401, 403, 403, 200, 403] },
  'GET /api/v1/admin/disputes':             { expect: [401, 403, 403, 200, 403] },
  'GET /api/v1/admin/audit':                { expect: [401, 403, 403, 200, 403] },
  'GET /api/v1/admin/tasks':                { expect: [401, 403, 403, 200, 403] },
  'POST /api/v1/admin/disputes/{id}/resolve': { object: 'dispute', fresh: true, body: () => ({ outcome: 'refund' }), expect: [401, 403, 403, 200, 403] },
};

/** The cases of a route's entry, as a list (empty if it has none). */
const cases = (route) => (MATRIX[route] === undefined ? [] : [].concat(MATRIX[route]));

let server;
let base;
const ctx = {};
before(async () => {
  server = await startMarket({ args: ['--remote-cap', '15'] });
  base = server.base;
  const adminEmail = uniqueEmail('authz-admin');
  adminCreate(server.db, adminEmail, PASSWORD);
  const client = await makeClient(base, { money: 1_000_000 });
  const stranger = await makeWorker(base, { categories: [uniqueTag('stranger')] }, { active: false, roles: ['client', 'worker'] });
  await api(base, 'POST', `${V1}/wallet/deposits`, { token: stranger.token, body: { amount: 0 + 5, currency: 'EUR' } });
  Object.assign(ctx, {
    client,
    worker: await makeWorker(base, { categories: [uniqueTag('generic')] }),
    admin: { ...(await login(base, adminEmail)), email: adminEmail },
    stranger,
    spare: await signupAndLogin(base),
    nobody: uniqueTag('nobody'),       // a category no worker has: such a task waits in dispatching
    profile: { skills: ['general'], categories: [uniqueTag('put')], bio: '', remote: true, location: null },
    now: await serverNow(base),
    taskWorkers: new Map(),            // one assigned worker per matrix entry (the remote cap is 15)
  });
});
after(async () => {
  await server?.stop();
});

/** The worker who takes the tasks of `key`'s entry: their own category, remote, active. */
async function workerFor(key) {
  if (!ctx.taskWorkers.has(key)) {
    const cat = uniqueTag('authz');
    ctx.taskWorkers.set(key, { cat, worker: await makeWorker(base, { categories: [cat] }) });
  }
  return ctx.taskWorkers.get(key);
}

/** A new task of ctx.client assigned to `key`'s worker and brought to `state`. */
async function taskIn(state, key) {
  const { cat, worker } = await workerFor(key);
  const t = await postTask(base, ctx.client.token, taskBody(ctx.now, { category: cat, urgent: true, compensation: money }));
  await waitAssignedTo(base, ctx.client.token, t.id, worker.user.id);
  if (state !== 'assigned') ok(await act(base, worker.token, t.id, 'ack'), 200, 'ack');
  if (state === 'submitted') ok(await act(base, worker.token, t.id, 'submit', { note: 'done' }), 200, 'submit');
  if (state === 'disputed') ok(await act(base, ctx.client.token, t.id, 'dispute', { reason: 'why' }), 200, 'dispute');
  return { id: t.id, worker };
}

/** {id} for an entry and the worker who stands in the 'worker' column for it. */
async function objectFor(entry, key) {
  if (entry.object === 'user') return { id: ctx.client.user.id, worker: ctx.worker };
  if (entry.object === 'dispute') {
    const t = await taskIn('disputed', key);
    const open = ok(await api(base, 'GET', `${V1}/admin/disputes?limit=100`, { token: ctx.admin.token }));
    const d = open.items.find((x) => x.task_id === t.id);
    assert.ok(d, `no open dispute for task ${t.id}`);
    return { id: d.id, worker: t.worker };
  }
  return taskIn(entry.object, key);
}

async function tokenOf(actor, worker, entry) {
  if (actor === 'anon') return undefined;
  const who = actor === 'worker' ? worker : ctx[actor];
  if (!entry.secondSession) return who.token;
  return (await login(base, who.email)).token;    // ending this one must not end the session the others use
}

describe('the route table, as every kind of caller', () => {
  test('every route has a matrix entry and every entry a route', () => {
    const rows = routeRows();
    assert.ok(rows.length >= 25, `only ${rows.length} rows read from routes.c`);
    const keys = rows.map((r) => r.key);
    assert.deepEqual(keys.filter((k) => !MATRIX[k]), [], 'routes without an entry in MATRIX: decide who may call them');
    assert.deepEqual(Object.keys(MATRIX).filter((k) => !keys.includes(k)), [], 'MATRIX entries for routes that do not exist');
  });

  test('a route that needs a session never answers anonymous callers with anything but 401', () => {
    for (const r of routeRows()) {
      for (const entry of r.allow !== 'ANY' ? cases(r.key) : []) assert.equal(entry.expect[0], 401, r.key);
    }
  });

  test('each caller gets exactly the status the matrix says', async () => {
    const got = {};
    const want = {};
    for (const route of Object.keys(MATRIX)) for (const entry of cases(route)) {
      const [method, pattern] = route.split(' ');
      const key = cases(route).length > 1 ? `${route} (${entry.object})` : route;
      const shared = entry.object && !entry.fresh ? await objectFor(entry, key) : null;
      got[key] = [];
      want[key] = entry.expect;
      for (const actor of entry.anonymousOnly ? ACTORS.slice(0, 1) : ACTORS) {
        const obj = entry.fresh ? await objectFor(entry, key) : shared ?? { worker: ctx.worker };
        const path = (obj.id === undefined ? pattern : pattern.replace('{id}', obj.id)) + (entry.query ?? '');
        const body = entry.body ? entry.body(ctx) : undefined;
        const res = await api(base, method, path, { token: await tokenOf(actor, obj.worker, entry), body });
        assert.ok(res.status < 500, `${key} as ${actor}: ${res.status} ${res.text}`);
        got[key].push(res.status);
      }
    }
    assert.deepEqual(got, want, `answers by [${ACTORS}]`);
  });

  test('an id that names nothing is a 404 to everyone signed in', async () => {
    for (const [key, entry] of Object.keys(MATRIX).map((k) => [k, cases(k)[0]])) {
      if (!entry.object || entry.object === 'user' || key.includes('/admin/')) continue;
      const [method, pattern] = key.split(' ');
      for (const actor of ACTORS.slice(1)) {
        const res = await api(base, method, pattern.replace('{id}', '123456789'), {
          token: ctx[actor === 'worker' ? 'worker' : actor].token, body: entry.body ? entry.body(ctx) : undefined,
        });
        assert.equal(res.status, 404, `${key} on a missing task as ${actor}: ${res.status} ${res.text}`);
      }
    }
  });
});
