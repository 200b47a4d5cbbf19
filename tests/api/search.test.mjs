// search.test.mjs — GET /api/v1/search (issue 15) against the real server: typos and
// synonyms, the blend's order and its why, filters (category, remote, active, verification),
// the geo radius with distances as coarse as the public area, cursor pagination walking every
// result once, freshness after a profile or availability change, profile updates racing
// queries, the 4xx of bad input, public fields only, and the price estimate.
//
// One server for the file; every test makes its own words (uniqueWord) so only its own
// workers can match, except where the words are the point ("plumbr", "grass").

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertError, serverPerSuite } from './helpers.mjs';
import {
  V1, act, api, makeClient, makeWorker, ok, postTask, profileBody, setActive, shownDistanceKm, startMarket,
  taskBody, serverNow, uniqueTag, waitTask,
} from './lifecycle_helpers.mjs';

let base;
serverPerSuite((s) => { base = s.base; }, { start: startMarket });

let wordCounter = 0;
/** A fresh word of letters only (the tokenizer splits on digits and dashes too). */
function uniqueWord() {
  wordCounter += 1;
  const letters = 'bcdfghjklmnpqrstvwxz';
  let w = 'zq';
  let n = process.pid * 1000 + wordCounter;
  while (n > 0) { w += letters[n % 20]; n = Math.floor(n / 20); }
  for (let i = 0; i < 4; i++) w += letters[Math.floor(Math.random() * 20)];
  return w;
}

async function search(params) {
  const qs = new URLSearchParams(params).toString();
  return api(base, 'GET', `${V1}/search?${qs}`);
}
async function searchOk(params) {
  return ok(await search(params), 200, `search ${JSON.stringify(params)}`);
}
const ids = (body) => body.items.map((i) => i.worker.id);

describe('search: words', () => {
  test('a typo finds the provider: "plumbr" -> a plumber, said in why', async () => {
    const w = await makeWorker(base, { skills: ['plumber', 'boiler repair'], categories: ['home repair'], bio: 'Taps and pipes.' });
    const body = await searchOk({ q: 'plumbr' });
    const item = body.items.find((i) => i.worker.id === w.user.id);
    assert.ok(item, `plumber not found: ${JSON.stringify(ids(body))}`);
    assert.ok(item.why.matched.some((m) => m.via === 'typo' && m.word === 'plumbr' && m.term === 'plumber'),
      JSON.stringify(item.why.matched));
    assert.match(item.why.text, /"plumbr" read as "plumber"/);
  });

  test('a synonym finds the provider: "grass" -> lawn care, and the request names its category and skills', async () => {
    const w = await makeWorker(base, { skills: ['lawn care'], categories: ['garden'], bio: 'Hedges, borders.' });
    const body = await searchOk({ q: 'grass needs cutting' });
    const item = body.items.find((i) => i.worker.id === w.user.id);
    assert.ok(item, `lawn care worker not found: ${JSON.stringify(ids(body))}`);
    assert.ok(item.why.matched.some((m) => m.via === 'synonym' && m.word === 'grass'), JSON.stringify(item.why.matched));
    assert.equal(body.request.category, 'garden');
    assert.ok(body.request.skills.includes('lawn care'), JSON.stringify(body.request.skills));
  });
});

