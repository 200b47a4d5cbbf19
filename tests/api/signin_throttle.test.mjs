// signin_throttle.test.mjs — the sign-in limits under concurrency, and device cookies
// (docs/SECURITY.md, "Authentication and sign-in throttling").
//
// An attempt takes its place in the limit when it arrives, before the password is hashed,
// so a burst of parallel guesses gets no more checks than sequential ones: per account
// (untrusted clients) 5, per address 20, per device cookie 5, counting attempts in flight
// and failed ones. The assertions are about what that rule guarantees whatever the
// timing: a burst of wrong passwords gets exactly the limit of 401s; with the right one
// among them, at most the limit of 401s and at most one 200.
//
// A browser that signed in keeps a `pw_device` cookie naming the account, MACed with the
// server's secret; its sign-ins count against that cookie's own allowance, so a stranger's
// wrong passwords (which lock untrusted clients out of the account) do not lock the owner
// out. Every scenario gets its own server: the counters are per server, and every request
// here comes from 127.0.0.1 (one address, limit 20).

import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, V1, api, assertError, signup, startServer, uniqueEmail } from './helpers.mjs';

const ACCOUNT_LIMIT = 5;    // PW_LOGIN_FAILS_PER_ACCOUNT
const ADDRESS_LIMIT = 20;   // PW_LOGIN_FAILS_PER_IP
const DEVICE_LIMIT = 5;     // PW_LOGIN_FAILS_PER_DEVICE
const WINDOW_S = 900;       // PW_LOGIN_WINDOW_S
const BURST = 40;

/** POST /sessions, with `device` (a pw_device cookie value) when given. */
function signIn(base, email, password, device) {
  const headers = device === undefined ? {} : { cookie: `pw_device=${device}` };
  return api(base, 'POST', `${V1}/sessions`, { body: { email, password }, headers });
}

/** The pw_device Set-Cookie line of an answer, or undefined. */
function deviceSetCookie(res) {
  return res.headers.getSetCookie().find((line) => line.startsWith('pw_device='));
}

/** Signs in with the right password (asserting 200) and returns the new device cookie's value. */
async function deviceOf(base, email, device) {
  const res = await signIn(base, email, PASSWORD, device);
  assert.equal(res.status, 200, res.text);
  const line = deviceSetCookie(res);
  assert.ok(line, `a device cookie is set: ${res.headers.getSetCookie()}`);
  return line.split(';')[0].slice('pw_device='.length);
}

function assertRateLimited(res) {
  assertError(res, 429, 'rate_limited');
  const retry = res.headers.get('retry-after');
  assert.match(retry ?? '', /^\d+$/, `Retry-After: ${retry}`);
  assert.ok(Number(retry) >= 1 && Number(retry) <= WINDOW_S, `Retry-After ${retry} within the window`);
}

/** Sends all `attempts` ([email, password, device?]) at once; the answers, by status. */
async function burst(base, attempts) {
  const answers = await Promise.all(attempts.map(([email, password, device]) => signIn(base, email, password, device)));
  const by = (status) => answers.filter((a) => a.status === status);
  const statuses = answers.map((a) => a.status);
  for (const a of answers) assert.ok([200, 401, 429].includes(a.status), `statuses: ${statuses} (${a.text})`);
  for (const a of by(401)) assertError(a, 401, 'invalid_credentials');
  for (const a of by(429)) assertRateLimited(a);
  return { ok: by(200).length, failed: by(401).length, limited: by(429).length, statuses };
}

const wrong = (i) => `wrong password number ${i}`;

/** A server for one describe() block. */
function serverPerBlock() {
  const holder = {};
  before(async () => {
    holder.server = await startServer();
    holder.base = holder.server.base;
  });
  after(async () => {
    await holder.server?.stop();
  });
  return holder;
}

describe('parallel guesses on one account (untrusted clients, limit 5)', () => {
  const s = serverPerBlock();

  test(`${BURST} wrong passwords at once: exactly 5 are checked, the rest 429; then the right one is 429 too`, async () => {
    const { email } = await signup(s.base);
    const r = await burst(s.base, Array.from({ length: BURST }, (_, i) => [email, wrong(i)]));
    assert.equal(r.failed, ACCOUNT_LIMIT, `checked ${r.failed}: ${r.statuses}`);
    assert.equal(r.limited, BURST - ACCOUNT_LIMIT, `${r.statuses}`);
    assertRateLimited(await signIn(s.base, email, PASSWORD));
  });

  test('with the right password among them: at most 5 wrong ones are checked, at most one 200', async () => {
    const { email } = await signup(s.base);
    const attempts = Array.from({ length: BURST }, (_, i) => [email, i === BURST / 2 ? PASSWORD : wrong(i)]);
    const r = await burst(s.base, attempts);
    assert.ok(r.failed <= ACCOUNT_LIMIT, `checked ${r.failed} wrong passwords: ${r.statuses}`);
    assert.ok(r.ok <= 1, `${r.statuses}`);
    assert.ok(r.failed + r.ok >= 1, `something was checked: ${r.statuses}`);
    assert.equal(r.ok + r.failed + r.limited, BURST);
  });
});

