// money_walk.test.mjs — a seeded random walk through the money flows, checked against a
// model of every wallet.
//
// Clients post money tasks (escrow), workers acknowledge, release, submit; clients
// approve, cancel and dispute; an admin resolves disputes (release, refund, split);
// everybody deposits and pays out, sometimes more than they have. The test keeps its own
// ledger — for each user, what must be available and held; for the platform, the fees and
// the pool's share — from the rules in API.md and the policy defaults (fee 10 %, pool 20 %
// of fees, floors), and compares it with the server's wallets every few steps, after a
// kill -9 and restart half-way (every acknowledged movement must be there), and at the end,
// with `peerwork ledger verify` on top. Who gets a task is the dispatcher's business: the
// walk reads the tasks' states and workers from the server before each step, and checks
// only that the money follows.
//
// PW_WALK_SEED and PW_WALK_STEPS pick another walk. Its few clients cancel far more than the
// probing limit allows (docs/SECURITY.md, "Locating workers"; tested in privacy.test.mjs),
// so the walk's server lifts it: money is what is walked here.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { SeededRandom, login, uniqueEmail } from './helpers.mjs';
import {
  V1, act, adminCreate, api, assertLedgerOk, balance, makeClient, makeWorker, ok, serverNow, startMarket, taskBody,
  uniqueTag,
} from './lifecycle_helpers.mjs';

const SEED = Number(process.env.PW_WALK_SEED ?? 7);
const STEPS = Number(process.env.PW_WALK_STEPS ?? 240);
const FEE_BPS = 1000;        // serve's default --fee-bps
const POOL_SHARE_BPS = 2000; // serve's default --pool-share-bps
const CHECK_EVERY = 20;
const WALK_ARGS = ['--cancel-limit', '100000'];   // PW_CANCELS_PER_WINDOW_MAX: see the header

/** floor(amount * bps / 10000) for amount >= 0, as the server computes it (no overflow). */
const bpsOf = (amount, bps) => Math.floor(amount / 10000) * bps + Math.floor(((amount % 10000) * bps) / 10000);

