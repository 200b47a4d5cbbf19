// fuzz.test.mjs — seeded random requests against every route of the real server.
//
// API.md: "A 5xx is a bug." The other API tests check each route's answers one by one;
// this one throws a few thousand generated requests at a live market (users with money,
// a worker, tasks in several states, an open dispute) and checks what must hold for every
// answer whatever was sent:
//   * no 5xx, and the server stays up;
//   * every error under /api is the API.md error shape: JSON {"error": {code, message}};
//   * the security headers are on every response;
//   * afterwards: SIGTERM exits cleanly, `peerwork ledger verify` passes, and the server
//     logged no error (a failed statement, a failed commit).
// Requests are generated from the route table itself (src/api/routes.c), so a new route
// is fuzzed without touching this file: valid bodies for the routes that take one, then
// mutated (fields dropped, replaced by other types, extreme numbers, long and odd strings,
// deep nesting), raw bytes that are not JSON (cut, invalid UTF-8, duplicate keys), odd
// path parameters, query strings, auth headers (none, each user, garbage, a cookie with
// and without its CSRF token) and Idempotency-Keys.
//
// Deterministic per seed: PW_FUZZ_SEED (default below) and PW_FUZZ_REQUESTS pick the run;
// a failure prints the seed, the request's number and the request, to reproduce it.
// `make test` runs it twice, as the whole API suite: with the release build, and against
// the ASan+UBSan build (Makefile, asan-test). A longer hunt:
//   PW_FUZZ_SEED=7 PW_FUZZ_REQUESTS=20000 node --test tests/api/fuzz.test.mjs

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, SeededRandom, V1, api, login, uniqueEmail } from './helpers.mjs';
import {
  act, adminCreate, assertLedgerOk, deadlineIn, makeClient, makeWorker, ok, postTask, startMarket, taskBody,
  uniqueTag, waitStatus,
} from './lifecycle_helpers.mjs';

const SEED = Number(process.env.PW_FUZZ_SEED ?? 20261202);
const REQUESTS = Number(process.env.PW_FUZZ_REQUESTS ?? 2500);
const IN_FLIGHT = 4;   // requests sent together: the server sees concurrent writers too
const TRANSPORT_CAP = 1024 * 1024;   // PW_HTTP_ENTITY_MAX_BYTES: past it the server may close mid-upload

