// seed_demo.test.mjs — `peerwork seed --demo` (issue 14 item 7; src/market/seed.c) run for
// real into temporary databases, then `peerwork ledger verify`, then served:
//   * the admin's GET /admin/metrics/series over the six weeks, by week, has tasks posted,
//     completed and assigned, GMV, fees, pool share and active workers in (nearly) every week;
//   * GET /admin/metrics: tasks in several states (completed, cancelled, expired, resolved,
//     disputed, and some still in flight); an open dispute in GET /admin/disputes and a
//     split among the admin's resolutions (GET /admin/audit);
//   * the README's demo logins sign in with the printed password, and Ana (the client the
//     README sends people to) has tasks in every state; a worker has a profile in a real town;
//   * the same --seed and --now give the same demo (ledger counts, the series, Ana's
//     tasks); another --seed gives another.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BINARY, ROOT, V1, api, login, startServer, tempDir } from './helpers.mjs';

const DEMO_PASSWORD = 'peerwork-demo-2026';
const DAY_MS = 86_400_000;
const WEEKS = 6;
// The demo's present: a whole second a little in the past, the same for every seed below.
const NOW_MS = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const NOW = new Date(NOW_MS).toISOString();
const FROM = new Date(NOW_MS - WEEKS * 7 * DAY_MS).toISOString();

function run(args) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PEERWORK_')) delete env[key];
  return spawnSync(BINARY, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
}

