// accounts.test.mjs — sign-up, sign-in, /me, bearer and cookie auth, CSRF, sign-out,
// session rotation, idle and absolute expiry (dev clock), and log hygiene.
//
// Failed sign-ins count toward a per-IP limit of 20 per 15 minutes on a server; this file
// stays well under it (throttling itself is tested in limits.test.mjs on its own servers).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  PASSWORD, RFC3339_UTC, V1, api, assertError, csrfToken, login, serverPerSuite, signup, signupAndLogin, signupBody,
  startServer, uniqueEmail,
} from './helpers.mjs';

let server;
let base;
serverPerSuite((s) => { server = s; base = s.base; });

function assertUserShape(user, { email, display_name, roles }) {
  assert.equal(typeof user.id, 'string');
  assert.ok(user.id.length > 0);
  assert.equal(user.email, email);
  assert.equal(user.display_name, display_name);
  assert.deepEqual([...user.roles].sort(), [...roles].sort());
  assert.match(user.created_at, RFC3339_UTC);
  for (const secret of ['password', 'password_hash', 'hash', 'token', 'csrf_token']) {
    assert.equal(user[secret], undefined, `user object must not carry ${secret}`);
  }
}

describe('POST /users (sign-up)', () => {
  test('201 with the user for each allowed role set', async () => {
    for (const roles of [['client'], ['worker'], ['client', 'worker']]) {
      const body = signupBody({ roles, display_name: `Role ${roles.join('+')}` });
      const res = await api(base, 'POST', `${V1}/users`, { body });
      assert.equal(res.status, 201, res.text);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      assertUserShape(res.json, body);
    }
  });

  test('ids are distinct opaque strings', async () => {
    const a = await signup(base);
    const b = await signup(base);
    assert.notEqual(a.user.id, b.user.id);
  });

  test('e-mail is stored lower-case and unique regardless of case', async () => {
    const local = `MiXeD-${Date.now()}`;
    const email = `${local}@Example.TEST`;
    const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email }) });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.email, email.toLowerCase());

    const again = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email: email.toLowerCase() }) });
    assertError(again, 409, 'email_taken');
    const upper = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email: email.toUpperCase() }) });
    assertError(upper, 409, 'email_taken');

    // and signing in works with any case
    const session = await login(base, email.toUpperCase());
    assert.equal(session.user.email, email.toLowerCase());
  });

  test('duplicate e-mail -> 409 email_taken', async () => {
    const { email } = await signup(base);
    const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email }) });
    assertError(res, 409, 'email_taken');
  });

  describe('password length is 12..128 characters', () => {
    const cases = [
      ['11 chars', 'a'.repeat(11), 422],
      ['12 chars', 'a'.repeat(12), 201],
      ['128 chars', 'b'.repeat(128), 201],
      ['129 chars', 'c'.repeat(129), 422],
      ['12 two-byte chars (24 bytes)', 'é'.repeat(12), 201],
      ['11 two-byte chars (22 bytes)', 'é'.repeat(11), 422],
      ['128 four-byte chars (512 bytes)', '🔑'.repeat(128), 201],
      ['129 four-byte chars', '🔑'.repeat(129), 422],
      ['empty', '', 422],
      // sign-in refuses these (control characters, all blank), so sign-up must too: an
      // account created with one could never sign in (found by tests/fuzz/fuzz_bodies)
      ['a DEL character', 'correct horse\u007fbattery', 422],
      ['an ESC character', 'correct horse\u001bbattery', 422],
      ['a C1 control (U+0085)', 'correct horse\u0085battery', 422],
      ['12 spaces', ' '.repeat(12), 422],
      ['tabs and newlines inside', 'correct\thorse\nbattery', 201],
    ];
    for (const [name, password, status] of cases) {
      test(`${name} -> ${status}`, async () => {
        const body = signupBody({ password });
        const res = await api(base, 'POST', `${V1}/users`, { body });
        if (status === 201) {
          assert.equal(res.status, 201, res.text);
          await login(base, body.email, password);   // the exact password works
        } else {
          assertError(res, 422, 'validation_failed', 'password');
        }
      });
    }
  });

  describe('display_name is 1..80 characters, no control characters', () => {
    const ok = [
      ['1 char', 'x'],
      ['80 ASCII chars', 'n'.repeat(80)],
      ['80 CJK chars (240 bytes)', '日'.repeat(80)],
      ['mixed unicode', 'Zoë Łukasz 山田 🚀 Ñandú'],
    ];
    for (const [name, display_name] of ok) {
      test(`${name} -> 201, echoed exactly`, async () => {
        const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ display_name }) });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.json.display_name, display_name);
      });
    }
    const bad = [
      ['empty', ''],
      ['81 ASCII chars', 'n'.repeat(81)],
      ['81 CJK chars', '日'.repeat(81)],
      ['BEL control character', 'bell\u0007name'],
      ['newline', 'two\nlines'],
      ['NUL', 'nul\u0000name'],
      ['ESC (terminal escape)', '\u001b[31mred'],
      ['DEL', 'del\u007f'],
      ['C1 control NEL (U+0085)', 'next\u0085line'],
      ['C1 control CSI (U+009B)', '\u009b31mred'],
    ];
    for (const [name, display_name] of bad) {
      test(`${name} -> 422 validation_failed`, async () => {
        const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ display_name }) });
        assertError(res, 422, 'validation_failed', 'display_name');
      });
    }
  });

  describe('e-mail must be valid', () => {
    const bad = [
      ['empty', ''],
      ['no @', 'not-an-email.example.test'],
      ['no local part', '@example.test'],
      ['no domain', 'someone@'],
      ['too long (over 254)', `${'a'.repeat(64)}@${'d'.repeat(250)}.test`],
      ['control character', 'a\u0007b@example.test'],
    ];
    for (const [name, email] of bad) {
      test(`${name} -> 422`, async () => {
        const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email }) });
        assertError(res, 422, 'validation_failed', 'email');
      });
    }
  });

  describe('roles must be a non-empty subset of client, worker', () => {
    const bad = [
      ['empty list', []],
      ['admin', ['admin']],
      ['client + admin', ['client', 'admin']],
      ['unknown role', ['superuser']],
      ['case matters', ['Client']],
    ];
    for (const [name, roles] of bad) {
      test(`${name} -> 422`, async () => {
        const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ roles }) });
        assertError(res, 422, 'validation_failed', 'roles');
      });
    }
  });

  describe('missing fields -> 422 naming the field', () => {
    for (const field of ['email', 'password', 'display_name', 'roles']) {
      test(`without ${field}`, async () => {
        const body = signupBody();
        delete body[field];
        const res = await api(base, 'POST', `${V1}/users`, { body });
        assertError(res, 422, 'validation_failed', field);
      });
    }
  });

  describe('fields of the wrong JSON type -> 400 wrong_type naming the field', () => {
    const cases = [
      ['email', 42],
      ['email', ['a@example.test']],
      ['password', 123456789012345],
      ['password', { value: PASSWORD }],
      ['display_name', true],
      ['display_name', 7],
      ['roles', 'client'],
      ['roles', { client: true }],
      ['roles', [1]],
    ];
    for (const [field, value] of cases) {
      test(`${field} = ${JSON.stringify(value)}`, async () => {
        const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ [field]: value }) });
        assertError(res, 400, 'wrong_type', field);
      });
    }
  });

  test('no user is created by a rejected sign-up', async () => {
    const body = signupBody({ password: 'short' });
    assertError(await api(base, 'POST', `${V1}/users`, { body }), 422, 'validation_failed', 'password');
    const fixed = await api(base, 'POST', `${V1}/users`, { body: { ...body, password: PASSWORD } });
    assert.equal(fixed.status, 201, fixed.text);
  });
});

