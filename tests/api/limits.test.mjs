// limits.test.mjs — what the server does with bad bodies (malformed JSON, wrong shapes,
// nesting, size, media type) and sign-in throttling per e-mail and per IP.
//
// Throttling state is per server, and all tests come from 127.0.0.1, so each throttling
// scenario gets its own server.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';

import {
  PASSWORD, V1, api, assertError, login, rawExchange, serverPerSuite, signup, signupBody, startServer, uniqueEmail,
} from './helpers.mjs';

const JSON_TYPE = { 'content-type': 'application/json' };

/** An answer h2o gives while reading the request, before any route: still the API's shape. */
function assertTransportError(res, status, code) {
  assert.equal(res.status, status, `status; ${JSON.stringify(res)}`);
  assert.equal(res.headers['content-type'], 'application/json', JSON.stringify(res));
  assert.equal(res.headers['x-content-type-options'], 'nosniff', JSON.stringify(res));
  assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, JSON.stringify(res));
  const json = JSON.parse(res.body);
  assert.equal(json.error.code, code, res.body);
  assert.ok(json.error.message.length > 0, res.body);
}
const BODY_CAP = 16 * 1024;

describe('request bodies', () => {
  let server;
  let base;
  serverPerSuite((s) => { server = s; base = s.base; });

  const postRaw = (path, rawBody, headers = JSON_TYPE) => api(base, 'POST', `${V1}${path}`, { rawBody, headers });

  describe('malformed JSON -> 400 malformed_json', () => {
    const valid = JSON.stringify(signupBody());
    const cases = [
      ['empty body', ''],
      ['whitespace only', '   \n'],
      ['truncated', valid.slice(0, -1)],
      ['trailing garbage', `${valid} x`],
      ['two objects', `${valid}${valid}`],
      ['single quotes', "{'email': 'a@example.test'}"],
      ['trailing comma', '{"email": "a@example.test",}'],
      ['unquoted key', '{email: "a@example.test"}'],
      ['comment', '{"email": "a@example.test" /* hi */}'],
      ['NaN', '{"email": NaN}'],
      ['bare word', 'hello'],
      ['lone surrogate escape', '{"display_name": "\\ud800"}'],
    ];
    for (const [name, raw] of cases) {
      test(name, async () => {
        assertError(await postRaw('/users', raw), 400, 'malformed_json');
      });
    }

    test('invalid UTF-8', async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"email":"a@example.test","password":"correct horse battery","display_name":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('","roles":["client"]}'),
      ]);
      assertError(await postRaw('/users', bytes), 400, 'malformed_json');
    });

    test('duplicate keys -> 400', async () => {
      const raw = `{"email":"${uniqueEmail()}","email":"${uniqueEmail()}","password":"${PASSWORD}",`
        + '"display_name":"Dup","roles":["client"]}';
      assertError(await postRaw('/users', raw), 400, 'malformed_json');
    });

    test('no body at all (no Content-Length, no content type)', async () => {
      assertError(await api(base, 'POST', `${V1}/users`, { headers: JSON_TYPE }), 400, 'malformed_json');
    });
  });

  describe('nesting depth', () => {
    const nested = (depth) => {
      // depth counts containers: the outer object is level 1
      let inner = '0';
      for (let i = 1; i < depth; i += 1) inner = `[${inner}]`;
      return `{"extra":${inner}}`;
    };

    test('depth 20 -> 400 malformed_json', async () => {
      assertError(await postRaw('/users', nested(20)), 400, 'malformed_json');
    });

    test('depth 8 000 -> 400 malformed_json (no stack blow-up)', async () => {
      const raw = `${'['.repeat(8000)}${']'.repeat(8000)}`;
      assertError(await postRaw('/users', raw), 400, 'malformed_json');
      const health = await api(base, 'GET', '/healthz');
      assert.equal(health.status, 200, 'server still up');
    });

    test('a shallow body is not refused for depth', async () => {
      // depth 3: object -> array -> array; the server then judges the content, not the nesting
      const body = { ...signupBody(), extra: [[0]] };
      const res = await api(base, 'POST', `${V1}/users`, { body });
      assert.notEqual(res.json?.error?.code, 'malformed_json', res.text);
    });
  });

  describe('body must be a JSON object -> 400 wrong_type', () => {
    for (const [name, raw] of [
      ['array', JSON.stringify([signupBody()])],
      ['empty array', '[]'],
      ['string', '"hello"'],
      ['number', '42'],
      ['null', 'null'],
      ['true', 'true'],
    ]) {
      test(name, async () => {
        assertError(await postRaw('/users', raw), 400, 'wrong_type');
      });
    }
    test('sign-in with an array body', async () => {
      assertError(await postRaw('/sessions', '[]'), 400, 'wrong_type');
    });
  });

  describe('body size cap (16 KiB)', () => {
    // A valid sign-up padded with whitespace to exactly `size` bytes.
    const padded = (size) => {
      const json = JSON.stringify(signupBody());
      assert.ok(json.length < size);
      return json.slice(0, -1) + ' '.repeat(size - json.length) + '}';
    };

    test('20 KiB -> 413 payload_too_large', async () => {
      const body = signupBody({ display_name: 'x'.repeat(20 * 1024) });
      const res = await api(base, 'POST', `${V1}/users`, { body });
      assertError(res, 413, 'payload_too_large');
    });

    test('exactly 16 KiB is accepted', async () => {
      const raw = padded(BODY_CAP);
      assert.equal(Buffer.byteLength(raw), BODY_CAP);
      const res = await postRaw('/users', raw);
      assert.equal(res.status, 201, res.text);
    });

    test('16 KiB + 1 byte -> 413', async () => {
      const raw = padded(BODY_CAP + 1);
      assertError(await postRaw('/users', raw), 413, 'payload_too_large');
    });

    test('chunked body over the cap (no Content-Length) -> 413', async () => {
      const chunk = Buffer.from(' '.repeat(4096));
      let sent = 0;
      const stream = new ReadableStream({
        pull(controller) {
          if (sent === 0) controller.enqueue(Buffer.from('{"display_name":"x"'));
          if (sent >= 8) {
            controller.enqueue(Buffer.from('}'));
            controller.close();
            return;
          }
          controller.enqueue(chunk);
          sent += 1;
        },
      });
      assertError(await api(base, 'POST', `${V1}/users`, { rawBody: stream, headers: JSON_TYPE }),
        413, 'payload_too_large');
    });

    test('2 MiB (past the transport cap) -> 413, server still up', async () => {
      const raw = `{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`;
      let res;
      try {
        res = await postRaw('/users', raw);
      } catch {
        res = 'connection closed';   // closing the connection after a 413 may cut the upload
      }
      if (res !== 'connection closed') assertError(res, 413, 'payload_too_large');
      assert.equal((await api(base, 'GET', '/healthz')).status, 200);
    });

    test('a Content-Length past the transport cap is answered before the body: 413 in the API shape', async () => {
      const res = await rawExchange(server.port, 'POST /api/v1/users HTTP/1.1\r\nHost: t\r\n'
        + `Content-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n{"x":`);
      assertTransportError(res, 413, 'payload_too_large');
    });

    test('broken chunked encoding -> 400 malformed_request in the API shape', async () => {
      const res = await rawExchange(server.port, 'POST /api/v1/users HTTP/1.1\r\nHost: t\r\n'
        + 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n');
      assertTransportError(res, 400, 'malformed_request');
    });

    test('a Content-Length that is not a number -> 400 malformed_request in the API shape', async () => {
      const res = await rawExchange(server.port, 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\n'
        + 'Content-Type: application/json\r\nContent-Length: 12abc\r\n\r\n{}');
      assertTransportError(res, 400, 'malformed_request');
      assert.equal((await api(base, 'GET', '/healthz')).status, 200);
    });
  });

  describe('media type', () => {
    const raw = () => JSON.stringify(signupBody());

    test('no Content-Type -> 415 unsupported_media_type', async () => {
      assertError(await postRaw('/users', raw(), {}), 415, 'unsupported_media_type');
    });

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'application/jsonp', 'application/json-patch+json']) {
      test(`${type} -> 415`, async () => {
        assertError(await postRaw('/users', raw(), { 'content-type': type }), 415, 'unsupported_media_type');
      });
    }

    test('application/json; charset=utf-8 is accepted', async () => {
      const res = await postRaw('/users', raw(), { 'content-type': 'application/json; charset=utf-8' });
      assert.equal(res.status, 201, res.text);
    });

    test('an HTML form post cannot create a session (CSRF via simple request)', async () => {
      const res = await postRaw('/sessions', `email=a%40example.test&password=${encodeURIComponent(PASSWORD)}`,
        { 'content-type': 'application/x-www-form-urlencoded' });
      assertError(res, 415, 'unsupported_media_type');
    });
  });

  describe('strings at their limits', () => {
    // 64-byte local part @ 189-byte domain (labels of 63, 63, 56 and "test"): 254 bytes
    const emailOfLength = (extra) => {
      const local = `u${Date.now()}${Math.random().toString(36).slice(2, 8)}`.padEnd(64, 'x');
      const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(56 - extra)}.test`;
      return `${local}@${domain}`;
    };

    test('e-mail of exactly 254 bytes is accepted', async () => {
      const email = emailOfLength(0);
      assert.equal(email.length, 254);
      const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email }) });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.email, email);
    });

    test('e-mail of 255 bytes -> 422 email', async () => {
      const email = emailOfLength(-1);
      assert.equal(email.length, 255);
      const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ email }) });
      assertError(res, 422, 'validation_failed', 'email');
    });

    test('password of 600 bytes (over any sane cap) -> 422 password', async () => {
      const res = await api(base, 'POST', `${V1}/users`, { body: signupBody({ password: 'p'.repeat(600) }) });
      assertError(res, 422, 'validation_failed', 'password');
    });
  });
});

describe('a flood of sign-ups (the password-hash queue, PW_HASH_QUEUE_MAX 64)', () => {
  test('past the queue: 429 rate_limited with Retry-After, nothing half-written; the rest succeed', async () => {
    const server = await startServer();
    try {
      const bodies = Array.from({ length: 160 }, () => signupBody());
      const answers = await Promise.all(bodies.map((body) => api(server.base, 'POST', `${V1}/users`, { body })));
      const by = (status) => answers.filter((a) => a.status === status);
      assert.deepEqual([...new Set(answers.map((a) => a.status))].sort(), [201, 429],
        `statuses: ${JSON.stringify(answers.map((a) => a.status))}`);
      assert.ok(by(201).length >= 64, `${by(201).length} sign-ups got through`);
      for (const a of by(429)) {
        assertError(a, 429, 'rate_limited');
        assert.ok(Number(a.headers.get('retry-after')) >= 1, 'Retry-After');
      }
      // a refused sign-up left nothing behind: the same e-mail signs up now
      const refused = bodies[answers.findIndex((a) => a.status === 429)];
      assert.equal((await api(server.base, 'POST', `${V1}/users`, { body: refused })).status, 201);
    } finally {
      await server.stop();
    }
  });
});

describe('a client that trickles its request (slowloris)', () => {
  test('is cut off before it has sent it, with no answer (PW_HTTP_REQUEST_TIMEOUT_MS, 10 s)', async () => {
    const server = await startServer();
    try {
      // 150 bytes of headers, one every 150 ms: 22 s to send it all, never a whole request
      const head = `GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ${'a'.repeat(120)}`;
      const outcome = await new Promise((resolve, reject) => {
        const sock = connect(server.port, '127.0.0.1');
        let sent = 0;
        let answer = '';
        const timer = setInterval(() => {
          if (sent >= head.length) {
            clearInterval(timer);
            sock.destroy();
            resolve({ cut: false, sent, answer });
            return;
          }
          sock.write(head[sent++]);
        }, 150);
        sock.on('data', (d) => { answer += d.toString('latin1'); });
        sock.on('close', () => { clearInterval(timer); resolve({ cut: sent < head.length, sent, answer }); });
        sock.on('error', (e) => { if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e); });
      });
      assert.ok(outcome.cut, `the server let a trickling client go on (${outcome.sent} bytes sent)`);
      assert.equal(outcome.answer, '', 'no answer to a request that never arrived');
      assert.equal((await api(server.base, 'GET', '/healthz')).status, 200);
    } finally {
      await server.stop();
    }
  });
});

describe('sign-in throttling per e-mail', () => {
  let server;
  serverPerSuite((s) => { server = s; });

  const attempt = (email, password) => api(server.base, 'POST', `${V1}/sessions`, { body: { email, password } });

  const assertRateLimited = (res) => {
    assertError(res, 429, 'rate_limited');
    const retry = res.headers.get('retry-after');
    assert.match(retry ?? '', /^\d+$/, `Retry-After: ${retry}`);
    assert.ok(Number(retry) >= 1 && Number(retry) <= 900, `Retry-After ${retry} within the 15 min window`);
  };

  test('5 failures, then 429 with Retry-After even for the right password', async () => {
    const { email } = await signup(server.base);
    for (let i = 1; i <= 5; i += 1) {
      assertError(await attempt(email, `wrong password ${i}!`), 401, 'invalid_credentials');
    }
    assertRateLimited(await attempt(email, PASSWORD));
    assertRateLimited(await attempt(email, 'still the wrong one'));
    assertRateLimited(await attempt(email.toUpperCase(), PASSWORD));   // same account, other spelling
  });

  test('an unknown e-mail is locked the same way (no account enumeration)', async () => {
    const email = uniqueEmail('ghost');
    for (let i = 1; i <= 5; i += 1) {
      assertError(await attempt(email, `wrong password ${i}!`), 401, 'invalid_credentials');
    }
    assertRateLimited(await attempt(email, PASSWORD));
  });

  test('a locked e-mail does not lock other accounts', async () => {
    const { email } = await signup(server.base);
    const session = await login(server.base, email);
    assert.ok(session.token);
  });

  test('4 failures then the right password still signs in', async () => {
    const { email } = await signup(server.base);
    for (let i = 1; i <= 4; i += 1) {
      assertError(await attempt(email, `wrong password ${i}!`), 401, 'invalid_credentials');
    }
    const res = await attempt(email, PASSWORD);
    assert.equal(res.status, 200, res.text);
  });
});

describe('sign-in throttling per IP', () => {
  let server;
  serverPerSuite((s) => { server = s; });

  test('20 failures from one address (distinct e-mails), then 429 for everyone from it', async () => {
    const { email } = await signup(server.base);
    for (let i = 1; i <= 20; i += 1) {
      const res = await api(server.base, 'POST', `${V1}/sessions`, {
        body: { email: uniqueEmail(`ip${i}`), password: 'not the password' },
      });
      assertError(res, 401, 'invalid_credentials');
    }
    const res = await api(server.base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD } });
    assertError(res, 429, 'rate_limited');
    assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
  });
});

describe('throttle window ends after 15 minutes (dev clock)', () => {
  let server;
  serverPerSuite((s) => { server = s; }, { options: { args: ['--dev-clock'] } });

  test('locked e-mail signs in again once the window has passed', async () => {
    const { email } = await signup(server.base);
    for (let i = 1; i <= 5; i += 1) {
      await api(server.base, 'POST', `${V1}/sessions`, { body: { email, password: 'wrong wrong wrong' } });
    }
    const locked = await api(server.base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD } });
    assertError(locked, 429, 'rate_limited');

    const tick = await api(server.base, 'POST', `${V1}/dev/clock`, { body: { advance_s: 15 * 60 + 1 } });
    assert.ok(tick.status >= 200 && tick.status < 300, tick.text);
    const res = await api(server.base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD } });
    assert.equal(res.status, 200, res.text);
  });
});