describe('search: ranking', () => {
  test('same text: active and reliable first; every part of the score shown and summing to it', async () => {
    const word = uniqueWord();
    // made first, so a tie (score, then id) would put it first: presence has to lift the other
    const inactive = await makeWorker(base, { skills: [word] }, { active: false });
    const active = await makeWorker(base, { skills: [word] });
    const inBio = await makeWorker(base, { skills: ['general'], bio: `I also do ${word}.` });
    const body = await searchOk({ q: word });
    assert.deepEqual(ids(body), [active.user.id, inactive.user.id, inBio.user.id]);
    for (const item of body.items) {
      const p = item.why.parts;
      const blended = p.relevance * (p.base + p.reliability + p.presence + p.distance + p.reputation);
      assert.ok(Math.abs(blended - item.score) < 1e-9 * Math.max(1, item.score), `${blended} vs ${item.score}`);
      assert.equal(item.why.reputation, null, 'no reviews yet');
      assert.equal(p.reputation, 0);
      assert.match(item.why.text, /No reviews yet/);
      assert.equal(item.why.distance_km, null, 'no point given');
    }
    const [a, b, c] = body.items;
    assert.equal(a.why.active, true);
    assert.equal(b.why.active, false);
    assert.ok(a.why.parts.presence > 0 && b.why.parts.presence === 0);
    assert.equal(a.why.relevance, b.why.relevance, 'the same text scores the same');
    assert.ok(c.why.relevance < a.why.relevance, 'a bio match counts less than a skill');
    assert.deepEqual(c.why.fields, ['bio']);
    assert.match(a.why.text, /Active now/);
    assert.match(b.why.text, /Not active now/);
  });
});

describe('search: filters', () => {
  test('category, remote, active and verification keep only what they say', async () => {
    const word = uniqueWord();
    const cat = uniqueTag('cat');
    const remote = await makeWorker(base, { skills: [word], categories: [cat], remote: true });
    const local = await makeWorker(base, { skills: [word], remote: false, location: { lat: 48.2, lon: 16.37 }, radius_km: 10 });
    const idle = await makeWorker(base, { skills: [word], remote: true }, { active: false });
    const all = new Set([remote.user.id, local.user.id, idle.user.id]);
    assert.deepEqual(new Set(ids(await searchOk({ q: word }))), all);
    assert.deepEqual(ids(await searchOk({ q: word, category: cat })), [remote.user.id]);
    assert.deepEqual(ids(await searchOk({ q: word, category: cat.toUpperCase() })), [remote.user.id], 'folded');
    assert.deepEqual(new Set(ids(await searchOk({ q: word, remote: 'true' }))), new Set([remote.user.id, idle.user.id]));
    assert.deepEqual(ids(await searchOk({ q: word, remote: 'false' })), [local.user.id]);
    assert.deepEqual(new Set(ids(await searchOk({ q: word, active: 'true' }))), new Set([remote.user.id, local.user.id]));
    assert.deepEqual(new Set(ids(await searchOk({ q: word, verification: 'email' }))), all, 'everyone has e-mail');
    assertError(await search({ q: word, verification: 'identity' }), 422, 'validation_failed', 'verification');
  });
});

describe('search: geo', () => {
  test('near in, far out; distance_km as coarse as the public area', async () => {
    const word = uniqueWord();
    const point = { lat: 52.52, lon: 13.405 };
    // two workers in the same 0.1-degree cell, at different exact spots, and one 500 km away
    const near1 = await makeWorker(base, { skills: [word], remote: false, location: { lat: 52.5312, lon: 13.4411 }, radius_km: 10 });
    const near2 = await makeWorker(base, { skills: [word], remote: false, location: { lat: 52.5987, lon: 13.4023 }, radius_km: 10 });
    const far = await makeWorker(base, { skills: [word], remote: false, location: { lat: 48.137, lon: 11.575 }, radius_km: 10 });
    const body = await searchOk({ q: word, lat: point.lat, lon: point.lon, radius_km: 50 });
    const got = new Set(ids(body));
    assert.deepEqual(got, new Set([near1.user.id, near2.user.id]));
    assert.ok(!got.has(far.user.id));
    const d = body.items.map((i) => i.why.distance_km);
    assert.equal(d[0], d[1], 'two bases in one cell read the same distance');
    for (const item of body.items) {
      assert.equal(item.why.distance_km, shownDistanceKm(point, item.worker.area));
      assert.equal(item.why.distance_km % 5, 0, 'banded to 5 km');
      assert.equal(item.worker.area.precision_km, 11);
      assert.match(item.why.text, /km away/);
    }
    // every point of a walk across the cell reads a distance that is a function of the cell alone
    for (let i = 0; i < 5; i++) {
      const p = { lat: 52.45 + i * 0.013, lon: 13.3 + i * 0.021 };
      const b = await searchOk({ q: word, lat: p.lat, lon: p.lon, radius_km: 100 });
      const ds = b.items.filter((it) => it.worker.id !== far.user.id).map((it) => it.why.distance_km);
      assert.equal(new Set(ds).size, 1, `one distance for one cell: ${ds}`);
      assert.equal(ds[0], shownDistanceKm(p, b.items[0].worker.area));
    }
    const wide = await searchOk({ q: word, lat: point.lat, lon: point.lon, radius_km: 500 });
    assert.ok(ids(wide).includes(far.user.id), 'a wide radius takes the far one in');
    assert.deepEqual(ids(wide).slice(0, 2).sort(), [near1.user.id, near2.user.id].sort(), 'nearer first');
  });
});

