// privacy.test.mjs — a worker's place cannot be found from what the API answers (issue 12,
// defect 1), and the assigned worker cannot read the dispatch explanation (defect 4).
//
// The attacker is a client, over real HTTP. A worker's private base is known to the test;
// the client posts urgent tasks at points of its choosing (the worker is the only one who
// fits, so every probe is assigned to them), reads GET /tasks/{id}/dispatch, cancels, and
// reads the public profile. It rotates client accounts so that the cancellation limit never
// stops it: the readings must leak nothing however many probes there are. From all it read
// it solves for the base (least squares on every distance it can derive: distance_km, the
// distance part with the radius inferred, the distance part implied by score minus the
// other parts) and the test fails if any estimate lands within 1 km of the true base.
// A twin worker elsewhere in the same public cell, probed from the same points, must give
// exactly the same readings: then no estimator, however clever, can tell the two apart.
// The solver is checked on exact distances first, so it is able to succeed.
//
// Then the rule's second half: probing by post-and-cancel is limited per client, from the
// database (a restart keeps the count), with 429 rate_limited and Retry-After.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { PASSWORD, assertError, login, runServe, uniqueEmail } from './helpers.mjs';
import {
  act, adminCreate, advance, api, balance, makeClient, makeWorker, ok, postTask, serverNow, startMarket, taskBody, uniqueTag, V1,
} from './lifecycle_helpers.mjs';

const KM_PER_DEGREE = 6371.0088 * Math.PI / 180;
const WEIGHTS = { fit: 0.35, distance: 0.2, reputation: 0.15, reliability: 0.1, fairness: 0.2 };  // the documented defaults
const RADIUS_KM = 30;
// The target's private base, and a twin's elsewhere in the same 0.1-degree cell (52.3..52.4, 4.8..4.9),
// both well away from the cell's centre (52.35, 4.85).
const TARGET = { lat: 52.3312, lon: 4.8733 };
const TWIN = { lat: 52.3871, lon: 4.8122 };

