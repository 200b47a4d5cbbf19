// series.test.mjs — GET /admin/metrics/series (issue 14; docs/internals/tasks.md, "Series"):
//   * tasks posted, completed and cancelled at known dev-clock times in three hour-long
//     buckets give the right counts, open, fill rate, gmv, fees and pool per bucket;
//   * the answer is derived from the database: after a restart on the same file it is the same;
//   * admin only: 403 for a signed-in non-admin, 401 signed out;
//   * bad from, to, step (unparsable, under 60, too many points), from >= to and a bad
//     currency are 422 naming the field; no parameters gives 30 daily points ending now.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { PASSWORD, assertError, login, uniqueEmail } from './helpers.mjs';
import {
  V1, act, adminCreate, advance, api, makeClient, makeWorker, ok, postTask, serverNow, setActive, startMarket,
  taskBody, uniqueTag,
} from './lifecycle_helpers.mjs';

const servers = [];
after(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

const HOUR = 3600;
const money = (amount) => ({ kind: 'money', amount, currency: 'EUR' });

test('three buckets of posted, completed and cancelled tasks; the same after a restart; who may ask', async () => {
  const first = await startMarket();
  servers.push(first);
  let base = first.base;
  const email = uniqueEmail('admin');
  adminCreate(first.db, email, PASSWORD);
  let admin = await login(base, email);

  const cat = uniqueTag();
  const client = await makeClient(base, { money: 10_000 });
  const worker = await makeWorker(base, { categories: [cat] });
  const t0 = Math.floor((await serverNow(base)) / 1000) * 1000; // a whole second: the bucket starts
  const from = new Date(t0).toISOString();
  const to = new Date(t0 + 3 * HOUR * 1000).toISOString();

  const complete = async (amount) => {
    const t = await postTask(base, client.token, taskBody(await serverNow(base), { category: cat,
      compensation: money(amount), urgent: true }));
    assert.equal(t.assignment?.worker_id, worker.user.id, JSON.stringify(t));
    ok(await act(base, worker.token, t.id, 'ack'));
    ok(await act(base, worker.token, t.id, 'submit'));
    ok(await act(base, client.token, t.id, 'approve'));
  };
  const nobody = (amount) => postTask(base, client.token, taskBody(0, { category: uniqueTag('nobody'),
    compensation: money(amount), deadline: new Date(t0 + 10 * HOUR * 1000).toISOString() }));

  // bucket 0: one task completed
  await advance(base, 1);
  await complete(1000);
  // bucket 1: one completed, one nobody takes, cancelled
  await advance(base, HOUR);
  await setActive(base, worker.token, true);
  await complete(2000);
  const c = await nobody(700);
  ok(await act(base, client.token, c.id, 'cancel'));
  // bucket 2: one completed, one left dispatching (open at the end)
  await advance(base, HOUR);
  await setActive(base, worker.token, true);
  await complete(500);
  await nobody(300);

  const path = `${V1}/admin/metrics/series?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&step=${HOUR}`;
  const res = ok(await api(base, 'GET', path, { token: admin.token }), 200, 'series');
  assert.equal(Date.parse(res.from), t0);
  assert.equal(Date.parse(res.to), t0 + 3 * HOUR * 1000);
  assert.equal(res.step, HOUR);
  assert.equal(res.currency, 'EUR');
  assert.deepEqual(res.t, [0, 1, 2].map((i) => t0 / 1000 + i * HOUR));
  const s = res.series;
  assert.deepEqual(s.created, [1, 2, 2]);
  assert.deepEqual(s.assigned, [1, 1, 1]);
  assert.deepEqual(s.completed, [1, 1, 1]);
  assert.deepEqual(s.cancelled, [0, 1, 0]);
  assert.deepEqual(s.expired, [0, 0, 0]);
  assert.deepEqual(s.disputed, [0, 0, 0]);
  assert.deepEqual(s.open, [0, 0, 1]);
  assert.deepEqual(s.fill_rate, [1, 0.5, 0.5]);
  for (const v of s.time_to_assign_p50_s) assert.ok(typeof v === 'number' && v >= 0, JSON.stringify(s));
  assert.deepEqual(s.gmv, [1000, 2000, 500]);
  assert.deepEqual(s.fees, [100, 200, 50]); // --fee-bps 1000 (the default)
  assert.deepEqual(s.pool, [20, 40, 10]); // --pool-share-bps 2000 of the fee
  assert.deepEqual(s.active_workers, [1, 1, 1]);
  // another currency: no money moved in it
  const usd = ok(await api(base, 'GET', `${path}&currency=USD`, { token: admin.token }));
  assert.equal(usd.currency, 'USD');
  assert.deepEqual(usd.series.gmv, [0, 0, 0]);
  assert.deepEqual(usd.series.created, [1, 2, 2]);

  // the same after a restart on the same database (the dev clock starts afresh: from and to are given)
  await first.stop();
  const second = await startMarket({ db: first.db });
  servers.push(second);
  base = second.base;
  admin = await login(base, email);
  assert.deepEqual(ok(await api(base, 'GET', path, { token: admin.token })), res);

  // admin only
  assertError(await api(base, 'GET', path, { token: client.token }), 403, 'forbidden');
  assertError(await api(base, 'GET', path), 401, 'unauthenticated');
});

test('422s name the field; no parameters gives 30 daily points ending now', async () => {
  const s = await startMarket();
  servers.push(s);
  const email = uniqueEmail('admin');
  adminCreate(s.db, email, PASSWORD);
  const { token } = await login(s.base, email);
  const get = (q) => api(s.base, 'GET', `${V1}/admin/metrics/series${q}`, { token });

  const d = ok(await get(''));
  assert.equal(d.step, 86400);
  assert.equal(d.t.length, 30);
  assert.equal(Date.parse(d.to) - Date.parse(d.from), 30 * 86400 * 1000);
  for (const col of Object.values(d.series)) assert.equal(col.length, 30);
  assert.deepEqual(d.series.fill_rate, new Array(30).fill(null));
  assert.deepEqual(d.series.gmv, new Array(30).fill(0));

  const from = '2026-01-01T00:00:00Z';
  assertError(await get('?from=yesterday'), 422, 'validation_failed', 'from');
  assertError(await get('?to=2026-13-01T00:00:00Z'), 422, 'validation_failed', 'to');
  assertError(await get('?step=abc'), 422, 'validation_failed', 'step');
  assertError(await get('?step=59'), 422, 'validation_failed', 'step');
  assertError(await get('?step=60.5'), 422, 'validation_failed', 'step');
  // 1001 minutes at a minute each: one point too many; 1000 is fine
  assertError(await get(`?from=${from}&to=2026-01-01T16:41:00Z&step=60`), 422, 'validation_failed', 'step');
  assert.equal(ok(await get(`?from=${from}&to=2026-01-01T16:40:00Z&step=60`)).t.length, 1000);
  assertError(await get(`?from=${from}&to=${from}`), 422, 'validation_failed', 'from');
  assertError(await get(`?from=2026-02-01T00:00:00Z&to=${from}`), 422, 'validation_failed', 'from');
  assertError(await get('?currency=eur'), 422, 'validation_failed', 'currency');
  assertError(await get('?currency=TIME'), 422, 'validation_failed', 'currency');
});