describe(`a random walk through the money flows (seed ${SEED}, ${STEPS} steps)`, () => {
  const g = new SeededRandom(SEED);
  const rand = () => g.next();
  const pick = (list) => g.pick(list);

  let server;
  let base;
  let now;
  const clients = [];
  const workers = [];
  let admin;
  let category;
  const model = new Map();   // user id -> { available, held } in EUR minor units
  const platform = { gmv: 0, fees: 0, pool: 0 };
  const tasks = new Map();   // task id -> { client, amount, status, worker }
  const counts = {};

  const wallet = (id) => {
    if (!model.has(id)) model.set(id, { available: 0, held: 0 });
    return model.get(id);
  };

  /** Settles a task's escrow: `gross` to its worker (minus the fee), the rest back to the client. */
  function settle(task, gross) {
    const fee = bpsOf(gross, FEE_BPS);
    wallet(task.client.user.id).held -= task.amount;
    wallet(task.client.user.id).available += task.amount - gross;
    if (gross > 0) wallet(task.worker).available += gross - fee;
    platform.gmv += gross;
    platform.fees += fee;
    platform.pool += bpsOf(fee, POOL_SHARE_BPS);
  }

  async function refresh() {
    for (const c of clients) {
      const list = ok(await api(base, 'GET', `${V1}/tasks?role=client&limit=100`, { token: c.token }), 200, 'list');
      for (const t of list.items) {
        const mine = tasks.get(t.id);
        if (!mine) continue;
        mine.status = t.status;
        mine.worker = t.assignment?.worker_id ?? null;
      }
    }
  }

  async function checkWallets(when) {
    for (const u of [...clients, ...workers]) {
      const want = wallet(u.user.id);
      assert.deepEqual(await balance(base, u.token), want, `${when}: wallet of ${u.name}`);
    }
    const m = ok(await api(base, 'GET', `${V1}/admin/metrics`, { token: admin.token }), 200, 'admin metrics');
    const eur = (list) => list.find((x) => x.currency === 'EUR')?.amount ?? 0;
    assert.deepEqual({ gmv: eur(m.gmv), fees: eur(m.fees), pool: eur(m.pool) }, platform, `${when}: platform totals`);
  }

  const workerOf = (task) => workers.find((w) => w.user.id === task.worker);

  before(async () => {
    server = await startMarket({ args: WALK_ARGS });
    base = server.base;
    now = await serverNow(base);
    category = uniqueTag('walk');
    for (let i = 0; i < 4; i++) {
      const c = await makeClient(base, { money: 20_000, name: `Walk Client ${i}` });
      clients.push({ ...c, name: `client ${i}` });
      wallet(c.user.id).available = 20_000;
    }
    for (let i = 0; i < 6; i++) {
      const w = await makeWorker(base, { categories: [category], remote: true }, { name: `Walk Worker ${i}` });
      workers.push({ ...w, name: `worker ${i}` });
      wallet(w.user.id);
    }
    const email = uniqueEmail('walkadmin');
    adminCreate(server.db, email, 'correct horse battery');
    admin = await login(base, email, 'correct horse battery');
  });

  after(async () => { await server?.dispose(); });

  /** The steps possible now, each a [name, weight, run] with run() doing it and updating the model. */
  function options() {
    const list = [];
    const by = (status) => [...tasks.entries()].filter(([, t]) => t.status === status);
    list.push(['post', 6, async () => {
      const c = pick(clients);
      const amount = pick([1, 99, 1000, 2500, 4999, 10_000, 30_000]);
      const body = taskBody(now, { category, compensation: { kind: 'money', amount, currency: 'EUR' },
        urgent: rand() < 0.5 });
      const res = await api(base, 'POST', `${V1}/tasks`, { token: c.token, body });
      if (wallet(c.user.id).available < amount) {
        assert.equal(res.status, 409, `post over the balance: ${res.status} ${res.text}`);
        assert.equal(res.json.error.code, 'insufficient_funds');
        return;
      }
      assert.equal(res.status, 201, `post: ${res.text}`);
      wallet(c.user.id).available -= amount;
      wallet(c.user.id).held += amount;
      tasks.set(res.json.id, { client: c, amount, status: res.json.status, worker: res.json.assignment?.worker_id ?? null });
    }]);
    list.push(['deposit', 1, async () => {
      const u = pick([...clients, ...workers]);
      const amount = pick([1, 500, 5000]);
      ok(await api(base, 'POST', `${V1}/wallet/deposits`, { token: u.token, body: { amount, currency: 'EUR' } }), 201, 'deposit');
      wallet(u.user.id).available += amount;
    }]);
    list.push(['payout', 2, async () => {
      const u = pick([...clients, ...workers]);
      const have = wallet(u.user.id).available;
      const amount = pick([1, Math.max(1, have), have + 1, Math.max(1, Math.floor(have / 3))]);
      const res = await api(base, 'POST', `${V1}/wallet/payouts`, { token: u.token, body: { amount, currency: 'EUR' } });
      if (amount > have) {
        assert.equal(res.status, 409, `payout over the balance: ${res.status} ${res.text}`);
        assert.equal(res.json.error.code, 'insufficient_funds');
        return;
      }
      assert.equal(res.status, 201, `payout: ${res.text}`);
      wallet(u.user.id).available -= amount;
    }]);
    for (const [id, t] of by('assigned')) {
      list.push(['ack', 4, async () => { ok(await act(base, workerOf(t).token, id, 'ack'), 200, 'ack'); }]);
      list.push(['release', 1, async () => { ok(await act(base, workerOf(t).token, id, 'release'), 200, 'release'); }]);
    }
    for (const [id, t] of [...by('dispatching'), ...by('assigned')]) {
      list.push(['cancel', 1, async () => {
        ok(await act(base, t.client.token, id, 'cancel'), 200, 'cancel');
        wallet(t.client.user.id).held -= t.amount;
        wallet(t.client.user.id).available += t.amount;
      }]);
    }
    for (const [id, t] of by('in_progress')) {
      list.push(['submit', 4, async () => { ok(await act(base, workerOf(t).token, id, 'submit', { note: 'done' }), 200, 'submit'); }]);
    }
    for (const [id, t] of by('submitted')) {
      list.push(['approve', 4, async () => {
        ok(await act(base, t.client.token, id, 'approve'), 200, 'approve');
        settle(t, t.amount);
      }]);
    }
    for (const [id, t] of [...by('in_progress'), ...by('submitted')]) {
      list.push(['dispute', 1, async () => {
        const who = rand() < 0.5 ? t.client : workerOf(t);
        ok(await act(base, who.token, id, 'dispute', { reason: 'we disagree' }), 200, 'dispute');
      }]);
    }
    if (by('disputed').length > 0) {
      list.push(['resolve', 3, async () => {
        const open = ok(await api(base, 'GET', `${V1}/admin/disputes?limit=100`, { token: admin.token }), 200, 'disputes');
        const d = pick(open.items.filter((x) => tasks.get(x.task_id)?.status === 'disputed'));
        const t = tasks.get(d.task_id);
        const outcome = pick(['release', 'refund', 'split']);
        const pct = pick([0, 1, 33, 50, 99, 100]);
        const body = outcome === 'split' ? { outcome, worker_share_pct: pct } : { outcome };
        ok(await api(base, 'POST', `${V1}/admin/disputes/${d.id}/resolve`, { token: admin.token, body }), 200, 'resolve');
        settle(t, outcome === 'release' ? t.amount : outcome === 'split' ? Math.floor((t.amount * pct) / 100) : 0);
      }]);
    }
    return list;
  }

  async function walk(from, to) {
    for (let step = from; step < to; step++) {
      await refresh();
      const list = options();
      let r = rand() * list.reduce((s, [, w]) => s + w, 0);
      const [name, , run] = list.find(([, w]) => (r -= w) < 0) ?? list.at(-1);
      counts[name] = (counts[name] ?? 0) + 1;
      try {
        await run();
      } catch (err) {
        err.message = `step ${step} (${name}), PW_WALK_SEED=${SEED}: ${err.message}`;
        throw err;
      }
      if ((step + 1) % CHECK_EVERY === 0) await checkWallets(`after step ${step}`);
    }
  }

  test('first half: every wallet and the platform totals follow the model', async () => {
    await walk(0, Math.floor(STEPS / 2));
    await checkWallets('half-way');
  });

  test('kill -9 and restart: every acknowledged movement is there', async () => {
    await server.kill9();
    server = await startMarket({ args: WALK_ARGS, db: server.db });
    base = server.base;
    await checkWallets('after kill -9 and restart');
    assertLedgerOk(server.db);
  });

  test('second half, then the ledger verifies and the walk went everywhere', async (t) => {
    await walk(Math.floor(STEPS / 2), STEPS);
    await checkWallets('at the end');
    t.diagnostic(`steps by kind: ${JSON.stringify(counts)}`);
    for (const kind of ['post', 'ack', 'submit', 'approve', 'cancel', 'dispute', 'resolve', 'payout']) {
      assert.ok(counts[kind] > 0, `the walk never did ${kind}: ${JSON.stringify(counts)}`);
    }
    await server.stop();
    assertLedgerOk(server.db);
  });
});