/** Great-circle distance in km. */
function haversine(a, b) {
  const r = Math.PI / 180;
  const h = Math.sin((b.lat - a.lat) * r / 2) ** 2 +
    Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin((b.lon - a.lon) * r / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A point `km` from `p` at `bearing` degrees (flat-earth step: fine at these ranges). */
function offset(p, km, bearing) {
  const b = bearing * Math.PI / 180;
  return {
    lat: p.lat + (km * Math.cos(b)) / KM_PER_DEGREE,
    lon: p.lon + (km * Math.sin(b)) / (KM_PER_DEGREE * Math.cos(p.lat * Math.PI / 180)),
  };
}

/**
 * The attacker's solver: the point whose distances to the probe points best fit the
 * readings (Gauss-Newton on a local plane, from the probes' centroid). null if fewer than
 * three readings.
 */
function trilaterate(readings) {
  const usable = readings.filter((r) => Number.isFinite(r.km));
  if (usable.length < 3) return null;
  const lat0 = usable.reduce((s, r) => s + r.at.lat, 0) / usable.length;
  const lon0 = usable.reduce((s, r) => s + r.at.lon, 0) / usable.length;
  const kx = KM_PER_DEGREE * Math.cos(lat0 * Math.PI / 180);
  const pts = usable.map((r) => ({ x: (r.at.lon - lon0) * kx, y: (r.at.lat - lat0) * KM_PER_DEGREE, d: r.km }));
  let x = 0, y = 0;
  for (let it = 0; it < 200; it++) {
    let a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
    for (const p of pts) {
      const dist = Math.hypot(x - p.x, y - p.y) || 1e-9;
      const jx = (x - p.x) / dist, jy = (y - p.y) / dist, res = dist - p.d;
      a11 += jx * jx; a12 += jx * jy; a22 += jy * jy; b1 += jx * res; b2 += jy * res;
    }
    const det = a11 * a22 - a12 * a12;
    if (Math.abs(det) < 1e-12) break;
    const dx = (a22 * b1 - a12 * b2) / det, dy = (a11 * b2 - a12 * b1) / det;
    x -= dx; y -= dy;
    if (Math.hypot(dx, dy) < 1e-7) break;
  }
  return { lat: lat0 + y / KM_PER_DEGREE, lon: lon0 + x / kx };
}

/** Every distance the attacker can derive from one candidate entry of an explanation. */
function derive(entry) {
  const out = {};
  if (typeof entry.distance_km === 'number') out.distance_km = entry.distance_km;
  const parts = entry.parts ?? {};
  // The radius is a whole number: distance_km / (1 - part) gives it away, then the part gives the distance.
  const radiusFrom = (part) => (out.distance_km !== undefined && part > 0 && part < 1
    ? Math.max(1, Math.round(out.distance_km / (1 - part))) : undefined);
  if (typeof parts.distance === 'number') {
    const r = radiusFrom(parts.distance);
    if (r !== undefined) out.from_part = (1 - parts.distance) * r;
  }
  if (typeof entry.score === 'number' && typeof parts.pairing === 'number' && parts.pairing > 0) {
    const others = ['fit', 'reputation', 'reliability', 'fairness'].reduce((s, k) => s + WEIGHTS[k] * (parts[k] ?? 0), 0);
    const part = (entry.score / parts.pairing - others) / WEIGHTS.distance;
    out.score_part = part;
    const r = radiusFrom(part);
    if (r !== undefined) out.from_score = (1 - part) * r;
  }
  return out;
}

describe('locating a worker (issue 12, defect 1)', () => {
  let srv;
  let base;
  before(async () => {
    srv = await startMarket();
    base = srv.base;
  });
  after(async () => { await srv.stop(); });

  test('the solver finds the base from exact distances (so the test below can fail)', () => {
    const probes = [0, 50, 120, 200, 290].map((b, i) => offset(TARGET, 4 + 2 * i, b));
    const est = trilaterate(probes.map((at) => ({ at, km: haversine(at, TARGET) })));
    assert.ok(haversine(est, TARGET) < 0.01, `exact distances: estimate ${haversine(est, TARGET)} km off`);
  });

  test('probing from many points, reading /dispatch and the profile, does not locate the worker within 1 km', async (t) => {
    const targetCat = uniqueTag('probe'), twinCat = uniqueTag('twin');
    const profile = (location, cat) => ({ categories: [cat], remote: false, location, radius_km: RADIUS_KM });
    const target = await makeWorker(base, profile(TARGET, targetCat), { name: 'Target' });
    const twin = await makeWorker(base, profile(TWIN, twinCat), { name: 'Twin' });
    // The attacker's points: around the cell, 3 to 14 km out, in ten directions.
    const points = Array.from({ length: 10 }, (_, i) => offset({ lat: 52.35, lon: 4.85 }, 3 + (i * 11) / 9, i * 37));

    const probe = async (client, at, cat, worker) => {
      const now = await serverNow(base);
      const t = await postTask(base, client.token, taskBody(now, { category: cat, location: at, urgent: true }));
      assert.equal(t.status, 'assigned', 'every probe point is in the worker\'s radius');
      assert.equal(t.assignment.worker_id, worker.user.id);
      const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: client.token }));
      const text = JSON.stringify(d);
      const entry = d.assignments[0].explanation.candidates.find((c) => c.worker_id === worker.user.id);
      assert.ok(entry, `the chosen worker's entry: ${text}`);
      ok(await act(base, client.token, t.id, 'cancel'));
      return { at, entry, text };
    };

    const targetReadings = [], twinReadings = [];
    let client;
    for (const [i, at] of points.entries()) {
      if (i % 2 === 0) client = await makeClient(base, { name: `Prober ${i}` });   // 4 cancels per account
      targetReadings.push(await probe(client, at, targetCat, target));
      twinReadings.push(await probe(client, at, twinCat, twin));
    }

    // What the attacker can derive, and where each kind of reading puts the worker.
    const estimates = {};
    for (const kind of ['distance_km', 'from_part', 'from_score']) {
      const est = trilaterate(targetReadings.map((r) => ({ at: r.at, km: derive(r.entry)[kind] })));
      if (est) estimates[kind] = est;
    }
    const pub = ok(await api(base, 'GET', `${V1}/users/${target.user.id}`));
    assert.equal(typeof pub.area?.lat, 'number', `the public area: ${JSON.stringify(pub)}`);
    estimates.public_area = { lat: pub.area.lat, lon: pub.area.lon };
    assert.ok(Object.keys(estimates).length >= 2, `the attacker had readings to work with: ${Object.keys(estimates)}`);
    for (const [kind, est] of Object.entries(estimates)) {
      const off = haversine(est, TARGET);
      t.diagnostic(`${kind}: the estimate is ${off.toFixed(3)} km from the private base`);
      assert.ok(off > 1, `${kind}: the estimate is ${off.toFixed(3)} km from the private base`);
    }

    // The twin, at another place in the same public cell, reads the same from every point.
    for (const [i, r] of targetReadings.entries()) {
      const a = derive(r.entry), b = derive(twinReadings[i].entry);
      assert.equal(a.distance_km, b.distance_km, `point ${i}: distance_km ${a.distance_km} vs ${b.distance_km}`);
      assert.equal(r.entry.parts.distance, twinReadings[i].entry.parts.distance, `point ${i}: the distance part`);
      assert.ok(Math.abs(a.score_part - b.score_part) < 1e-6, `point ${i}: the distance part behind the score`);
      // No number in the answer spells the exact distance.
      const exact = haversine(r.at, TARGET).toFixed(1);
      assert.ok(!new RegExp(`[^0-9.]${exact.replace('.', '\\.')}[0-9]*[^0-9]`).test(r.text.replaceAll(target.user.id, '')),
        `point ${i}: the exact distance ${exact} km appears in ${r.text}`);
    }
  });

  test('other candidates are not shown: no ids, no distances, no scores; the count is', async () => {
    const cat = uniqueTag('crowd');
    const near = await makeWorker(base, { categories: [cat], remote: false, location: TARGET, radius_km: RADIUS_KM });
    const other = await makeWorker(base, { categories: [cat], remote: false, location: offset(TARGET, 9, 90),
      radius_km: RADIUS_KM });
    const client = await makeClient(base);
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, location: TARGET, urgent: true }));
    assert.equal(t.assignment.worker_id, near.user.id);
    const email = uniqueEmail('admin');
    adminCreate(srv.db, email, PASSWORD);
    const admin = await login(base, email);
    for (const token of [client.token, admin.token]) {
      const d = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token }));
      const e = d.assignments[0].explanation;
      assert.equal(e.candidates_considered, 2);
      assert.deepEqual(e.candidates.map((c) => c.worker_id), [near.user.id]);
      assert.ok(!JSON.stringify(d).includes(other.user.id), 'the runner-up is anonymous');
      assert.doesNotMatch(e.why, /\d\.\d/, `no scores in the reason: ${e.why}`);
    }
    ok(await act(base, client.token, t.id, 'cancel'));
  });
});