describe('parallel guesses from one address (limit 20, for everyone)', () => {
  const s = serverPerBlock();

  test(`${BURST} wrong sign-ins on distinct e-mails at once: exactly 20 are checked; then even a device cookie is 429`, async () => {
    const { email } = await signup(s.base);
    const device = await deviceOf(s.base, email);
    const r = await burst(s.base, Array.from({ length: BURST }, (_, i) => [uniqueEmail(`ip${i}`), wrong(i)]));
    assert.equal(r.failed, ADDRESS_LIMIT, `checked ${r.failed}: ${r.statuses}`);
    assert.equal(r.limited, BURST - ADDRESS_LIMIT, `${r.statuses}`);
    assertRateLimited(await signIn(s.base, email, PASSWORD));
    assertRateLimited(await signIn(s.base, email, PASSWORD, device));
  });
});

describe('parallel guesses from one address, the right password among them', () => {
  const s = serverPerBlock();

  test('at most 20 wrong ones are checked, at most one 200', async () => {
    const { email } = await signup(s.base);
    const attempts = Array.from({ length: BURST }, (_, i) => (i === BURST / 2 ? [email, PASSWORD] : [uniqueEmail(`ip${i}`), wrong(i)]));
    const r = await burst(s.base, attempts);
    assert.ok(r.failed <= ADDRESS_LIMIT, `checked ${r.failed} wrong passwords: ${r.statuses}`);
    assert.ok(r.ok <= 1, `${r.statuses}`);
    assert.ok(r.failed + r.ok >= 1, `${r.statuses}`);
  });
});

describe('device cookies: a stranger cannot lock the owner out', () => {
  const s = serverPerBlock();

  test('a successful sign-in sets pw_device: HttpOnly, SameSite=Lax, only for /api/v1/sessions, long-lived', async () => {
    const { email } = await signup(s.base);
    const res = await signIn(s.base, email, PASSWORD);
    assert.equal(res.status, 200, res.text);
    const line = deviceSetCookie(res);
    assert.ok(line, `${res.headers.getSetCookie()}`);
    const attrs = line.split(';').slice(1).map((a) => a.trim());
    assert.ok(attrs.includes('HttpOnly'), line);
    assert.ok(attrs.includes('SameSite=Lax'), line);
    assert.ok(attrs.includes('Path=/api/v1/sessions'), line);
    assert.ok(attrs.includes(`Max-Age=${365 * 24 * 3600}`), line);
    assert.ok(!attrs.includes('Secure'), 'plain HTTP without --cookie-secure: like the session cookie');
    assert.match(line.split(';')[0], /^pw_device=[A-Za-z0-9_-]{40,200}$/);
    // a failed sign-in sets none
    const failed = await signIn(s.base, email, 'not the password at all');
    assertError(failed, 401, 'invalid_credentials');
    assert.equal(deviceSetCookie(failed), undefined);
  });

  test("a stranger's 5 wrong passwords lock untrusted clients; the owner's browser still signs in", async () => {
    const { email } = await signup(s.base);
    const device = await deviceOf(s.base, email);
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) assertError(await signIn(s.base, email, wrong(i)), 401, 'invalid_credentials');
    assertRateLimited(await signIn(s.base, email, PASSWORD));                 // untrusted: locked
    const again = await deviceOf(s.base, email, device);                      // the owner: 200
    assert.notEqual(again, device, 'each sign-in gets a fresh device cookie');
    assertRateLimited(await signIn(s.base, email, PASSWORD));                 // the owner's success unlocks nobody else
    await deviceOf(s.base, email, again);
  });
});