describe('search: pagination', () => {
  test('the cursor walks every result exactly once, and again the same way', async () => {
    const word = uniqueWord();
    const made = [];
    for (let i = 0; i < 23; i++) {
      made.push((await makeWorker(base, { skills: i % 2 ? [word] : [word, 'extra'], bio: i % 3 ? '' : `${word} ${word}` },
        { active: i % 4 !== 0 })).user.id);
    }
    async function walk() {
      const seen = [];
      let cursor;
      let pages = 0;
      for (;;) {
        const body = await searchOk(cursor ? { q: word, limit: 5, cursor } : { q: word, limit: 5 });
        seen.push(...ids(body));
        pages += 1;
        assert.ok(body.items.length <= 5);
        if (body.next_cursor === null) break;
        assert.equal(typeof body.next_cursor, 'string');
        cursor = body.next_cursor;
        assert.ok(pages < 10, 'the walk ends');
      }
      return seen;
    }
    const first = await walk();
    assert.equal(first.length, 23);
    assert.deepEqual(new Set(first), new Set(made));
    const big = await searchOk({ q: word, limit: 100 });
    const all = ids(big);
    assert.deepEqual(first, all, 'pages in the order of one big page');
    // a page holding every match leaves nothing to skip: the count is exact
    assert.equal(big.matched_exact, true);
    assert.equal(big.matched, 23);
    assert.deepEqual(await walk(), first, 'stable');
  });

  test('a cursor from another query, or made up, is a 422 on cursor', async () => {
    const word = uniqueWord();
    for (let i = 0; i < 3; i++) await makeWorker(base, { skills: [word] });
    const body = await searchOk({ q: word, limit: 1 });
    assert.ok(body.next_cursor);
    assertError(await search({ q: `${word} other`, cursor: body.next_cursor }), 422, 'validation_failed', 'cursor');
    assertError(await search({ q: word, cursor: 'nope' }), 422, 'validation_failed', 'cursor');
    assertError(await search({ q: word, cursor: 'x'.repeat(200) }), 422, 'validation_failed', 'cursor');
  });
});

