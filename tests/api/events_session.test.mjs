// events_session.test.mjs — a GET /api/v1/events stream lives only as long as its session
// (docs/internals/events.md, "A stream"): signing out ends the streams opened with that
// session at once (and only those: the user's other session keeps its stream, which gets no
// trace of the sign-out), and a stream whose session expires (idle: --dev-clock moved past
// PW_SESSION_IDLE_S) ends within a heartbeat. Both streams end from the server's side; the
// test waits for the end of the body, never for a time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { EventStream } from './event_stream.mjs';
import { PASSWORD, V1, api, assertError, login, signupAndLogin } from './helpers.mjs';
import { advance, deposit, startMarket } from './lifecycle_helpers.mjs';

const WAIT_MS = 10_000;
const IDLE_S = 24 * 3600; // PW_SESSION_IDLE_S

const open = [];
async function openStream(base, token) {
  const controller = new AbortController();
  const res = await fetch(`${base}${V1}/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  assert.equal(res.status, 200, `GET /events: ${res.status}`);
  const s = new EventStream(res, controller, { waitMs: WAIT_MS });
  open.push(s);
  await s.waitFor(() => s.frames.length > 0, 'the first bytes'); // retry: — the stream is registered
  return s;
}

describe('an event stream ends with its session', () => {
  let server;
  before(async () => { server = await startMarket({ args: ['--dev-clock', '--events-heartbeat-ms', '200'] }); });
  after(async () => { for (const s of open) s.close(); await server?.stop(); });

  test('sign-out ends the streams of that session, not those of the user\'s other session', async () => {
    const base = server.base;
    const a = await signupAndLogin(base, { display_name: 'Two Tabs' });
    const b = await login(base, a.email, PASSWORD);
    const onA = await openStream(base, a.token);
    const onA2 = await openStream(base, a.token);
    const onB = await openStream(base, b.token);

    const out = await api(base, 'DELETE', `${V1}/sessions/current`, { token: a.token });
    assert.equal(out.status, 204, out.text);
    await onA.waitFor(() => onA.ended, 'the end of the signed-out session\'s stream');
    await onA2.waitFor(() => onA2.ended, 'the end of its second stream');
    assert.ok(!onA.aborted && !onA2.aborted, 'the server ended them');

    // The other session's stream is still open and live: a wallet movement reaches it.
    await deposit(base, b.token, 500);
    await onB.waitFor(() => onB.events.some((f) => f.event === 'wallet'), 'the wallet event on the other session');
    assert.equal(onB.ended, false);
    assert.ok(!onB.events.some((f) => f.event === 'session'), 'the sign-out signal is never sent');
    assert.ok(!onA.events.some((f) => f.event === 'wallet'), 'nothing after the sign-out on the ended stream');
    // And the signed-out token opens no new stream.
    assertError(await api(base, 'GET', `${V1}/events`, { token: a.token }), 401, 'unauthenticated');
  });

  test('a stream whose session expires ends within a heartbeat', async () => {
    const base = server.base;
    const u = await signupAndLogin(base, { display_name: 'Idle' });
    const s = await openStream(base, u.token);
    // Live, it outlasts heartbeats (each one checks the session again).
    await s.waitFor(() => s.frames.filter((f) => f.comment === 'ping').length >= 3, 'three heartbeats');
    assert.equal(s.ended, false);
    await advance(base, IDLE_S + 60);
    await s.waitFor(() => s.ended, 'the end of the expired session\'s stream');
    assert.ok(!s.aborted, 'the server ended it');
    assertError(await api(base, 'GET', `${V1}/me`, { token: u.token }), 401, 'unauthenticated');
  });
});
