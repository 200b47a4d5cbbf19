// The dispatch engine through the API: batch rounds assign optimally as a whole, urgent
// tasks are assigned while posted, heartbeats make silent workers inactive, the
// explanation carries every score part, and the index follows profile and availability
// changes made through the API.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

import { metricValue, runServe } from './helpers.mjs';

import {
  startMarket, uniqueTag, ok, advance, serverNow, makeClient, makeWorker, setActive,
  taskBody, postTask, getTask, act, V1, api, shownDistanceKm,
} from './lifecycle_helpers.mjs';

describe('dispatch engine', () => {
  let srv;
  let base;
  before(async () => {
    // Rounds only when the test asks (dev clock), so several tasks meet in one round.
    srv = await startMarket({ args: ['--batch-window-ms', '3600000'] });
    base = srv.base;
  });
  after(async () => { await srv.stop(); });

  test('a batch round matches every task that can be matched, where greedy would strand one', async () => {
    const software = uniqueTag('software'), data = uniqueTag('data'), python = uniqueTag('python');
    const client = await makeClient(base);
    // A fits both tasks best; B fits only the first, by category.
    const a = await makeWorker(base, { skills: [python], categories: [software], remote: false,
      location: { lat: 52.37, lon: 4.89 }, radius_km: 20 }, { name: 'A' });
    const b = await makeWorker(base, { skills: [uniqueTag('design')], categories: [software], remote: false,
      location: { lat: 52.37, lon: 4.90 }, radius_km: 20 }, { name: 'B' });
    const now = await serverNow(base);
    const place = { lat: 52.371, lon: 4.893 };
    const first = await postTask(base, client.token, taskBody(now, { category: software, skills: [python], location: place }));
    const second = await postTask(base, client.token, taskBody(now, { category: data, skills: [python], location: place }));
    assert.equal(first.status, 'dispatching');
    assert.equal(second.status, 'dispatching');
    const tick = await advance(base, 0);
    assert.equal(tick.tick.assigned, 2);
    const t1 = await getTask(base, client.token, first.id), t2 = await getTask(base, client.token, second.id);
    assert.equal(t1.assignment.worker_id, b.user.id);
    assert.equal(t2.assignment.worker_id, a.user.id);
    const why = ok(await api(base, 'GET', `${V1}/tasks/${first.id}/dispatch`, { token: client.token }));
    const exp = why.assignments[0].explanation;
    assert.equal(exp.policy, 'batch');
    assert.equal(exp.candidates_considered, 2);
    assert.match(exp.why, /optimal assignment/);
    // only the chosen worker is shown, with every part, from the public area (docs/SECURITY.md)
    assert.equal(exp.distance_basis, 'public_area');
    assert.deepEqual(exp.candidates.map((c) => c.worker_id), [b.user.id]);
    const [c] = exp.candidates;
    assert.deepEqual(Object.keys(c.parts).sort(), ['distance', 'fairness', 'fit', 'pairing', 'reliability', 'reputation']);
    const { area } = ok(await api(base, 'GET', `${V1}/users/${b.user.id}`));
    assert.equal(c.distance_km, shownDistanceKm(place, area));
    assert.equal(c.parts.distance, Math.round((1 - c.distance_km / 20) * 100) / 100);
    assert.ok(!JSON.stringify(why).includes(a.user.id), 'the other worker is not named in this task\'s explanation');
    assert.equal(exp.client_standing, 1);
  });

  test('an urgent task is assigned while it is posted, greedily', async () => {
    const cat = uniqueTag('urgent');
    const client = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat] });
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, urgent: true }));
    assert.equal(t.status, 'assigned');
    assert.equal(t.assignment.worker_id, w.user.id);
    const why = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: client.token }));
    assert.equal(why.assignments[0].explanation.policy, 'greedy');
    assert.match(why.assignments[0].explanation.why, /only available worker/);
    assert.deepEqual(why.assignments[0].explanation.candidates.map((c) => c.worker_id), [w.user.id]);
    // the worker knows the task but not the client's explanation (issue 12, defect 4)
    const denied = await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: w.token });
    assert.equal(denied.status, 403, denied.text);
    assert.equal(denied.json.error.code, 'forbidden');
  });

  test('a profile change through the API moves the worker in the index', async () => {
    const before = uniqueTag('before'), afterTag = uniqueTag('after');
    const client = await makeClient(base);
    const w = await makeWorker(base, { categories: [before] });
    ok(await api(base, 'PUT', `${V1}/me/worker`, { token: w.token, body: { skills: ['x'], categories: [afterTag], remote: true } }));
    const now = await serverNow(base);
    const old = await postTask(base, client.token, taskBody(now, { category: before }));
    const fresh = await postTask(base, client.token, taskBody(now, { category: afterTag }));
    await advance(base, 0);
    assert.equal((await getTask(base, client.token, old.id)).status, 'dispatching');
    assert.equal((await getTask(base, client.token, fresh.id)).assignment.worker_id, w.user.id);
  });

  test('of two equally good workers, the one who earned less in the last day gets the next task', async () => {
    const shared = uniqueTag('shared'), paid = uniqueTag('paid'), bartered = uniqueTag('barter');
    const client = await makeClient(base, { money: 50_000 });
    const place = { lat: 52.30, lon: 4.70 };
    // Same place, same radius, same shared category; each also does one trade only they do.
    const m = await makeWorker(base, { categories: [shared, paid], remote: false, location: place, radius_km: 10 }, { name: 'M' });
    const g = await makeWorker(base, { categories: [shared, bartered], remote: false, location: place, radius_km: 10 }, { name: 'G' });
    const finish = async (w, id) => {
      ok(await act(base, w.token, id, 'ack'));
      ok(await act(base, w.token, id, 'submit', { note: 'done' }));
    };
    let now = await serverNow(base);
    // M takes a paid task first, G a bartered one later: both have one task in the last day,
    // G was assigned more recently (less idle), and only M has earned money.
    const paidTask = await postTask(base, client.token, taskBody(now, { category: paid, location: place,
      compensation: { kind: 'money', amount: 20_000, currency: 'EUR' } }));
    await advance(base, 0);
    assert.equal((await getTask(base, client.token, paidTask.id)).assignment.worker_id, m.user.id);
    await finish(m, paidTask.id);
    await advance(base, 600);
    now = await serverNow(base);
    const barterTask = await postTask(base, client.token, taskBody(now, { category: bartered, location: place }));
    await advance(base, 0);
    assert.equal((await getTask(base, client.token, barterTask.id)).assignment.worker_id, g.user.id);
    await finish(g, barterTask.id);
    await advance(base, 60);
    now = await serverNow(base);
    const next = await postTask(base, client.token, taskBody(now, { category: shared, location: place }));
    await advance(base, 0);
    const t = await getTask(base, client.token, next.id);
    assert.equal(t.assignment.worker_id, g.user.id, 'the worker who has earned less lately');
    const why = ok(await api(base, 'GET', `${V1}/tasks/${next.id}/dispatch`, { token: client.token }));
    assert.equal(why.assignments[0].explanation.candidates_considered, 2);
    const [first] = why.assignments[0].explanation.candidates;
    assert.equal(first.worker_id, g.user.id);
    // M's parts, at the same moment, from a task only M does: the same fit and distance, less fairness
    const mOnly = await postTask(base, client.token, taskBody(now, { category: paid, location: place }));
    await advance(base, 0);
    assert.equal((await getTask(base, client.token, mOnly.id)).assignment.worker_id, m.user.id);
    const [second] = ok(await api(base, 'GET', `${V1}/tasks/${mOnly.id}/dispatch`, { token: client.token }))
      .assignments[0].explanation.candidates;
    assert.equal(second.worker_id, m.user.id);
    assert.ok(first.parts.fairness > second.parts.fairness, `${first.parts.fairness} > ${second.parts.fairness}`);
    assert.equal(first.parts.fit, second.parts.fit);
    assert.equal(first.parts.distance, second.parts.distance);
  });

  test('going inactive takes the worker out at once; coming back puts them in', async () => {
    const cat = uniqueTag('avail');
    const client = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat] });
    await setActive(base, w.token, false);
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, urgent: true }));
    assert.equal(t.status, 'dispatching');
    await setActive(base, w.token, true);
    await advance(base, 0);
    assert.equal((await getTask(base, client.token, t.id)).assignment.worker_id, w.user.id);
  });
});

