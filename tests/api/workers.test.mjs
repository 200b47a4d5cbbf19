// workers.test.mjs — worker profiles (PUT/GET /me/worker), availability, the public
// profile (GET /users/{id}: never the e-mail, never the exact location) and reputation.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, RFC3339_UTC, V1, api, assertError, login, signupAndLogin, uniqueEmail } from './helpers.mjs';
import {
  adminCreate, makeWorker, ok, profileBody, setActive, startMarket, uniqueTag,
} from './lifecycle_helpers.mjs';

let server;
let base;
let worker;     // a worker with no profile yet at first; used for the validation cases
let client;     // a client-only user
let both;       // client + worker
before(async () => {
  server = await startMarket();
  base = server.base;
  [worker, client, both] = await Promise.all([
    signupAndLogin(base, { roles: ['worker'], display_name: 'Val Worker' }),
    signupAndLogin(base, { roles: ['client'], display_name: 'Only Client' }),
    signupAndLogin(base, { roles: ['client', 'worker'], display_name: 'Both Roles' }),
  ]);
});
after(async () => {
  await server?.stop();
});

const put = (token, body) => api(base, 'PUT', `${V1}/me/worker`, { token, body });

/**
 * Fails if any number in a public answer is, or scales to, one of a worker's exact
 * coordinates (to 0.001°), or if any string holds one written out with its decimals. It
 * walks the parsed JSON instead of searching the raw text for digits: ids are random
 * 64-bit numbers and one of them may hold any five digits (that made this test flaky).
 */
function assertNoCoordinate(value, ...exact) {
  const near = (n) => exact.some((x) => [1, 1e3, 1e6].some((scale) => Math.abs(n / scale - x) < 5e-4));
  const written = exact.map((x) => Math.abs(x).toFixed(3));
  const walk = (v, path) => {
    if (typeof v === 'number') assert.ok(!near(v), `exact location leaked at ${path}: ${v}`);
    else if (typeof v === 'string') {
      for (const w of written) assert.ok(!v.includes(w), `exact location leaked at ${path}: ${v}`);
    } else if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, `${path}.${k}`);
  };
  walk(value, '$');
}