describe('search: freshness', () => {
  test('a profile change is found by the next search; going inactive leaves the active filter at once', async () => {
    const before = uniqueWord();
    const after = uniqueWord();
    const w = await makeWorker(base, { skills: [before] });
    assert.deepEqual(ids(await searchOk({ q: before })), [w.user.id]);
    ok(await api(base, 'PUT', `${V1}/me/worker`, { token: w.token, body: profileBody({ skills: [after] }) }));
    assert.deepEqual(ids(await searchOk({ q: after })), [w.user.id], 'the new skill, at once');
    assert.deepEqual(ids(await searchOk({ q: before })), [], 'the old one gone');
    assert.deepEqual(ids(await searchOk({ q: after, active: 'true' })), [w.user.id]);
    await setActive(base, w.token, false);
    assert.deepEqual(ids(await searchOk({ q: after, active: 'true' })), []);
    const item = (await searchOk({ q: after })).items[0];
    assert.equal(item.why.active, false);
    assert.equal(item.worker.active, false);
    await setActive(base, w.token, true);
    assert.deepEqual(ids(await searchOk({ q: after, active: 'true' })), [w.user.id]);
  });

  test('profile updates racing queries: every answer 200 and consistent, the final state right', async () => {
    const a = uniqueWord();
    const b = uniqueWord();
    const workers = [];
    for (let i = 0; i < 4; i++) workers.push(await makeWorker(base, { skills: [a] }));
    const mine = new Set(workers.map((w) => w.user.id));
    // each worker's updates in order (b, a, b, a, b, a), the workers racing each other and the queries
    const chain = async (w) => {
      const answers = [];
      for (let round = 0; round < 6; round++) {
        const skills = round % 2 === 0 ? [b] : [a];
        answers.push(await api(base, 'PUT', `${V1}/me/worker`, { token: w.token, body: profileBody({ skills }) }));
      }
      return answers;
    };
    const queries = [];
    for (let i = 0; i < 60; i++) queries.push(search({ q: i % 2 ? a : b, limit: 10 }));
    const [u, q] = await Promise.all([Promise.all(workers.map(chain)), Promise.all(queries)]);
    for (const r of u.flat()) assert.equal(r.status, 200, r.text);
    for (const r of q) {
      assert.equal(r.status, 200, r.text);
      const got = ids(r.json);
      assert.equal(new Set(got).size, got.length, 'no worker twice');
      for (const id of got) assert.ok(mine.has(id), `only these workers match: ${id}`);
      for (const item of r.json.items) assert.ok(Number.isFinite(item.score));
    }
    // the last round set [a] for everyone: the database says so, and so does the index
    for (const w of workers) {
      assert.deepEqual(ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token })).skills, [a]);
    }
    assert.deepEqual(new Set(ids(await searchOk({ q: a }))), mine);
    assert.deepEqual(ids(await searchOk({ q: b })), []);
  });
});

describe('search: bad input is a clean 4xx', () => {
  test('q empty, missing, 10 KB, control characters; lat, lon, radius; limit; flags', async () => {
    const cases = [
      [{ q: '' }, 'q'],
      [{}, 'q'],
      [{ q: 'a'.repeat(10 * 1024) }, 'q'],
      [{ q: 'tap\u0001leak' }, 'q'],
      [{ q: 'tap\nleak' }, 'q'],
      [{ q: 'tap', lat: '91', lon: '0' }, 'lat'],
      [{ q: 'tap', lat: 'abc', lon: '0' }, 'lat'],
      [{ q: 'tap', lat: 'nan', lon: '0' }, 'lat'],
      [{ q: 'tap', lat: '10', lon: '181' }, 'lon'],
      [{ q: 'tap', lat: '10', lon: 'Infinity' }, 'lon'],
      [{ q: 'tap', lat: '10' }, 'lon'],
      [{ q: 'tap', lon: '10' }, 'lat'],
      [{ q: 'tap', lat: '10', lon: '10', radius_km: '0' }, 'radius_km'],
      [{ q: 'tap', lat: '10', lon: '10', radius_km: '501' }, 'radius_km'],
      [{ q: 'tap', lat: '10', lon: '10', radius_km: '2.5' }, 'radius_km'],
      [{ q: 'tap', radius_km: '10' }, 'radius_km'],
      [{ q: 'tap', limit: '0' }, 'limit'],
      [{ q: 'tap', limit: '101' }, 'limit'],
      [{ q: 'tap', limit: 'ten' }, 'limit'],
      [{ q: 'tap', remote: 'maybe' }, 'remote'],
      [{ q: 'tap', active: 'yes' }, 'active'],
      [{ q: 'tap', category: 'a\u0002b' }, 'category'],
    ];
    for (const [params, field] of cases) {
      const res = await search(params);
      assert.equal(res.status, 422, `${JSON.stringify(params).slice(0, 80)}: ${res.status} ${res.text.slice(0, 200)}`);
      assertError(res, 422, 'validation_failed', field);
    }
    const bytes = await api(base, 'GET', `${V1}/search?q=%FF%FE`);
    assertError(bytes, 422, 'validation_failed', 'q');
  });
});