describe('heartbeats', () => {
  let srv;
  let base;
  before(async () => {
    srv = await startMarket({ args: ['--heartbeat-timeout-s', '600', '--batch-window-ms', '3600000'] });
    base = srv.base;
  });
  after(async () => { await srv.stop(); });

  test('an active worker not heard from within the timeout becomes inactive and gets nothing', async () => {
    const cat = uniqueTag('silent');
    const client = await makeClient(base);
    const w = await makeWorker(base, { categories: [cat] });
    const tick = await advance(base, 601);
    assert.ok(tick.tick.silenced >= 1, JSON.stringify(tick));
    const me = ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }));
    assert.equal(me.active, false);
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, urgent: true }));
    assert.equal(t.status, 'dispatching');
  });

  test('a worker who keeps using the API stays active', async () => {
    const cat = uniqueTag('alive');
    const w = await makeWorker(base, { categories: [cat] });
    for (let i = 0; i < 4; i++) {
      await advance(base, 300);       // 20 minutes in all, a request every 5 minutes
      ok(await api(base, 'GET', `${V1}/me`, { token: w.token }));
      await advance(base, 0);         // let the heartbeat write land before the next step
    }
    const me = ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }));
    assert.equal(me.active, true);
  });
});

describe('a batch round shared out on several threads (--dispatch-threads)', () => {
  let srv;
  before(async () => {
    srv = await startMarket({ args: ['--batch-window-ms', '3600000', '--dispatch-threads', '3'] });
  });
  after(async () => { await srv.stop(); });

  test('the server runs two search helpers beside the writer', () => {
    const names = readdirSync(`/proc/${srv.pid}/task`)
      .map((tid) => readFileSync(`/proc/${srv.pid}/task/${tid}/comm`, 'utf8').trim());
    assert.equal(names.filter((n) => n.startsWith('pw-search')).length, 2, `threads: ${names}`);
  });

  const metrics = async () => (await api(srv.base, 'GET', '/metrics')).text;

  test('a round of more tasks than one thread takes at a time assigns each to a different worker', async () => {
    const base = srv.base, cat = uniqueTag('crowd');
    const before = await metrics();
    const place = { lat: 48.85, lon: 2.35 };
    const workers = [];
    for (let i = 0; i < 24; i++) {
      workers.push(await makeWorker(base, { categories: [cat], remote: false, radius_km: 15,
        location: { lat: place.lat + 0.001 * i, lon: place.lon } }, { name: `W${i}` }));
    }
    const clients = [await makeClient(base), await makeClient(base)];
    const now = await serverNow(base);
    const posted = [];
    for (let i = 0; i < 24; i++) {
      const c = clients[i % 2];
      posted.push({ c, t: await postTask(base, c.token, taskBody(now, { category: cat, location: place })) });
    }
    const tick = await advance(base, 0);
    assert.equal(tick.tick.assigned, 24);
    const assigned = new Set();
    for (const { c, t } of posted) {
      const got = await getTask(base, c.token, t.id);
      assert.equal(got.status, 'assigned');
      assigned.add(got.assignment.worker_id);
    }
    assert.equal(assigned.size, 24, 'no worker twice');
    for (const w of workers) assert.ok(assigned.has(w.user.id));

    // /metrics: one more round, of 24 tasks, 24 batch assignments, 24 active workers
    const after = await metrics();
    const delta = (name, labels) => metricValue(after, name, labels) - (metricValue(before, name, labels) ?? 0);
    assert.equal(delta('pw_dispatch_round_seconds_count'), 1);
    assert.equal(delta('pw_dispatch_round_tasks_count'), 1);
    assert.equal(delta('pw_dispatch_round_tasks_sum'), 24);
    assert.ok(metricValue(after, 'pw_dispatch_round_seconds_sum') > 0);
    assert.equal(delta('pw_dispatch_assignments_total', { policy: 'batch' }), 24);
    assert.equal(delta('pw_dispatch_assignments_total', { policy: 'greedy' }), 0);
    assert.equal(metricValue(after, 'pw_dispatch_active_workers'), 24);
  });

  test('an urgent task counts as one greedy dispatch; a worker going inactive leaves the gauge', async () => {
    const base = srv.base, cat = uniqueTag('rush');
    const w = await makeWorker(base, { categories: [cat] });
    const client = await makeClient(base);
    const before = await metrics();
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, urgent: true }));
    assert.equal(t.status, 'assigned');
    await setActive(base, w.token, false);
    const after = await metrics();
    const delta = (name, labels) => metricValue(after, name, labels) - (metricValue(before, name, labels) ?? 0);
    assert.equal(delta('pw_dispatch_assignments_total', { policy: 'greedy' }), 1);
    assert.equal(delta('pw_dispatch_greedy_seconds_count'), 1);
    assert.equal(delta('pw_dispatch_round_seconds_count'), 0);
    assert.equal(delta('pw_dispatch_active_workers'), -1);
  });

  test('--dispatch-threads out of range is refused', () => {
    for (const bad of ['0', '17', '-2', 'two']) {
      const run = runServe(['--dispatch-threads', bad]);
      assert.equal(run.status, 2, `--dispatch-threads ${bad}: ${run.status} ${run.stderr}`);
      assert.match(run.stderr, /--dispatch-threads must be an integer from 1 to 16/);
    }
  });
});