describe('PUT /me/worker validation', () => {
  // [name, overrides (undefined value = remove the field), status, code, field]
  const bad = [
    ['skills missing', { skills: undefined }, 422, 'validation_failed', 'skills'],
    ['skills null', { skills: null }, 422, 'validation_failed', 'skills'],
    ['skills empty array', { skills: [] }, 422, 'validation_failed', 'skills'],
    ['skills a string', { skills: 'plumbing' }, 400, 'wrong_type', 'skills'],
    ['skills an object', { skills: { a: 1 } }, 400, 'wrong_type', 'skills'],
    ['skills holds a number', { skills: ['ok', 7] }, 400, 'wrong_type', 'skills'],
    ['skills holds null', { skills: [null] }, 400, 'wrong_type', 'skills'],
    ['skills holds an empty string', { skills: [''] }, 422, 'validation_failed', 'skills'],
    ['a skill of 41 chars', { skills: ['s'.repeat(41)] }, 422, 'validation_failed', 'skills'],
    ['21 skills', { skills: Array.from({ length: 21 }, (_, i) => `s${i}`) }, 422, 'validation_failed', 'skills'],
    ['categories missing', { categories: undefined }, 422, 'validation_failed', 'categories'],
    ['categories empty', { categories: [] }, 422, 'validation_failed', 'categories'],
    ['categories a number', { categories: 3 }, 400, 'wrong_type', 'categories'],
    ['categories holds a bool', { categories: [true] }, 400, 'wrong_type', 'categories'],
    ['a category of 41 chars', { categories: ['c'.repeat(41)] }, 422, 'validation_failed', 'categories'],
    ['21 categories', { categories: Array.from({ length: 21 }, (_, i) => `c${i}`) }, 422, 'validation_failed',
      'categories'],
    ['bio a number', { bio: 12 }, 400, 'wrong_type', 'bio'],
    ['bio an array', { bio: ['x'] }, 400, 'wrong_type', 'bio'],
    ['bio of 1001 chars', { bio: 'b'.repeat(1001) }, 422, 'validation_failed', 'bio'],
    ['remote missing', { remote: undefined }, 422, 'validation_failed', 'remote'],
    ['remote a string', { remote: 'true' }, 400, 'wrong_type', 'remote'],
    ['remote a number', { remote: 1 }, 400, 'wrong_type', 'remote'],
    ['remote null', { remote: null }, 400, 'wrong_type', 'remote'],
    ['location a string', { location: 'Berlin' }, 400, 'wrong_type', 'location'],
    ['location an array', { location: [52.5, 13.4] }, 400, 'wrong_type', 'location'],
    ['location.lat a string', { location: { lat: '52.5', lon: 13.4 } }, 400, 'wrong_type', 'location'],
    ['location.lon null', { location: { lat: 52.5, lon: null } }, 400, 'wrong_type', 'location'],
    ['location without lon', { location: { lat: 52.5 } }, 422, 'validation_failed', 'location'],
    ['location without lat', { location: { lon: 13.4 } }, 422, 'validation_failed', 'location'],
    ['location.lat 90.0001', { location: { lat: 90.0001, lon: 0 } }, 422, 'validation_failed', 'location'],
    ['location.lat -91', { location: { lat: -91, lon: 0 } }, 422, 'validation_failed', 'location'],
    ['location.lon 180.5', { location: { lat: 0, lon: 180.5 } }, 422, 'validation_failed', 'location'],
    ['location.lon -181', { location: { lat: 0, lon: -181 } }, 422, 'validation_failed', 'location'],
    ['non-remote with location null', { remote: false, location: null }, 422, 'validation_failed', 'location'],
    ['non-remote without location', { remote: false, location: undefined }, 422, 'validation_failed', 'location'],
    ['radius_km 0 with a location', { radius_km: 0, location: { lat: 52.5, lon: 13.4 } }, 422, 'validation_failed', 'radius_km'],
    ['radius_km -1 without a location', { radius_km: -1, location: null }, 422, 'validation_failed', 'radius_km'],
    ['radius_km 501', { radius_km: 501 }, 422, 'validation_failed', 'radius_km'],
    ['radius_km -5', { radius_km: -5 }, 422, 'validation_failed', 'radius_km'],
    ['radius_km 10.5', { radius_km: 10.5 }, 400, 'wrong_type', 'radius_km'],
    ['radius_km a string', { radius_km: '10' }, 400, 'wrong_type', 'radius_km'],
    ['radius_km a bool', { radius_km: true }, 400, 'wrong_type', 'radius_km'],
  ];
  for (const [name, overrides, status, code, field] of bad) {
    test(`${name} -> ${status} ${code} (${field})`, async () => {
      const body = profileBody(overrides);
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete body[k];
      assertError(await put(worker.token, body), status, code, field);
    });
  }

  test('a body that is not an object -> 400; no body -> 400', async () => {
    const arr = await api(base, 'PUT', `${V1}/me/worker`, { token: worker.token, rawBody: '[]',
      headers: { 'content-type': 'application/json' } });
    assertError(arr, 400, 'wrong_type');
    const none = await api(base, 'PUT', `${V1}/me/worker`, { token: worker.token });
    assertError(none, 400, 'malformed_json');
  });

  test('nothing was saved by any refused PUT: GET /me/worker is still 404', async () => {
    assertError(await api(base, 'GET', `${V1}/me/worker`, { token: worker.token }), 404, 'not_found');
  });
});