describe('POST /sessions (sign-in)', () => {
  test('200 {token, user} and an HttpOnly SameSite=Lax session cookie holding the token', async () => {
    const { email, user } = await signup(base, { roles: ['worker'], display_name: 'Signin' });
    const res = await api(base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD } });
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json.token, 'string');
    assert.ok(res.json.token.length >= 32, 'token carries at least 128 bits');
    assert.deepEqual(res.json.user, user);

    const cookie = res.headers.get('set-cookie');
    assert.ok(cookie, 'Set-Cookie present');
    const [pair, ...attrs] = cookie.split(';').map((s) => s.trim());
    assert.equal(pair, `pw_session=${res.json.token}`);
    const lower = attrs.map((a) => a.toLowerCase());
    assert.ok(lower.includes('path=/'), cookie);
    assert.ok(lower.includes('httponly'), cookie);
    assert.ok(lower.includes('samesite=lax'), cookie);
  });

  test('each sign-in is its own session with a new token', async () => {
    const { email } = await signup(base);
    const a = await login(base, email);
    const b = await login(base, email);
    assert.notEqual(a.token, b.token);
    assert.equal((await api(base, 'GET', `${V1}/me`, { token: a.token })).status, 200);
    assert.equal((await api(base, 'GET', `${V1}/me`, { token: b.token })).status, 200);
  });

  test('wrong password and unknown e-mail get identical 401 invalid_credentials', async () => {
    const { email } = await signup(base);
    const wrong = await api(base, 'POST', `${V1}/sessions`, {
      body: { email, password: 'not the password at all' },
    });
    const unknown = await api(base, 'POST', `${V1}/sessions`, {
      body: { email: uniqueEmail('nobody'), password: 'not the password at all' },
    });
    assertError(wrong, 401, 'invalid_credentials');
    assertError(unknown, 401, 'invalid_credentials');
    assert.deepEqual(wrong.json, unknown.json);
    assert.equal(wrong.headers.get('set-cookie'), null);
    assert.equal(unknown.headers.get('set-cookie'), null);
  });

  test('missing fields -> 422, wrong types -> 400', async () => {
    assertError(await api(base, 'POST', `${V1}/sessions`, { body: { password: PASSWORD } }),
      422, 'validation_failed', 'email');
    assertError(await api(base, 'POST', `${V1}/sessions`, { body: { email: uniqueEmail() } }),
      422, 'validation_failed', 'password');
    assertError(await api(base, 'POST', `${V1}/sessions`, { body: { email: 5, password: PASSWORD } }),
      400, 'wrong_type', 'email');
    assertError(await api(base, 'POST', `${V1}/sessions`, { body: { email: uniqueEmail(), password: false } }),
      400, 'wrong_type', 'password');
    assertError(await api(base, 'POST', `${V1}/sessions`, { body: [] }), 400, 'wrong_type');
  });
});

