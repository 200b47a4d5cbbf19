// lifecycle_helpers.mjs — shared pieces for the task lifecycle tests (tasks, workers,
// lifecycle_*): a market server with a dev clock, users with wallets and worker profiles,
// task bodies, polling for a status, wallet balances, admins and `ledger verify`.
//
// Isolation inside one server: dispatch only looks at workers whose category or skills
// match the task, so every test makes its own category with uniqueTag() and only its own
// workers can ever be candidates for its tasks.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import {
  BINARY, PASSWORD, ROOT, V1, api, login, serverPerSuite, signupAndLogin, startServer, uniqueEmail,
} from './helpers.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A server for lifecycle tests: dev clock on, fast batch rounds. Extra flags in `args`. */
export function startMarket({ args = [], db } = {}) {
  return startServer({ args: ['--dev-clock', '--batch-window-ms', '50', ...args], db });
}

let tagCounter = 0;
/** A fresh lower-case tag (category or skill) nobody else uses. */
export function uniqueTag(prefix = 'cat') {
  tagCounter += 1;
  return `${prefix}-${process.pid}-${tagCounter}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Asserts a 2xx/expected status and returns the JSON body. */
export function ok(res, status = 200, what = '') {
  assert.equal(res.status, status, `${what} expected ${status}; got ${res.status} ${res.text}`);
  return res.json;
}

/** POST /dev/clock: moves the server's time and runs its timers; returns the reply. */
export async function advance(base, seconds) {
  return ok(await api(base, 'POST', `${V1}/dev/clock`, { body: { advance_s: seconds } }), 200, 'dev clock');
}

/** The server's current time in ms (POST /dev/clock {advance_s: 0}). */
export async function serverNow(base) {
  return Date.parse((await advance(base, 0)).now);
}

/** An RFC 3339 deadline `seconds` after the server's now. */
export async function deadlineIn(base, seconds) {
  return new Date((await serverNow(base)) + seconds * 1000).toISOString();
}

/** A client (roles ['client']) with `money` (minor units, EUR unless `currency`) deposited. */
export async function makeClient(base, { money = 0, currency = 'EUR', roles = ['client'], name = 'Client' } = {}) {
  const c = await signupAndLogin(base, { roles, display_name: name });
  if (money > 0) await deposit(base, c.token, money, currency);
  return c;
}

export async function deposit(base, token, amount, currency = 'EUR') {
  const res = await api(base, 'POST', `${V1}/wallet/deposits`, { token, body: { amount, currency } });
  return ok(res, 201, 'deposit');
}

/** A valid worker profile body, any field overridden. */
export function profileBody(overrides = {}) {
  return {
    skills: ['general'],
    categories: ['misc'],
    bio: 'I fix things.',
    remote: true,
    location: null,
    radius_km: 10,
    ...overrides,
  };
}

/**
 * A worker with a profile (PUT /me/worker) and, unless active:false, available.
 * Returns { user, token, email, password, profile }.
 */
export async function makeWorker(base, profile = {}, { active = true, roles = ['worker'], name = 'Worker' } = {}) {
  const w = await signupAndLogin(base, { roles, display_name: name });
  const saved = ok(await api(base, 'PUT', `${V1}/me/worker`, { token: w.token, body: profileBody(profile) }),
    200, 'PUT /me/worker');
  if (active) await setActive(base, w.token, true);
  return { ...w, profile: saved };
}

export async function setActive(base, token, active) {
  return ok(await api(base, 'POST', `${V1}/me/availability`, { token, body: { active } }), 200, 'availability');
}

/** A valid task body with a deadline one hour after `now` (ms), any field overridden. */
export function taskBody(now, overrides = {}) {
  return {
    title: 'Fix the tap',
    description: 'The kitchen tap drips.',
    category: 'misc',
    skills: [],
    location: null,
    compensation: { kind: 'goods', description: 'a cake' },
    deadline: new Date(now + 3600_000).toISOString(),
    ...overrides,
  };
}

/** POST /tasks asserting 201; returns the task. */
export async function postTask(base, token, body, headers = {}) {
  return ok(await api(base, 'POST', `${V1}/tasks`, { token, body, headers }), 201, 'POST /tasks');
}

export async function getTask(base, token, id) {
  return ok(await api(base, 'GET', `${V1}/tasks/${id}`, { token }), 200, `GET /tasks/${id}`);
}

/** Polls GET /tasks/{id} (as `token`) until `pred(task)` holds; returns the task. */
export async function waitTask(base, token, id, pred, { timeoutMs = 3000, what = 'condition' } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await api(base, 'GET', `${V1}/tasks/${id}`, { token });
    if (last.status === 200 && pred(last.json)) return last.json;
    if (Date.now() > until) {
      assert.fail(`task ${id}: ${what} not reached within ${timeoutMs} ms; last: ${last.status} ${last.text}`);
    }
    await sleep(20);
  }
}

export const waitStatus = (base, token, id, status, opts = {}) =>
  waitTask(base, token, id, (t) => t.status === status, { what: `status ${status}`, ...opts });

/** Waits until the task is assigned to `workerId` (checked as the client). */
export const waitAssignedTo = (base, token, id, workerId, opts = {}) =>
  waitTask(base, token, id, (t) => t.status === 'assigned' && t.assignment?.worker_id === workerId,
    { what: `assigned to ${workerId}`, ...opts });

/** POST /tasks/{id}/<action> as `token`. */
export function act(base, token, id, action, body, headers = {}) {
  return api(base, 'POST', `${V1}/tasks/${id}/${action}`, { token, body, headers });
}

/** { available, held } of `currency` in the caller's wallet ({0, 0} if never touched). */
export async function balance(base, token, currency = 'EUR') {
  const res = ok(await api(base, 'GET', `${V1}/wallet`, { token }), 200, 'GET /wallet');
  assert.ok(Array.isArray(res.balances), `balances: ${JSON.stringify(res)}`);
  const row = res.balances.find((b) => b.currency === currency);
  return row ? { available: row.available, held: row.held } : { available: 0, held: 0 };
}

/** The worker's net payout for a gross amount: gross - floor(gross * fee_bps / 10000). */
export const net = (gross, feeBps = 1000) => gross - Math.floor((gross * feeBps) / 10000);

/** Event names of a task's timeline, in order. */
export const events = (task) => task.timeline.map((e) => e.event);

/** `peerwork admin create` on `db` (works while the server runs: WAL). Returns nothing. */
export function adminCreate(db, email, password) {
  const r = spawnSync(BINARY, ['admin', 'create', '--email', email, '--db', db],
    { cwd: ROOT, input: `${password}\n`, encoding: 'utf8' });
  assert.equal(r.status, 0, `admin create: ${r.status}\n${r.stdout}\n${r.stderr}`);
}

/** An admin made by `peerwork admin create` on `db` and signed in on `base`: login()'s answer and the email. */
export async function makeAdmin(base, db) {
  const email = uniqueEmail('admin');
  adminCreate(db, email, PASSWORD);
  return { ...(await login(base, email)), email };
}

/**
 * A market server (startMarket, or `start`, with `options`) for the tests of the current
 * scope, as serverPerSuite, with an admin made on it: `started({ server, base, admin })`
 * keeps them.
 */
export function marketWithAdmin(started, { start = startMarket, options } = {}) {
  serverPerSuite(async (server) => {
    const admin = await makeAdmin(server.base, server.db);
    await started({ server, base: server.base, admin });
  }, { start, options });
}

/** `peerwork ledger verify --db FILE`: { status, stdout, stderr }. */
export function ledgerVerify(db) {
  const r = spawnSync(BINARY, ['ledger', 'verify', '--db', db], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function assertLedgerOk(db) {
  const r = ledgerVerify(db);
  assert.equal(r.status, 0, `ledger verify failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

export { V1, api };

/**
 * The distance_km a client is shown for a worker (docs/SECURITY.md, "Locating workers"):
 * from `point` to the centre of the worker's public `area` (GET /users/{id}), to the nearest
 * 5 km below 50 km (at least 5), 10 km below 200, 50 km beyond.
 */
export function shownDistanceKm(point, area) {
  const r = Math.PI / 180;
  const h = Math.sin((area.lat - point.lat) * r / 2) ** 2 +
    Math.cos(point.lat * r) * Math.cos(area.lat * r) * Math.sin((area.lon - point.lon) * r / 2) ** 2;
  const km = 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
  const step = km < 50 ? 5 : km < 200 ? 10 : 50;
  return Math.max(5, Math.round(km / step) * step);
}