describe('PUT /me/worker success', () => {
  test('boundaries: 40-char tags, 20 of them, 1000-char bio, radius 1 and 500', async () => {
    const w = await signupAndLogin(base, { roles: ['worker'] });
    const skills = Array.from({ length: 20 }, (_, i) => `${'k'.repeat(38)}${String(i).padStart(2, '0')}`);
    let res = await put(w.token, profileBody({ skills, bio: 'é'.repeat(1000), radius_km: 1 }));
    let p = ok(res);
    assert.deepEqual(p.skills, skills);
    assert.equal(p.bio, 'é'.repeat(1000));
    assert.equal(p.radius_km, 1);
    res = await put(w.token, profileBody({ radius_km: 500, location: { lat: -90, lon: 180 }, remote: false }));
    p = ok(res);
    assert.equal(p.radius_km, 500);
    assert.deepEqual(p.location, { lat: -90, lon: 180 });
  });

  test('200 with the private profile; tags lower-cased and de-duplicated; radius defaults to 10', async () => {
    const w = await signupAndLogin(base, { roles: ['worker'] });
    const body = profileBody({
      skills: ['Plumbing', 'plumbing', 'TILING'],
      categories: ['Home', 'HOME', 'garden'],
      bio: 'Twenty years of pipes.\nAsk me anything.',
      remote: false,
      location: { lat: 48.137154, lon: 11.576124 },
    });
    delete body.radius_km;
    const p = ok(await put(w.token, body));
    assert.deepEqual(p, {
      bio: 'Twenty years of pipes.\nAsk me anything.',
      skills: ['plumbing', 'tiling'],
      categories: ['home', 'garden'],
      remote: false,
      location: { lat: 48.137154, lon: 11.576124 },
      radius_km: 10,
      active: false,
      active_since: null,
    });
    const got = ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }));
    assert.deepEqual(got, p);
  });

  test('tags are trimmed: " Plumbing " is stored as "plumbing" (workers.h: lower-cased, trimmed)', async () => {
    const w = await signupAndLogin(base, { roles: ['worker'] });
    const p = ok(await put(w.token, profileBody({ skills: [' Plumbing ', 'plumbing'], categories: [' Home '] })));
    assert.deepEqual(p.skills, ['plumbing']);
    assert.deepEqual(p.categories, ['home']);
  });

  test('bio may be absent (stored as ""), a remote worker needs no location', async () => {
    const w = await signupAndLogin(base, { roles: ['worker'] });
    const body = profileBody({ remote: true });
    delete body.bio;
    delete body.location;
    const p = ok(await put(w.token, body));
    assert.equal(p.bio, '');
    assert.equal(p.location, null);
    assert.equal(p.remote, true);
  });

  test('a remote-only worker without a location may give radius_km 0 (no radius is needed)', async () => {
    const w = await signupAndLogin(base, { roles: ['worker'] });
    const p = ok(await put(w.token, profileBody({ remote: true, location: null, radius_km: 0 })));
    assert.equal(p.radius_km, 0);
    assert.equal(p.location, null);
    assert.deepEqual(ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token })), p);
    // and can go active and take remote work like any remote worker
    assert.equal(ok(await api(base, 'POST', `${V1}/me/availability`, { token: w.token, body: { active: true } })).active, true);
  });

  test('a PUT replaces the profile and keeps availability as it was', async () => {
    const w = await makeWorker(base, { categories: ['first'] });
    let p = ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }));
    assert.equal(p.active, true);
    const since = p.active_since;
    assert.match(since, RFC3339_UTC);
    p = ok(await put(w.token, profileBody({ categories: ['second'], skills: ['other'], bio: 'new' })));
    assert.deepEqual(p.categories, ['second']);
    assert.deepEqual(p.skills, ['other']);
    assert.equal(p.bio, 'new');
    assert.equal(p.active, true, 'availability survives a profile update');
    assert.equal(p.active_since, since);
  });

  test('a user with both roles may have a profile', async () => {
    const p = ok(await put(both.token, profileBody()));
    assert.deepEqual(p.categories, ['misc']);
  });
});

describe('role checks', () => {
  test('a client-only user: PUT/GET /me/worker and availability -> 403 forbidden', async () => {
    assertError(await put(client.token, profileBody()), 403, 'forbidden');
    assertError(await api(base, 'GET', `${V1}/me/worker`, { token: client.token }), 403, 'forbidden');
    assertError(await api(base, 'POST', `${V1}/me/availability`, { token: client.token, body: { active: true } }),
      403, 'forbidden');
  });

  test('not signed in -> 401 on all three', async () => {
    assertError(await api(base, 'PUT', `${V1}/me/worker`, { body: profileBody() }), 401, 'unauthenticated');
    assertError(await api(base, 'GET', `${V1}/me/worker`), 401, 'unauthenticated');
    assertError(await api(base, 'POST', `${V1}/me/availability`, { body: { active: true } }), 401, 'unauthenticated');
  });
});