describe("device cookies: a cookie's own failures lock that cookie only", () => {
  const s = serverPerBlock();

  test('5 wrong passwords with cookie A: A is 429, cookie B and untrusted clients still sign in', async () => {
    const { email } = await signup(s.base);
    const a = await deviceOf(s.base, email);
    const b = await deviceOf(s.base, email);
    for (let i = 0; i < DEVICE_LIMIT; i += 1) assertError(await signIn(s.base, email, wrong(i), a), 401, 'invalid_credentials');
    assertRateLimited(await signIn(s.base, email, PASSWORD, a));
    await deviceOf(s.base, email, b);
    await deviceOf(s.base, email);
  });

  test('parallel: 40 wrong passwords with one device cookie check exactly 5', async () => {
    const { email } = await signup(s.base);
    const device = await deviceOf(s.base, email);
    const r = await burst(s.base, Array.from({ length: BURST }, (_, i) => [email, wrong(i), device]));
    assert.equal(r.failed, DEVICE_LIMIT, `${r.statuses}`);
    assertRateLimited(await signIn(s.base, email, PASSWORD, device));
    await deviceOf(s.base, email);   // untrusted clients were not touched
  });
});

describe('device cookies: forged, foreign and broken ones count as untrusted', () => {
  const s = serverPerBlock();

  /** The cookie `value` rewritten to name `userId` (its MAC left as it was). */
  const renamed = (value, userId) => {
    const bytes = Buffer.from(value, 'base64url');
    bytes.writeBigUInt64BE(BigInt(userId), 1);
    return bytes.toString('base64url');
  };

  test("another account's cookie, one renamed to this account, or garbage: locked with untrusted clients", async () => {
    const victim = await signup(s.base);
    const other = await signup(s.base);
    const own = await deviceOf(s.base, victim.email);
    const foreign = await deviceOf(s.base, other.email);
    const forged = renamed(foreign, victim.user.id);
    assert.notEqual(forged, foreign);
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) {
      assertError(await signIn(s.base, victim.email, wrong(i)), 401, 'invalid_credentials');
    }
    for (const device of [foreign, forged, 'garbage', own.slice(0, -4), `${own}AAAA`]) {
      assertRateLimited(await signIn(s.base, victim.email, PASSWORD, device));
    }
    await deviceOf(s.base, victim.email, own);
    await deviceOf(s.base, other.email, foreign);   // the foreign cookie is fine for its own account
  });

  test("failures with a forged cookie count against the account's untrusted allowance", async () => {
    const victim = await signup(s.base);
    const other = await signup(s.base);
    const forged = renamed(await deviceOf(s.base, other.email), victim.user.id);
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) {
      assertError(await signIn(s.base, victim.email, wrong(i), forged), 401, 'invalid_credentials');
    }
    assertRateLimited(await signIn(s.base, victim.email, PASSWORD));
  });
});

describe('device cookies survive a restart (the secret is in the database)', () => {
  test('a cookie from before the restart is still trusted after it', async () => {
    let server = await startServer();
    const { db } = server;
    try {
      const { email } = await signup(server.base);
      const device = await deviceOf(server.base, email);
      await server.stop();
      server = await startServer({ db });
      for (let i = 0; i < ACCOUNT_LIMIT; i += 1) {
        assertError(await signIn(server.base, email, wrong(i)), 401, 'invalid_credentials');
      }
      assertRateLimited(await signIn(server.base, email, PASSWORD));
      await deviceOf(server.base, email, device);
    } finally {
      await server.stop();
    }
  });
});

describe('an attempt whose client leaves still counts', () => {
  const s = serverPerBlock();

  /** Starts a sign-in on `session`; resolves to its stream once the request is sent. */
  const send = (session, email, password) => new Promise((resolve) => {
    const stream = session.request({ ':method': 'POST', ':path': `${V1}/sessions`, 'content-type': 'application/json' });
    stream.on('error', () => {});
    stream.end(JSON.stringify({ email, password }), () => resolve(stream));
  });
  /** GET /healthz on `session`, to its answer. */
  const healthz = (session) => new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'GET', ':path': '/healthz' });
    stream.on('response', (h) => resolve(h[':status']));
    stream.on('error', reject);
    stream.resume();
  });

  test('5 wrong passwords over HTTP/2, reset while being checked: the right one is 429 after them', async () => {
    const { email } = await signup(s.base);
    const session = http2.connect(s.base);
    try {
      const streams = await Promise.all(Array.from({ length: ACCOUNT_LIMIT }, (_, i) => send(session, email, wrong(i))));
      // h2o runs a connection's requests in the order they came: once a later one is
      // answered, the five sign-ins have reached the handler (their hashes take longer).
      assert.equal(await healthz(session), 200);
      await Promise.all(streams.map((stream) => new Promise((resolve) => {
        if (stream.closed) return resolve();
        stream.on('close', resolve);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      })));
    } finally {
      session.close();
    }
    // Each of the five is in flight or has failed by now, answered or not: either way no
    // place is left for a sixth (before the fix, a reset attempt was never counted).
    assertRateLimited(await signIn(s.base, email, PASSWORD));
  });
});