describe('GET /me', () => {
  test('bearer -> 200 with private fields and a csrf_token', async () => {
    const { user, email, token } = await signupAndLogin(base, { roles: ['client', 'worker'], display_name: 'Me' });
    const res = await api(base, 'GET', `${V1}/me`, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, user.id);
    assert.equal(res.json.email, email);
    assert.equal(res.json.display_name, 'Me');
    assert.deepEqual([...res.json.roles].sort(), ['client', 'worker']);
    assert.equal(res.json.created_at, user.created_at);
    assert.equal(typeof res.json.csrf_token, 'string');
    assert.ok(res.json.csrf_token.length >= 16);
    assert.equal(res.json.password, undefined);
    assert.equal(res.json.password_hash, undefined);
    // the platform's fee policy, public: the serve defaults
    assert.equal(res.json.fee_bps, 1000);
    assert.equal(res.json.pool_share_bps, 2000);
  });

  test('fee_bps and pool_share_bps follow --fee-bps and --pool-share-bps', async () => {
    const other = await startServer({ args: ['--fee-bps', '250', '--pool-share-bps', '5000'] });
    try {
      const { token } = await signupAndLogin(other.base);
      const res = await api(other.base, 'GET', `${V1}/me`, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.fee_bps, 250);
      assert.equal(res.json.pool_share_bps, 5000);
    } finally {
      await other.stop();
    }
  });

  test('cookie -> 200, same user', async () => {
    const { user, token } = await signupAndLogin(base);
    const res = await api(base, 'GET', `${V1}/me`, { cookie: token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, user.id);
  });

  test('no credentials -> 401 unauthenticated', async () => {
    assertError(await api(base, 'GET', `${V1}/me`), 401, 'unauthenticated');
  });

  test('bad credentials -> 401 unauthenticated', async () => {
    const { token } = await signupAndLogin(base);
    const bogus = 'A'.repeat(token.length);
    for (const opts of [
      { token: bogus },
      { cookie: bogus },
      { token: '' },
      { token: `${token}x` },
      { token: token.slice(0, -1) },
      { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } },
      { headers: { authorization: token } },
      { headers: { cookie: `other=${token}` } },
    ]) {
      const res = await api(base, 'GET', `${V1}/me`, opts);
      assertError(res, 401, 'unauthenticated');
    }
  });
});