describe('POST /me/availability', () => {
  test('without a profile -> 409 profile_required', async () => {
    const w = await signupAndLogin(base, { roles: ['worker'] });
    assertError(await api(base, 'POST', `${V1}/me/availability`, { token: w.token, body: { active: true } }),
      409, 'profile_required');
    assertError(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }), 404, 'not_found');
  });

  test('bad bodies: missing -> 422, wrong types -> 400', async () => {
    const w = await makeWorker(base, {}, { active: false });
    const post = (body) => api(base, 'POST', `${V1}/me/availability`, { token: w.token, body });
    assertError(await post({}), 422, 'validation_failed', 'active');
    for (const v of ['true', 1, 0, null, [], {}]) {
      assertError(await post({ active: v }), 400, 'wrong_type', 'active');
    }
  });

  test('on, on again (since kept), off (since null), reflected in the profiles', async () => {
    const w = await makeWorker(base, {}, { active: false });
    const on = await setActive(base, w.token, true);
    assert.deepEqual(Object.keys(on).sort(), ['active', 'since']);
    assert.equal(on.active, true);
    assert.match(on.since, RFC3339_UTC);
    const again = await setActive(base, w.token, true);
    assert.deepEqual(again, on, 'turning on twice keeps the first since');
    let p = ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }));
    assert.equal(p.active, true);
    assert.equal(p.active_since, on.since);
    assert.equal(ok(await api(base, 'GET', `${V1}/users/${w.user.id}`)).active, true);

    const off = await setActive(base, w.token, false);
    assert.deepEqual(off, { active: false, since: null });
    p = ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }));
    assert.equal(p.active, false);
    assert.equal(p.active_since, null);
    assert.equal(ok(await api(base, 'GET', `${V1}/users/${w.user.id}`)).active, false);
  });
});

