// nul_bytes.test.mjs — a NUL byte anywhere in what a client sends is refused, named, and
// changes nothing (issue 12, defect 6). C reads a string up to its first NUL, so before the
// fix "EUR\u0000junk" booked EUR, a deadline with a NUL suffix was accepted, and
// GET /tasks/{id}%00 or ?role=client%00 answered 200.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { V1, api, assertError, serverPerSuite, signupBody, uniqueEmail } from './helpers.mjs';
import { balance, makeClient, ok, postTask, serverNow, startMarket, taskBody } from './lifecycle_helpers.mjs';

let base;
let client;
let task;
let now;
serverPerSuite(async (s) => {
  base = s.base;
  client = await makeClient(base, { money: 50_000 });
  now = await serverNow(base);
  task = await postTask(base, client.token, taskBody(now));
}, { start: startMarket });

const money = (currency) => ({ kind: 'money', amount: 1500, currency });

describe('a string holding a NUL is a 422 naming its field, and nothing changes', () => {
  test('POST /tasks with currency "EUR\\u0000junk": no task, no hold', async () => {
    const before = await balance(base, client.token);
    const listBefore = ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: client.token }));
    const res = await api(base, 'POST', `${V1}/tasks`, {
      token: client.token, body: taskBody(now, { compensation: money('EUR\u0000junk') }),
    });
    assertError(res, 422, 'validation_failed', 'compensation.currency');
    assert.match(res.json.error.message, /NUL/);
    assert.deepEqual(await balance(base, client.token), before);
    const listAfter = ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: client.token }));
    assert.deepEqual(listAfter.items.map((t) => t.id), listBefore.items.map((t) => t.id));
  });

  test('a deadline with a NUL suffix', async () => {
    const deadline = `${new Date(now + 3600_000).toISOString()}\u0000tomorrow`;
    assertError(await api(base, 'POST', `${V1}/tasks`, { token: client.token, body: taskBody(now, { deadline }) }),
      422, 'validation_failed', 'deadline');
  });

  test('a NUL in a tag, in a field no validator reads, and deep inside an object', async () => {
    for (const [overrides, field] of [
      [{ skills: ['plumbing', 'tiles\u0000'] }, 'skills'],
      [{ unknown_extra: 'x\u0000' }, 'unknown_extra'],
      [{ location: { lat: 52.1, lon: 4.3, note: { deeper: '\u0000' } } }, 'location.note.deeper'],
    ]) {
      assertError(await api(base, 'POST', `${V1}/tasks`, { token: client.token, body: taskBody(now, overrides) }),
        422, 'validation_failed', field);
    }
  });

  test('sign-up with a NUL in the display name creates no account', async () => {
    const email = uniqueEmail('nul');
    const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email, display_name: 'Ann\u0000Admin' }) });
    assertError(res, 422, 'validation_failed', 'display_name');
    ok(await api(base, 'POST', `${V1}/users`, { body: signupBody({ email }) }), 201, 'the e-mail is still free');
  });

  test('a deposit in "EUR\\u0000" moves nothing', async () => {
    const before = await balance(base, client.token);
    assertError(await api(base, 'POST', `${V1}/wallet/deposits`, { token: client.token, body: { amount: 100, currency: 'EUR\u0000' } }),
      422, 'validation_failed', 'currency');
    assert.deepEqual(await balance(base, client.token), before);
  });

  test('a NUL in an object key is malformed JSON (400)', async () => {
    assertError(await api(base, 'POST', `${V1}/wallet/deposits`, {
      token: client.token, rawBody: '{"amount\\u0000":100,"currency":"EUR"}', headers: { 'content-type': 'application/json' },
    }), 400, 'malformed_json');
  });
});

describe('a NUL in the path or a query value is a 400', () => {
  test('GET /tasks/{id}%00', async () => {
    ok(await api(base, 'GET', `${V1}/tasks/${task.id}`, { token: client.token }), 200, 'the task itself');
    assertError(await api(base, 'GET', `${V1}/tasks/${task.id}%00`, { token: client.token }), 400, 'malformed_request', 'path');
    assertError(await api(base, 'GET', `${V1}/tasks/${task.id}%00/messages`, { token: client.token }), 400, 'malformed_request', 'path');
  });

  test('?role=client%00 and ?limit=5%00', async () => {
    ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: client.token }), 200, 'the list itself');
    assertError(await api(base, 'GET', `${V1}/tasks?role=client%00`, { token: client.token }), 400, 'malformed_request', 'role');
    assertError(await api(base, 'GET', `${V1}/tasks?role=client&limit=5%00`, { token: client.token }), 400, 'malformed_request', 'limit');
    // the same text without a NUL is an ordinary value
    ok(await api(base, 'GET', `${V1}/tasks?role=client&limit=5%30`, { token: client.token }), 200, '%30 is "0"');
  });

  test('no sign-in needed to be refused, and the answer is the same for anyone', async () => {
    assertError(await api(base, 'GET', `${V1}/users/1%00`), 400, 'malformed_request', 'path');
  });
});