describe('search: public fields only', () => {
  test('no e-mail, no exact location, no private profile field in any item', async () => {
    const word = uniqueWord();
    const w = await makeWorker(base, { skills: [word], remote: false, location: { lat: 51.50731, lon: -0.12765 }, radius_km: 7 });
    const text = (await search({ q: word, lat: 51.5, lon: -0.12 })).text;
    const body = JSON.parse(text);
    assert.equal(body.items.length, 1);
    const { worker } = body.items[0];
    assert.equal(worker.id, w.user.id);
    assert.ok(!text.includes(w.email), 'no e-mail');
    assert.ok(!text.includes('51.507') && !text.includes('-0.127'), 'no exact coordinate');
    for (const k of ['email', 'location', 'radius_km', 'lat_e6', 'last_seen_at']) assert.ok(!(k in worker), k);
    assert.deepEqual(worker.area, { lat: 51.55, lon: -0.15, precision_km: 11 });
  });
});

describe('search: the price estimate', () => {
  test('null with a reason under the minimum; median and spread after enough completed tasks', async () => {
    const word = uniqueWord();
    const cat = uniqueTag('cat');
    const worker = await makeWorker(base, { skills: [word], categories: [cat], remote: true });
    const first = await searchOk({ q: word, category: cat });
    assert.equal(first.request.price_estimate, null);
    assert.match(first.request.price_estimate_reason, /0 completed money tasks/);
    const amounts = [1000, 2000, 3000, 4000, 9000];
    const client = await makeClient(base, { money: 50_000 });
    for (const [i, amount] of amounts.entries()) {
      const now = await serverNow(base);
      const t = await postTask(base, client.token, taskBody(now, {
        category: cat, skills: [word], compensation: { kind: 'money', amount, currency: 'EUR' },
      }));
      await waitTask(base, client.token, t.id, (x) => x.status === 'assigned' && x.assignment?.worker_id === worker.user.id,
        { what: 'assigned to our worker' });
      ok(await act(base, worker.token, t.id, 'ack'));
      ok(await act(base, worker.token, t.id, 'submit', { note: 'done' }));
      ok(await act(base, client.token, t.id, 'approve'));
      if (i === amounts.length - 2) {
        const under = await searchOk({ q: word, category: cat });
        assert.equal(under.request.price_estimate, null, 'four are not enough');
        assert.match(under.request.price_estimate_reason, /4 completed money tasks/);
      }
    }
    const body = await searchOk({ q: word, category: cat });
    assert.deepEqual(body.request.price_estimate,
      { median: 3000, p25: 2000, p75: 4000, currency: 'EUR', task_count: 5, near: false, category: cat });
    assert.equal(body.request.price_estimate_reason, null);
    // near a place: these tasks were remote (no place), so none of them is near anywhere
    const near = await searchOk({ q: word, category: cat, lat: 52.52, lon: 13.4 });
    assert.equal(near.request.price_estimate, null);
    assert.match(near.request.price_estimate_reason, /0 completed money tasks in .* near there/);
    // the worker's record changed: five completed, on time, shown in the why
    const item = body.items.find((i) => i.worker.id === worker.user.id);
    assert.match(item.why.text, /5 completed of 5 accepted/);
    assert.ok(item.why.reliability > 0.8);
  });
});

describe('search: anyone may search', () => {
  test('no session needed', async () => {
    const res = await api(base, 'GET', `${V1}/search?q=anything`);
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json.items));
    assert.ok('next_cursor' in res.json && 'request' in res.json);
  });
});