// ---- sending: node:http, not fetch, which refuses a body on GET and non-Latin-1 headers ----

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Sends req as generated; resolves to { status, headers: {get(name)}, text, json }. */
function send(base, req) {
  const url = new URL(base);
  const headers = { ...req.opts.headers };
  let payload;
  if (req.opts.rawBody !== undefined) payload = Buffer.isBuffer(req.opts.rawBody) ? req.opts.rawBody : Buffer.from(req.opts.rawBody, 'utf8');
  else if (req.opts.body !== undefined) {
    payload = Buffer.from(JSON.stringify(req.opts.body), 'utf8');
    headers['content-type'] ??= 'application/json';
  }
  if (payload) headers['content-length'] = String(payload.length);
  req.bytes = payload?.length ?? 0;
  return new Promise((resolve, reject) => {
    // what a client library would do with spaces and non-ASCII in a path: percent-encode them
    const path = req.path.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
    const r = http.request({ host: url.hostname, port: url.port, method: req.method, path, headers, agent }, (res) => {
      if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        // GET /events answers with a stream that stays open: its status and headers are the answer
        res.destroy();
        resolve({ status: res.statusCode, headers: { get: (n) => res.headers[n.toLowerCase()] ?? null }, text: '' });
        return;
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        if ((res.headers['content-type'] ?? '').startsWith('application/json') && text !== '') {
          try { json = JSON.parse(text); } catch { json = undefined; }
        }
        resolve({ status: res.statusCode, headers: { get: (n) => res.headers[n.toLowerCase()] ?? null }, text, json });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(payload);
  });
}

// ---- the route table ------------------------------------------------------------------------

/** Rows of routes.c outside #ifdef blocks: { method, path, body } (body: takes a JSON body). */
function routeTable() {
  const rows = [];
  let depth = 0;
  const row = /^\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*\w+\s*,\s*\w+\s*,\s*([^,]+?)\s*,/;
  for (const line of readFileSync(join(ROOT, 'src', 'api', 'routes.c'), 'utf8').split('\n')) {
    if (/^\s*#\s*if/.test(line)) depth++;
    else if (/^\s*#\s*endif/.test(line)) depth--;
    const m = row.exec(line);
    if (m && depth === 0) rows.push({ method: m[1], path: m[2], body: /\bBODY\b/.test(m[3]) });
  }
  return rows;
}

// ---- values ---------------------------------------------------------------------------------

const ODD_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', '\u202e', 'é', '日本語', '😀', '\n\r\t',
  '%00', '%s%s%n', '<script>alert(1)</script>', "'; DROP TABLE users; --", '../../etc/passwd',
  'null', 'true', '1e309', '-0', 'EUR', 'TIME', 'eur', 'XXX', 'money', 'credits', 'goods',
  'client', 'worker', 'admin', 'release', 'refund', 'split',
  '2026-12-02T10:00:00Z', '2026-12-02T10:00:00.123456789Z', '2026-02-30T10:00:00Z', '9999-12-31T23:59:59Z',
  '1970-01-01T00:00:00Z', '2026-12-02T10:00:00+02:00', '2026-12-02 10:00:00', 'not a date',
];
const ODD_NUMBERS = [
  0, -1, 1, 2, 5, 6, 99, 100, 101, 0.5, -0.5, 1e-9, 12.345, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31,
  2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 63, -(2 ** 63), 1e300, -1e300, 90, -90, 180, -180, 91, 181, 10000, 10001,
];

function oddValue(g, depth = 0) {
  switch (g.int(depth > 2 ? 5 : 8)) {
    case 0: return null;
    case 1: return g.chance(0.5);
    case 2: return g.pick(ODD_NUMBERS);
    case 3: return g.pick(ODD_STRINGS);
    case 4: return g.str(g.pick([1, 12, 64, 200, 1000, 5000]));
    case 5: return Array.from({ length: g.int(4) }, () => oddValue(g, depth + 1));
    case 6: return Object.fromEntries(Array.from({ length: g.int(3) }, () => [g.str(3), oddValue(g, depth + 1)]));
    default: return g.int(2) ? { lat: oddValue(g, 3), lon: oddValue(g, 3) } : { amount: oddValue(g, 3), currency: g.pick(ODD_STRINGS) };
  }
}

function nested(depth, leaf) {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

// ---- the market the requests run against ----------------------------------------------------

let server;
let ctx;   // { users: {name: {token, id, setCookie, csrf}}, ids: {task: [...], user: [...], dispute: [...]}, category }

/** A valid body for a route, from what the market holds. */
function validBody(g, method, path) {
  const key = `${method} ${path}`;
  const cat = ctx.category;
  switch (key) {
    case 'POST /api/v1/users':
      return { email: uniqueEmail('fz'), password: 'correct horse battery', display_name: 'Fuzz', roles: g.pick([['client'], ['worker'], ['client', 'worker']]) };
    case 'POST /api/v1/sessions':
      return { email: g.pick(ctx.emails), password: g.chance(0.5) ? 'correct horse battery' : 'wrong password!' };
    case 'POST /api/v1/dev/clock':   // mutated below only into values that cannot jump far
      return { advance_s: g.pick([0, 1, 5]) };
    case 'POST /api/v1/wallet/deposits':
    case 'POST /api/v1/wallet/payouts':
      return { amount: g.pick([1, 100, 2500]), currency: g.pick(['EUR', 'TIME', 'USD']) };
    case 'PUT /api/v1/me/worker':
      return { skills: ['fuzzing'], categories: [cat], bio: 'I fuzz.', remote: g.chance(0.5), location: g.chance(0.5) ? null : { lat: 52.52, lon: 13.4 }, radius_km: 10 };
    case 'POST /api/v1/me/availability':
      return { active: g.chance(0.5) };
    case 'POST /api/v1/tasks':
      return {
        ...taskBody(ctx.now, { category: cat, skills: ['fuzzing'] }),
        compensation: g.pick([
          { kind: 'money', amount: g.pick([1, 100, 2000]), currency: 'EUR' },
          { kind: 'credits', amount: 30 },
          { kind: 'goods', description: 'a cake' },
        ]),
        urgent: g.chance(0.5),
      };
    case 'POST /api/v1/tasks/{id}/submit':
      return { note: 'done' };
    case 'POST /api/v1/tasks/{id}/dispute':
      return { reason: 'fuzz says no' };
    case 'POST /api/v1/tasks/{id}/messages':
      return { body: 'hello' };
    case 'POST /api/v1/admin/disputes/{id}/resolve':
      return { outcome: g.pick(['release', 'refund', 'split']), worker_share_pct: g.pick([0, 50, 100]) };
    default:
      return { note: 'x' };
  }
}

function mutate(g, body) {
  const b = structuredClone(body);
  const keys = Object.keys(b);
  const rounds = 1 + g.int(3);
  for (let i = 0; i < rounds; i++) {
    const k = keys.length ? g.pick(keys) : 'x';
    switch (g.int(7)) {
      case 0: delete b[k]; break;
      case 1: b[k] = oddValue(g); break;
      case 2: b[g.str(g.pick([1, 8, 300]))] = oddValue(g); break;
      case 3: b[k] = nested(g.pick([2, 10, 40, 100]), oddValue(g, 3)); break;
      case 4: if (b[k] && typeof b[k] === 'object' && !Array.isArray(b[k])) { const ks = Object.keys(b[k]); if (ks.length) b[k][g.pick(ks)] = oddValue(g); } break;
      case 5: if (Array.isArray(b[k])) b[k] = Array.from({ length: g.pick([0, 1, 30, 200]) }, () => g.chance(0.5) ? g.str(8) : oddValue(g, 3)); else b[k] = [b[k]]; break;
      default: {   // longer, up to ~2 MiB (past the transport cap, not past memory)
        const text = typeof b[k] === 'string' ? b[k] : String(b[k]);
        b[k] = text.repeat(Math.min(g.pick([2, 50, 2000]), Math.ceil(2_100_000 / Math.max(1, text.length))));
        break;
      }
    }
  }
  return b;
}

/** Raw bytes that are not quite a JSON object. */
function rawBody(g, body) {
  const text = JSON.stringify(body);
  switch (g.int(9)) {
    case 0: return text.slice(0, g.int(text.length));
    case 1: return Buffer.concat([Buffer.from(text.slice(0, 5)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(text.slice(5))]);
    case 2: return `{"a":1,"a":2,${text.slice(1)}`;
    case 3: return `\ufeff${text}`;
    case 4: return `${text}${text}`;
    case 5: return g.pick(['', ' ', 'null', '[]', '"x"', '1', '{', '}', '{"":}', '{"a":01}', '{"a":1e999999}', '{"a":-}', '{"a":"\\u12"}', '{"a":"\\ud800"}', '{"a":NaN}']);
    case 6: return '['.repeat(g.pick([64, 1000, 20000]));
    case 7: return `{"k":"${'x'.repeat(g.pick([1000, 17000, 70000]))}"}`;
    default: return text.replace(/"/, g.pick(["'", '', '\\"']));
  }
}

const ODD_IDS = ['0', '-1', '1', '9223372036854775807', '9223372036854775808', '18446744073709551616', 'abc',
  '1e3', '0x10', '00012', '+5', ' 5', '%00', '%2F', '%2e%2e', 'é', 'x'.repeat(300), '1'.repeat(40), '..', 'null'];

function pathFor(g, template) {
  return template.replace(/\{id\}/g, () => {
    const kind = template.includes('/disputes/') ? 'dispute' : template.includes('/users/') ? 'user' : 'task';
    return g.chance(0.6) ? g.pick(ctx.ids[kind]) : g.pick(ODD_IDS);
  });
}

function queryFor(g) {
  if (!g.chance(0.4)) return '';
  const parts = [];
  for (let i = 0, n = 1 + g.int(3); i < n; i++) {
    const k = g.pick(['limit', 'cursor', 'role', 'status', 'q', g.str(4)]);
    const v = g.pick(['', '0', '-1', '1', '20', '100', '101', '1e9', '99999999999999999999', 'abc', 'client', 'worker',
      'admin', '%00', '%ff', 'x'.repeat(500), 'MTIz', '=', '&&']);
    parts.push(g.chance(0.1) ? k : `${k}=${v}`);
  }
  return `?${parts.join('&')}`;
}

/** One generated request: { method, path, opts } for api(). */
function generate(g, routes) {
  let method;
  let path;
  let takesBody = false;
  const r = g.int(20);
  if (r < 17) {
    const route = g.pick(routes);
    method = route.method;
    path = pathFor(g, route.path);
    takesBody = route.body;
    if (takesBody || g.chance(0.3)) {
      const valid = validBody(g, method, route.path);
      const opts = {};
      if (g.chance(0.25)) opts.rawBody = rawBody(g, valid);
      else opts.body = g.chance(0.3) ? valid : mutate(g, valid);
      // Moving the clock by up to the allowed year would end every session of the run.
      if (route.path.endsWith('/dev/clock') && typeof opts.body?.advance_s === 'number' && !(Math.abs(opts.body.advance_s) <= 60)) {
        opts.body.advance_s = 60;
      }
      return { ...finish(g, method, path + queryFor(g), opts), route: `${method} ${route.path}` };
    }
    return { ...finish(g, method, path + queryFor(g), {}), route: `${method} ${route.path}` };
  } else if (r < 19) {
    const route = g.pick(routes);
    method = g.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
    path = pathFor(g, route.path);
  } else {
    method = g.pick(['GET', 'POST', 'DELETE']);
    path = g.pick([`${V1}/${g.str(6)}`, `${V1}/tasks/1/${g.str(4)}`, `${V1}/users/1/2/3/4/5/6/7/8/9/10`, `/api/${g.str(3)}`,
      `${V1}//tasks`, `${V1}/tasks/`, `/${g.str(5)}.html`, '/index.html', '/', `${V1}/../${V1}/me`, `/${'a/'.repeat(200)}`]);
  }
  return finish(g, method, path + queryFor(g), {});
}

function finish(g, method, path, opts) {
  if (method === 'DELETE' && path.startsWith(`${V1}/sessions/current`)) {
    // Signing out ends the session used: spend a spare one, never the users' own.
    const spare = g.chance(0.7) ? ctx.spareTokens.pop() : undefined;
    return { method, path, opts: { ...opts, headers: spare ? { authorization: `Bearer ${spare}` } : {} } };
  }
  const who = g.pick(['none', 'client', 'client', 'worker', 'worker1', 'worker2', 'other', 'stranger', 'admin', 'garbage', 'cookie', 'cookie-csrf']);
  const headers = {};
  if (who === 'garbage') headers.authorization = g.pick(['Bearer ', 'Bearer x', `Bearer ${'A'.repeat(2000)}`, 'Basic abc', 'bearer', `Bearer ${ctx.users.client.token}x`]);
  else if (who === 'cookie' || who === 'cookie-csrf') {
    headers.cookie = `pw_session=${ctx.users.client.token}`;
    if (who === 'cookie-csrf') headers['x-csrf-token'] = g.chance(0.8) ? ctx.users.client.csrf : g.str(10);
  } else if (who !== 'none') headers.authorization = `Bearer ${ctx.users[who].token}`;
  // header values go out as Latin-1: UTF-8 text is sent as its bytes
  if (g.chance(0.15)) headers['idempotency-key'] = g.pick(['k1', 'k2', '', 'x'.repeat(300), Buffer.from('ключ').toString('latin1'), g.str(16)]);
  if (opts.body !== undefined && g.chance(0.1)) headers['content-type'] = g.pick(['text/plain', 'application/json; charset=latin1', 'application/jsonx', 'multipart/form-data']);
  if (opts.rawBody !== undefined && g.chance(0.8)) headers['content-type'] = 'application/json';
  return { method, path, who, opts: { ...opts, headers } };
}

function describeRequest(i, req) {
  const body = req.opts.body !== undefined ? JSON.stringify(req.opts.body) : req.opts.rawBody !== undefined ? JSON.stringify(String(req.opts.rawBody)) : '';
  return `PW_FUZZ_SEED=${SEED} request #${i}: ${req.method} ${req.path.slice(0, 300)}\n  headers: ${JSON.stringify(req.opts.headers).slice(0, 400)}\n  body: ${body.slice(0, 600)}`;
}

function checkAnswer(i, req, res) {
  const where = () => `${describeRequest(i, req)}\n  answer: ${res.status} ${res.text.slice(0, 400)}`;
  assert.ok(res.status < 500, `5xx: ${where()}`);
  // Another user's task is a 404, whatever is asked of it: never done, never "not now"
  // (409), never "not you" (403) — any of those would tell a stranger that it exists.
  const taskId = /^\/api\/v1\/tasks\/([^/?]+)/.exec(req.path)?.[1];
  if (req.who === 'stranger' && ctx.ids.task.includes(taskId)) {
    ctx.strangerChecks = (ctx.strangerChecks ?? 0) + 1;
    assert.ok(![200, 201, 204, 403, 409].includes(res.status), `a stranger learnt of a task: ${where()}`);
  }
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `nosniff missing: ${where()}`);
  assert.ok(res.headers.get('content-security-policy'), `CSP missing: ${where()}`);
  if (res.status >= 400 && req.method !== 'HEAD' && (req.path.startsWith('/api/') || req.path.startsWith('/healthz'))) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `error is not JSON: ${where()}`);
    assert.equal(typeof res.json?.error?.code, 'string', `no error.code: ${where()}`);
    assert.ok(res.json.error.code.length > 0, `empty error.code: ${where()}`);
    assert.equal(typeof res.json.error.message, 'string', `no error.message: ${where()}`);
  }
}

describe(`fuzzing every route (seed ${SEED}, ${REQUESTS} requests)`, () => {
  before(async () => {
    server = await startMarket();
    const base = server.base;
    const category = uniqueTag('fuzz');
    const client = await makeClient(base, { money: 1_000_000, name: 'Fuzz Client' });
    const other = await makeClient(base, { money: 5000, roles: ['client', 'worker'], name: 'Fuzz Other' });
    const worker = await makeWorker(base, { categories: [category], skills: ['fuzzing'] }, { name: 'Fuzz Worker' });
    const adminEmail = uniqueEmail('admin');
    adminCreate(server.db, adminEmail, 'correct horse battery');
    const admin = await login(base, adminEmail, 'correct horse battery');
    const csrf = ok(await api(base, 'GET', `${V1}/me`, { token: client.token })).csrf_token;
    const now = Date.parse(ok(await api(base, 'POST', `${V1}/dev/clock`, { body: { advance_s: 0 } })).now);
    ctx = {
      category,
      now,
      emails: [client.email, other.email, worker.email, adminEmail, 'nobody@example.test'],
      users: {
        client: { token: client.token, csrf },
        other: { token: other.token },
        worker: { token: worker.token },
        admin: { token: admin.token },
      },
      ids: { task: [], user: [client.user.id, other.user.id, worker.user.id, admin.user.id], dispute: [] },
    };
    // tasks in several states, each with its own worker (a worker holds one assignment at
    // a time): assigned, in progress, submitted, disputed; and one nobody can take
    const money = (amount) => ({ kind: 'money', amount, currency: 'EUR' });
    const tasks = [];
    for (let i = 0; i < 4; i++) {
      const cat = i === 0 ? category : uniqueTag('fuzz');
      const w = i === 0 ? worker : await makeWorker(base, { categories: [cat], skills: ['fuzzing'] }, { name: `Fuzz Worker ${i}` });
      const t = await postTask(base, client.token, taskBody(now, { category: cat, skills: ['fuzzing'], compensation: money(1000 + i), urgent: true }));
      assert.equal(t.assignment?.worker_id, w.user.id, `setup task ${i} assigned at once`);
      ctx.ids.task.push(t.id);
      ctx.ids.user.push(w.user.id);
      tasks.push({ t, w });
    }
    ok(await act(base, tasks[1].w.token, tasks[1].t.id, 'ack'));
    ok(await act(base, tasks[2].w.token, tasks[2].t.id, 'ack'));
    ok(await act(base, tasks[2].w.token, tasks[2].t.id, 'submit', { note: 'done' }));
    ok(await act(base, tasks[3].w.token, tasks[3].t.id, 'ack'));
    ok(await act(base, client.token, tasks[3].t.id, 'dispute', { reason: 'not done' }));
    await waitStatus(base, client.token, tasks[3].t.id, 'disputed');
    // a client with no part in any of the tasks above, and no way to get one (not a worker)
    ctx.users.stranger = { token: (await makeClient(base, { name: 'Fuzz Stranger' })).token };
    ctx.spareTokens = [];
    for (let i = 0; i < 30; i++) ctx.spareTokens.push((await login(base, other.email, other.password)).token);
    ctx.users.worker1 = { token: tasks[1].w.token };
    ctx.users.worker2 = { token: tasks[2].w.token };
    const open = ok(await api(base, 'GET', `${V1}/admin/disputes?limit=100`, { token: admin.token }));
    ctx.ids.dispute.push(...open.items.map((d) => d.id));
    const lonely = await postTask(base, client.token, taskBody(now, { category: uniqueTag('none'), deadline: await deadlineIn(base, 7200) }));
    ctx.ids.task.push(lonely.id);
    assert.ok(ctx.ids.dispute.length > 0, 'the setup opened a dispute');
  });

  after(async () => {
    agent.destroy();
    await server?.dispose();
  });

  test('no 5xx, the error shape and the security headers on every answer; the server lives on', async (t) => {
    const routes = routeTable();
    assert.ok(routes.length >= 20, `route table read: ${routes.length} rows`);
    const g = new SeededRandom(SEED);
    const counts = new Map();
    const reached = new Map();   // route -> requests it answered with 2xx
    for (let i = 0; i < REQUESTS; i += IN_FLIGHT) {
      const batch = [];
      for (let j = i; j < Math.min(REQUESTS, i + IN_FLIGHT); j++) batch.push([j, generate(g, routes)]);
      const answers = await Promise.all(batch.map(([, req]) => send(server.base, req).catch((err) => ({ error: err }))));
      answers.forEach((res, k) => {
        const [j, req] = batch[k];
        // Past the transport cap the server answers 413 at once and closes: the upload may be cut.
        if (res.error && req.bytes > TRANSPORT_CAP && ['EPIPE', 'ECONNRESET'].includes(res.error.code)) return;
        assert.ok(!res.error, `no answer (${res.error?.message}; the server died?): ${describeRequest(j, req)}`);
        checkAnswer(j, req, res);
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        if (res.status < 300 && req.route) reached.set(req.route, (reached.get(req.route) ?? 0) + 1);
      });
    }
    t.diagnostic(`answers by status: ${JSON.stringify(Object.fromEntries([...counts].sort((a, b) => a[0] - b[0])))}`);
    t.diagnostic(`2xx by route: ${JSON.stringify(Object.fromEntries(reached))}`);
    // The generator must reach past validation, not only bounce off it.
    const success = [...counts].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    assert.ok(success >= REQUESTS / 20, `only ${success} of ${REQUESTS} requests succeeded: ${JSON.stringify([...counts])}`);
    t.diagnostic(`a stranger asked about real tasks ${ctx.strangerChecks} times`);
    assert.ok(ctx.strangerChecks > 0, 'the stranger property was never exercised');
    for (const s of [400, 401, 404, 422]) assert.ok(counts.get(s) > 0, `no ${s} among the answers: ${JSON.stringify([...counts])}`);
    ok(await api(server.base, 'GET', '/healthz'), 200, 'healthz after the run');
  });

  test('afterwards: a clean stop, the ledger holds, no error was logged', async () => {
    await server.stop();
    assertLedgerOk(server.db);
    // level=error: a failed statement or commit; the rest: sanitizer reports (an ASan build)
    const errors = server.stderrText().split('\n')
      .filter((l) => /level=error|runtime error:|AddressSanitizer|LeakSanitizer/.test(l));
    assert.deepEqual(errors, [], 'errors logged during the run');
    // and whatever was sent, no session token, e-mail address or password reached the log
    const log = server.stderrText();
    const secrets = [...Object.values(ctx.users).map((u) => u.token), ...ctx.spareTokens, ...ctx.emails,
      'correct horse battery'];
    for (const secret of secrets) assert.ok(!log.includes(secret), `the log holds a secret: ${secret}`);
  });
});