describe('the assigned worker cannot read why they were chosen (issue 12, defect 4)', () => {
  let srv;
  before(async () => { srv = await startMarket(); });
  after(async () => { await srv.stop(); });

  test('GET /tasks/{id}/dispatch is 403 forbidden for the assigned worker, 404 for other workers', async () => {
    const cat = uniqueTag('why');
    const w = await makeWorker(srv.base, { categories: [cat] });
    const stranger = await makeWorker(srv.base, { categories: [uniqueTag('other')] });
    const client = await makeClient(srv.base);
    const now = await serverNow(srv.base);
    const t = await postTask(srv.base, client.token, taskBody(now, { category: cat, urgent: true }));
    assert.equal(t.assignment.worker_id, w.user.id);
    // The worker knows the task (GET /tasks/{id} is theirs) but not the dispatcher's reasons.
    ok(await api(srv.base, 'GET', `${V1}/tasks/${t.id}`, { token: w.token }));
    assertError(await api(srv.base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: w.token }), 403, 'forbidden');
    assertError(await api(srv.base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: stranger.token }), 404, 'not_found');
    ok(await api(srv.base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: client.token }));
  });

  test('the worker sees the exact place while holding the task, only its public area once it is over', async () => {
    const cat = uniqueTag('place');
    const PLACE = { lat: 52.3312, lon: 4.8733 };   // off its cell's centre (52.35, 4.85)
    const w = await makeWorker(srv.base, { categories: [cat], remote: false, location: PLACE, radius_km: 30 });
    const client = await makeClient(srv.base, { money: 10_000 });
    const now = await serverNow(srv.base);
    const t = await postTask(srv.base, client.token, taskBody(now, { category: cat, urgent: true, location: PLACE }));
    assert.equal(t.assignment.worker_id, w.user.id);
    const seen = async (token) => ok(await api(srv.base, 'GET', `${V1}/tasks/${t.id}`, { token }));
    for (const step of ['assigned', 'ack', 'submit']) {
      if (step !== 'assigned') ok(await act(srv.base, w.token, t.id, step, step === 'submit' ? { note: 'done' } : undefined));
      const view = await seen(w.token);
      assert.deepEqual(view.location, PLACE, `exact while ${view.status}`);
      assert.equal(view.location_exact, true);
    }
    ok(await act(srv.base, client.token, t.id, 'approve'));
    const after = await seen(w.token);
    assert.equal(after.status, 'completed');
    assert.equal(after.location_exact, false);
    assert.ok(Math.abs(after.location.lat - 52.35) < 1e-9 && Math.abs(after.location.lon - 4.85) < 1e-9,
      `the cell's centre, not the place: ${JSON.stringify(after.location)}`);
    const listed = ok(await api(srv.base, 'GET', `${V1}/tasks?role=worker`, { token: w.token }));
    assert.deepEqual(listed.items.find((x) => x.id === t.id).location, after.location, 'the list says the same');
    const theirs = await seen(client.token);
    assert.deepEqual(theirs.location, PLACE, 'the client keeps the exact place');
    assert.equal(theirs.location_exact, true);
  });
});