describe('CSRF for cookie sessions', () => {
  test('unsafe cookie request without X-CSRF-Token -> 403 csrf_failed, session kept', async () => {
    const { token } = await signupAndLogin(base);
    const res = await api(base, 'DELETE', `${V1}/sessions/current`, { cookie: token });
    assertError(res, 403, 'csrf_failed');
    assert.equal((await api(base, 'GET', `${V1}/me`, { token })).status, 200);
  });

  test('wrong X-CSRF-Token -> 403 csrf_failed', async () => {
    const { token } = await signupAndLogin(base);
    const real = await csrfToken(base, token);
    for (const csrf of ['', 'x', `${real}x`, real.slice(1), real.toUpperCase() === real ? real.toLowerCase() : real.toUpperCase()]) {
      if (csrf === real) continue;
      const res = await api(base, 'DELETE', `${V1}/sessions/current`, { cookie: token, csrf });
      assertError(res, 403, 'csrf_failed');
    }
    assert.equal((await api(base, 'GET', `${V1}/me`, { token })).status, 200);
  });

  test("another session's CSRF token -> 403 csrf_failed", async () => {
    const a = await signupAndLogin(base);
    const b = await signupAndLogin(base);
    const csrfB = await csrfToken(base, b.token);
    const res = await api(base, 'DELETE', `${V1}/sessions/current`, { cookie: a.token, csrf: csrfB });
    assertError(res, 403, 'csrf_failed');
  });

  test('right X-CSRF-Token -> the request goes through', async () => {
    const { token } = await signupAndLogin(base);
    const meByCookie = await api(base, 'GET', `${V1}/me`, { cookie: token });
    assert.equal(meByCookie.status, 200, 'safe cookie request needs no CSRF token');
    const res = await api(base, 'DELETE', `${V1}/sessions/current`, { cookie: token, csrf: meByCookie.json.csrf_token });
    assert.equal(res.status, 204, res.text);
    assertError(await api(base, 'GET', `${V1}/me`, { token }), 401, 'unauthenticated');
  });

  test('bearer requests need no CSRF token', async () => {
    const { token } = await signupAndLogin(base);
    const res = await api(base, 'DELETE', `${V1}/sessions/current`, { token });
    assert.equal(res.status, 204, res.text);
  });
});

describe('DELETE /sessions/current (sign-out)', () => {
  test('204, then the token is dead for bearer and cookie alike', async () => {
    const { token } = await signupAndLogin(base);
    const res = await api(base, 'DELETE', `${V1}/sessions/current`, { token });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assertError(await api(base, 'GET', `${V1}/me`, { token }), 401, 'unauthenticated');
    assertError(await api(base, 'GET', `${V1}/me`, { cookie: token }), 401, 'unauthenticated');
    assertError(await api(base, 'DELETE', `${V1}/sessions/current`, { token }), 401, 'unauthenticated');
  });

  test('only the current session ends; other sessions of the user stay', async () => {
    const { email, token: first } = await signupAndLogin(base);
    const { token: second } = await login(base, email);
    assert.equal((await api(base, 'DELETE', `${V1}/sessions/current`, { token: second })).status, 204);
    assert.equal((await api(base, 'GET', `${V1}/me`, { token: first })).status, 200);
  });

  test('without a session -> 401 unauthenticated', async () => {
    assertError(await api(base, 'DELETE', `${V1}/sessions/current`), 401, 'unauthenticated');
  });

  test('signing in while sending a session cookie rotates it (old session revoked)', async () => {
    const { email, token: old } = await signupAndLogin(base);
    const res = await api(base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD }, cookie: old });
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.json.token, old);
    assertError(await api(base, 'GET', `${V1}/me`, { token: old }), 401, 'unauthenticated');
    assert.equal((await api(base, 'GET', `${V1}/me`, { token: res.json.token })).status, 200);
  });

  test('rotation also happens when the cookie request carries its CSRF token', async () => {
    const { email, token: old } = await signupAndLogin(base);
    const csrf = await csrfToken(base, old);
    const res = await api(base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD }, cookie: old, csrf });
    assert.equal(res.status, 200, res.text);
    assertError(await api(base, 'GET', `${V1}/me`, { cookie: old }), 401, 'unauthenticated');
  });

  test('a failed sign-in does not end the session in the cookie', async () => {
    const { email, token } = await signupAndLogin(base);
    const res = await api(base, 'POST', `${V1}/sessions`, { body: { email, password: 'not it, not it' }, cookie: token });
    assertError(res, 401, 'invalid_credentials');
    assert.equal((await api(base, 'GET', `${V1}/me`, { token })).status, 200);
  });
});