/** Seeds a new database; returns its path and `ledger verify`'s line. */
function seed(seedNumber) {
  const db = join(tempDir('peerwork-seed-'), 'demo.db');
  const r = run(['seed', '--demo', '--db', db, '--seed', String(seedNumber), '--now', NOW]);
  assert.equal(r.status, 0, `seed --demo failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /demo marketplace ready/);
  assert.match(r.stdout, new RegExp(DEMO_PASSWORD));
  const v = run(['ledger', 'verify', '--db', db]);
  assert.equal(v.status, 0, `ledger verify failed on the demo:\n${v.stdout}\n${v.stderr}`);
  const line = v.stdout.split('\n').find((l) => l.startsWith('ledger ok:'));
  assert.ok(line, `ledger verify said no "ledger ok":\n${v.stdout}`);
  assert.match(line, /, 0 failures$/);
  return { db, ledger: line };
}

async function session(base, email) {
  return (await login(base, email, DEMO_PASSWORD)).token;
}

async function get(base, token, path) {
  const res = await api(base, 'GET', path, { token });
  assert.equal(res.status, 200, `GET ${path}: ${res.status} ${res.text}`);
  return res.json;
}

const seriesPath = `${V1}/admin/metrics/series?from=${FROM}&to=${NOW}&step=${7 * 86400}`;

async function anaTasks(base) {
  const ana = await session(base, 'ana@demo.peerwork');
  const items = [];
  let cursor = null;
  do {
    const page = await get(base, ana, `${V1}/tasks?role=client&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

describe('peerwork seed --demo', () => {
  let a, b, c, serverA, serverB, adminA;

  before(async () => {
    a = seed(7);
    b = seed(7);
    c = seed(8);
    serverA = await startServer({ db: a.db });
    serverB = await startServer({ db: b.db });
    adminA = await session(serverA.base, 'admin@demo.peerwork');
  });
  after(async () => {
    await serverA?.stop();
    await serverB?.stop();
  });

  test('the series over six weeks has something in (nearly) every week', async () => {
    const body = await get(serverA.base, adminA, seriesPath);
    assert.equal(body.t.length, WEEKS);
    const s = body.series;
    const weeksWith = (name) => s[name].filter((v) => v > 0).length;
    for (const name of ['created', 'assigned', 'completed', 'gmv', 'fees', 'pool', 'active_workers']) {
      assert.ok(weeksWith(name) >= WEEKS - 1, `${name} is zero in more than one week: ${JSON.stringify(s[name])}`);
    }
    for (const name of ['cancelled', 'disputed', 'expired']) {
      assert.ok(weeksWith(name) >= 2, `${name} in fewer than two weeks: ${JSON.stringify(s[name])}`);
    }
    assert.ok(s.time_to_assign_p50_s.filter((v) => v !== null && v > 0).length >= WEEKS - 1);
    // the money adds up as the ledger splits it: fee 10 % of the work paid, pool 20 % of the fee
    const sum = (name) => s[name].reduce((x, y) => x + y, 0);
    assert.ok(sum('fees') > 0 && sum('pool') > 0 && sum('gmv') > sum('fees'));
    assert.ok(Math.abs(sum('pool') - sum('fees') * 0.2) <= s.pool.length * 20, `pool ${sum('pool')} vs fees ${sum('fees')}`);
  });

  test('tasks in several states, an open dispute, and a resolution by split', async () => {
    const m = await get(serverA.base, adminA, `${V1}/admin/metrics`);
    const states = m.tasks_by_state;
    for (const state of ['completed', 'cancelled', 'expired', 'resolved', 'disputed']) {
      assert.ok(states[state] >= 1, `no ${state} task: ${JSON.stringify(states)}`);
    }
    assert.ok(Object.values(states).filter((n) => n > 0).length >= 7, JSON.stringify(states));
    assert.ok(m.tasks_total >= 200, `only ${m.tasks_total} tasks`);
    const disputes = await get(serverA.base, adminA, `${V1}/admin/disputes`);
    assert.ok(disputes.items.length >= 1, 'no open dispute');
    const audit = await get(serverA.base, adminA, `${V1}/admin/audit?action=dispute.resolve&limit=100`);
    const outcomes = audit.items.map((e) => e.detail?.outcome);
    assert.ok(outcomes.includes('split'), `no split among ${JSON.stringify(outcomes)}`);
  });

  test('the README logins work; Ana has a task in every state; a worker lives in a real town', async () => {
    for (const email of ['ana@demo.peerwork', 'finn@demo.peerwork', 'sanne@demo.peerwork', 'liam@demo.peerwork']) {
      assert.ok(await session(serverA.base, email), email);
    }
    const states = new Set((await anaTasks(serverA.base)).map((t) => t.status));
    // "assigned" is left out: its acknowledgement window may close before this runs
    for (const state of ['dispatching', 'in_progress', 'submitted', 'completed', 'disputed', 'resolved',
      'cancelled', 'expired']) {
      assert.ok(states.has(state), `Ana has no ${state} task: ${[...states]}`);
    }
    const sanne = await session(serverA.base, 'sanne@demo.peerwork');
    const me = await get(serverA.base, sanne, `${V1}/me/worker`);
    assert.ok(me.skills.includes('plumbing'));
    const near = await get(serverA.base, sanne, `${V1}/places?lat=${me.location.lat}&lon=${me.location.lon}&limit=1`);
    assert.equal(near.items[0].name, 'Amsterdam');
    // her statement: pay for tasks (release) and weekly payouts
    const entries = await get(serverA.base, sanne, `${V1}/wallet/entries?limit=100`);
    const kinds = new Set(entries.items.map((e) => e.kind));
    assert.ok(kinds.has('release') && kinds.has('payout'), `Sanne's statement: ${[...kinds]}`);
  });

  test('the same --seed and --now give the same demo; another seed another', async () => {
    assert.equal(a.ledger, b.ledger);
    assert.notEqual(a.ledger, c.ledger);
    const adminB = await session(serverB.base, 'admin@demo.peerwork');
    const [sa, sb] = [await get(serverA.base, adminA, seriesPath), await get(serverB.base, adminB, seriesPath)];
    assert.deepEqual(sa, sb);
    const shape = (tasks) => tasks.map((t) => [t.id, t.title, t.created_at, t.compensation]);
    assert.deepEqual(shape(await anaTasks(serverA.base)), shape(await anaTasks(serverB.base)));
  });
});