describe('probing by post-and-cancel is rate-limited per client (issue 12, defect 1)', () => {
  let srv;
  before(async () => { srv = await startMarket(); });
  after(async () => { await srv?.dispose(); });

  const LIMIT = 5;   // PW_CANCELS_PER_WINDOW, the default of --cancel-limit

  const post = async (client, o = {}) => api(srv.base, 'POST', `${V1}/tasks`, { token: client.token,
    body: taskBody(await serverNow(srv.base), { category: uniqueTag('nobody'), ...o }) });

  test(`${LIMIT} cancellations in a day: the next POST /tasks is 429 with Retry-After, also after a restart`, async () => {
    const client = await makeClient(srv.base, { money: 10_000 });
    const firstBody = taskBody(await serverNow(srv.base), { category: uniqueTag('nobody'),
      compensation: { kind: 'money', amount: 100, currency: 'EUR' } });
    const postFirst = () => api(srv.base, 'POST', `${V1}/tasks`, { token: client.token, body: firstBody,
      headers: { 'idempotency-key': 'first-post' } });
    const first = ok(await postFirst(), 201);
    ok(await act(srv.base, client.token, first.id, 'cancel'));
    for (let i = 1; i < LIMIT; i++) {
      const t = ok(await post(client, { compensation: { kind: 'money', amount: 100, currency: 'EUR' } }), 201);
      ok(await act(srv.base, client.token, t.id, 'cancel'));
    }
    // a retry of a post the server already took still gets its first answer
    assert.equal(ok(await postFirst(), 201).id, first.id);
    const refused = await post(client);
    assertError(refused, 429, 'rate_limited');
    const wait = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 86400, `Retry-After ${refused.headers.get('retry-after')}`);
    // Nothing was posted and nothing held.
    const mine = ok(await api(srv.base, 'GET', `${V1}/tasks?role=client`, { token: client.token }));
    assert.equal(mine.items.length, LIMIT);
    assert.ok(mine.items.every((t) => t.status === 'cancelled'));
    assert.deepEqual(await balance(srv.base, client.token), { available: 10_000, held: 0 });
    // Another client is not affected.
    ok(await post(await makeClient(srv.base)), 201);
    // The count lives in the database: a restarted server still refuses.
    await srv.stop();
    srv = await startMarket({ db: srv.db });
    assertError(await post(client), 429, 'rate_limited');
  });

  test('expired tasks count too (a probe nobody took); the window rolls: a day later posting works again', async () => {
    const client = await makeClient(srv.base);
    for (let i = 0; i < LIMIT - 1; i++) {
      const t = ok(await post(client), 201);
      ok(await act(srv.base, client.token, t.id, 'cancel'));
    }
    const now = await serverNow(srv.base);
    ok(await post(client, { deadline: new Date(now + 301_000).toISOString() }), 201);
    ok(await post(client), 201);   // 4 cancelled, 1 still open: allowed
    await advance(srv.base, 302);  // the short one expires
    assertError(await post(client), 429, 'rate_limited');
    await advance(srv.base, 86400);
    const again = await login(srv.base, client.email);   // a day idle ends the session too
    ok(await post(again), 201);
  });

  test('--cancel-limit sets the count; out of range is refused at start', async () => {
    const one = await startMarket({ args: ['--cancel-limit', '1'] });
    try {
      const client = await makeClient(one.base);
      const t = ok(await api(one.base, 'POST', `${V1}/tasks`, { token: client.token,
        body: taskBody(await serverNow(one.base), { category: uniqueTag('nobody') }) }), 201);
      ok(await act(one.base, client.token, t.id, 'cancel'));
      assertError(await api(one.base, 'POST', `${V1}/tasks`, { token: client.token,
        body: taskBody(await serverNow(one.base), { category: uniqueTag('nobody') }) }), 429, 'rate_limited');
    } finally {
      await one.stop();
    }
    for (const bad of ['0', '-1', '100001', 'x', '']) {
      const run = runServe(['--cancel-limit', bad]);
      assert.equal(run.status, 2, `--cancel-limit ${bad}: ${run.status} ${run.stderr}`);
      assert.match(run.stderr, /--cancel-limit/);
    }
  });
});