describe('log lines carry no secrets', () => {
  test('e-mail, password, tokens and CSRF token never reach stderr', async () => {
    const email = uniqueEmail('secretlog');
    const password = 'Sup3r-secret-passphrase-XYZ';
    await signup(base, { email, password });
    const { token } = await login(base, email, password);
    const csrf = await csrfToken(base, token);
    await api(base, 'GET', `${V1}/me`, { cookie: token });
    await api(base, 'POST', `${V1}/sessions`, { body: { email, password: 'wrong-wrong-wrong' } });
    await api(base, 'DELETE', `${V1}/sessions/current`, { cookie: token, csrf: 'bogus-csrf' });
    await api(base, 'DELETE', `${V1}/sessions/current`, { cookie: token, csrf });
    // the per-request log lines are flushed once per loop turn: give them a moment
    await new Promise((r) => setTimeout(r, 200));
    const log = server.stderrText();
    assert.match(log, /route=\/api\/v1\/sessions/, 'request lines are logged (else this test proves nothing)');
    for (const secret of [email, email.split('@')[0], password, token, csrf]) {
      assert.ok(!log.includes(secret), `stderr contains a secret: ${secret}`);
    }
  });
});

describe('session expiry (dev clock)', () => {
  let dev;
  serverPerSuite((s) => { dev = s; }, { options: { args: ['--dev-clock'] } });

  // Each test reads /me right after moving the clock. The server must order a clock move
  // after the writes already queued (e.g. a session's last-seen touch), or a session used
  // a moment ago looks idle since its previous touch.
  const advance = async (seconds) => {
    const res = await api(dev.base, 'POST', `${V1}/dev/clock`, { body: { advance_s: seconds } });
    assert.ok(res.status >= 200 && res.status < 300, `dev clock: ${res.status} ${res.text}`);
  };
  const me = (token) => api(dev.base, 'GET', `${V1}/me`, { token });

  test('25 h idle -> 401; 23 h idle keeps the session', async () => {
    const { token: idle } = await signupAndLogin(dev.base);
    const { token: busy } = await signupAndLogin(dev.base);
    await advance(23 * 3600);
    assert.equal((await me(busy)).status, 200, 'alive after 23 h idle');
    await advance(2 * 3600);      // idle: 25 h; busy: 2 h since last use
    assertError(await me(idle), 401, 'unauthenticated');
    assert.equal((await me(busy)).status, 200, 'used 2 h ago');
    assertError(await api(dev.base, 'GET', `${V1}/me`, { cookie: idle }), 401, 'unauthenticated');
  });

  test('expiry is the real idle time: 24 h + 1 s idle is dead', async () => {
    const { token } = await signupAndLogin(dev.base);
    await advance(24 * 3600 + 1);
    assertError(await me(token), 401, 'unauthenticated');
  });

  test('a session dies after 30 days even when used every 23 h', async () => {
    const { token } = await signupAndLogin(dev.base);
    let elapsed = 0;
    while (elapsed + 23 * 3600 <= 30 * 24 * 3600) {
      await advance(23 * 3600);
      elapsed += 23 * 3600;
      assert.equal((await me(token)).status, 200, `alive at ${elapsed / 3600} h`);
    }
    await advance(23 * 3600);     // now past 30 days since sign-in
    assertError(await me(token), 401, 'unauthenticated');
  });

  test('after expiry a fresh sign-in works', async () => {
    const { email, token } = await signupAndLogin(dev.base);
    await advance(25 * 3600);
    assertError(await me(token), 401, 'unauthenticated');
    const fresh = await login(dev.base, email);
    assert.equal((await me(fresh.token)).status, 200);
  });

  test('dev clock rejects bad input', async () => {
    for (const body of [{}, { advance_s: -5 }, { advance_s: 'soon' }]) {
      const res = await api(dev.base, 'POST', `${V1}/dev/clock`, { body });
      assert.ok(res.status === 400 || res.status === 422, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
    }
  });

  test('without --dev-clock the route does not exist', async () => {
    const res = await api(base, 'POST', `${V1}/dev/clock`, { body: { advance_s: 3600 } });
    assertError(res, 404, 'not_found');
  });
});