describe('GET /users/{id} (public profile)', () => {
  const PUBLIC_KEYS = ['active', 'area', 'bio', 'categories', 'display_name', 'id', 'remote', 'reputation', 'roles',
    'skills', 'verification_level'];

  test('a worker: public fields only, city-level area, never e-mail or exact location', async () => {
    const lat = 52.523456;
    const lon = 13.411789;
    const cat = uniqueTag();
    const w = await makeWorker(base, { categories: [cat], skills: ['Welding'], remote: false, location: { lat, lon },
      radius_km: 25, bio: 'Public bio' }, { name: 'Wanda Welder' });
    const res = await api(base, 'GET', `${V1}/users/${w.user.id}`);
    const p = ok(res);
    assert.deepEqual(Object.keys(p).sort(), PUBLIC_KEYS);
    assert.equal(p.id, w.user.id);
    assert.equal(p.display_name, 'Wanda Welder');
    assert.deepEqual(p.roles, ['worker']);
    assert.equal(p.bio, 'Public bio');
    assert.deepEqual(p.skills, ['welding']);
    assert.deepEqual(p.categories, [cat]);
    assert.equal(p.remote, false);
    assert.equal(p.active, true);
    assert.equal(p.verification_level, 'email');
    assert.deepEqual(Object.keys(p.area).sort(), ['lat', 'lon', 'precision_km']);
    assert.ok(Math.abs(p.area.lat - 52.55) < 1e-9, `area.lat ${p.area.lat}`);
    assert.ok(Math.abs(p.area.lon - 13.45) < 1e-9, `area.lon ${p.area.lon}`);
    assert.equal(p.area.precision_km, 11);
    // privacy: not in any field, not anywhere in the text
    assert.ok(!res.text.includes(w.email), 'e-mail leaked');
    assert.ok(!res.text.includes('@'), 'something e-mail-like leaked');
    assertNoCoordinate(p, 52.523, 13.411);
    assert.ok(!res.text.includes('radius'), `the radius leaked: ${res.text}`);
    for (const key of ['email', 'location', 'radius_km', 'active_since', 'password_hash']) {
      assert.equal(p[key], undefined, key);
    }
  });

  test('negative coordinates map to the centre of their 0.1° cell', async () => {
    const w = await makeWorker(base, { remote: false, location: { lat: -33.868812, lon: -151.209296 } });
    const res = await api(base, 'GET', `${V1}/users/${w.user.id}`);
    const p = ok(res);
    assert.ok(Math.abs(p.area.lat - -33.85) < 1e-9, `area.lat ${p.area.lat}`);
    assert.ok(Math.abs(p.area.lon - -151.25) < 1e-9, `area.lon ${p.area.lon}`);
    assertNoCoordinate(p, -33.868812, -151.209296);
  });

  test('a remote worker without location: area null', async () => {
    const w = await makeWorker(base, { remote: true, location: null });
    const p = ok(await api(base, 'GET', `${V1}/users/${w.user.id}`));
    assert.equal(p.area, null);
    assert.equal(p.remote, true);
  });

  test('a client without a worker profile: same shape, empty worker fields', async () => {
    const res = await api(base, 'GET', `${V1}/users/${client.user.id}`);
    const p = ok(res);
    assert.deepEqual(Object.keys(p).sort(), PUBLIC_KEYS);
    assert.equal(p.display_name, 'Only Client');
    assert.deepEqual(p.roles, ['client']);
    assert.deepEqual(p.skills, []);
    assert.deepEqual(p.categories, []);
    assert.equal(p.area, null);
    assert.equal(p.active, false);
    assert.ok(!res.text.includes(client.email));
  });

  test('readable signed in too, and identical', async () => {
    const anon = ok(await api(base, 'GET', `${V1}/users/${both.user.id}`));
    const signed = ok(await api(base, 'GET', `${V1}/users/${both.user.id}`, { token: client.token }));
    assert.deepEqual(signed, anon);
    assert.deepEqual([...anon.roles].sort(), ['client', 'worker']);
  });

  test('an admin reads like anyone: no admin role, no staff level, in profile or reputation', async () => {
    const email = uniqueEmail('adm');
    adminCreate(server.db, email, PASSWORD);
    const a = await login(base, email);
    const res = await api(base, 'GET', `${V1}/users/${a.user.id}`);
    const p = ok(res);
    const rep = await api(base, 'GET', `${V1}/users/${a.user.id}/reputation`);
    assert.ok(!p.roles.includes('admin'), `roles: ${p.roles}`);
    const plain = ok(await api(base, 'GET', `${V1}/users/${client.user.id}`));
    assert.equal(p.verification_level, plain.verification_level);
    assert.equal(ok(rep).verification_level, plain.verification_level);
    for (const text of [res.text, rep.text]) assert.doesNotMatch(text, /"(staff|admin)"/);  // the display name may say Admin
  });

  test('unknown or malformed ids -> 404 not_found', async () => {
    for (const id of ['1', '999999999999999999', '0', '-5', 'abc', '12abc', '99999999999999999999999']) {
      assertError(await api(base, 'GET', `${V1}/users/${id}`), 404, 'not_found');
      assertError(await api(base, 'GET', `${V1}/users/${id}/reputation`), 404, 'not_found');
    }
  });
});

describe('GET /users/{id}/reputation', () => {
  test('a new worker: exact shape, nothing rated yet', async () => {
    const w = await makeWorker(base);
    const r = ok(await api(base, 'GET', `${V1}/users/${w.user.id}/reputation`));
    assert.deepEqual(r, {
      score: null,
      rating_count: 0,
      reliability: { completion_rate: null, on_time_rate: null, release_count: 0, missed_acks: 0 },
      verification_level: 'email',
    });
    // and the public profile carries the same summary
    assert.deepEqual(ok(await api(base, 'GET', `${V1}/users/${w.user.id}`)).reputation, r);
  });

  test('a client without a profile: the same zero shape', async () => {
    const r = ok(await api(base, 'GET', `${V1}/users/${client.user.id}/reputation`));
    assert.deepEqual(r, {
      score: null,
      rating_count: 0,
      reliability: { completion_rate: null, on_time_rate: null, release_count: 0, missed_acks: 0 },
      verification_level: 'email',
    });
  });
});
