// ops.test.mjs — health, metrics, security headers, request ids, routing errors (404,
// 405 + Allow) and the static interface at /.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import {
  BINARY, ROOT, V1, api, assertError, metricValue, runServe, serverPerSuite, signupAndLogin,
} from './helpers.mjs';

let server;
let base;
serverPerSuite((s) => { server = s; base = s.base; });

/** Sends `request` verbatim and resolves to everything the server wrote back. */
function rawRequest(port, request) {
  return new Promise((res, rej) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => { reply += d; });
    socket.on('end', () => res(reply));
    socket.on('error', rej);
    socket.setTimeout(5000, () => { socket.destroy(); res(reply); });
  });
}

function assertSecurityHeaders(res, what) {
  const h = res.headers;
  const csp = h.get('content-security-policy');
  assert.ok(csp, `${what}: content-security-policy missing`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP ${csp}`);
  assert.equal(h.get('x-content-type-options'), 'nosniff', `${what}: x-content-type-options`);
  assert.ok(h.get('referrer-policy'), `${what}: referrer-policy missing`);
  assert.ok(h.get('x-frame-options'), `${what}: x-frame-options missing`);
}

describe('GET /healthz', () => {
  test('200 {"status":"ok"}', async () => {
    const res = await api(base, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(res.json, { status: 'ok' });
  });
});

describe('GET /metrics', () => {
  test('Prometheus text with the request counter and the histograms', async () => {
    await api(base, 'GET', '/healthz');
    await signupAndLogin(base);   // makes the writer commit at least one batch
    const res = await api(base, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    const text = res.text;

    assert.match(text, /^# TYPE pw_http_requests_total counter$/m);
    assert.ok(metricValue(text, 'pw_http_requests_total', { route: '/healthz', status: '200' }) >= 1,
      'pw_http_requests_total{route="/healthz",status="200"}');

    for (const hist of ['pw_http_request_duration_seconds', 'pw_db_commit_batch_jobs', 'pw_db_commit_seconds']) {
      assert.match(text, new RegExp(`^# TYPE ${hist} histogram$`, 'm'), `${hist} TYPE line`);
      assert.match(text, new RegExp(`^${hist}_bucket\\{[^}]*le="\\+Inf"[^}]*\\} \\d+$`, 'm'), `${hist} +Inf bucket`);
      assert.match(text, new RegExp(`^${hist}_sum(\\{[^}]*\\})? [0-9.e+-]+$`, 'm'), `${hist}_sum`);
      assert.match(text, new RegExp(`^${hist}_count(\\{[^}]*\\})? \\d+$`, 'm'), `${hist}_count`);
    }
    const commits = /^pw_db_commit_batch_jobs_count(?:\{[^}]*\})? (\d+)$/m.exec(text);
    assert.ok(Number(commits[1]) >= 1, 'at least one commit batch after a sign-up');
  });

  test('the counter counts: three more healthz calls add three', async () => {
    const read = async () => metricValue((await api(base, 'GET', '/metrics')).text, 'pw_http_requests_total',
      { route: '/healthz', status: '200' }) ?? 0;
    const before = await read();
    for (let i = 0; i < 3; i += 1) await api(base, 'GET', '/healthz');
    assert.equal(await read(), before + 3);
  });

  test('labels are route patterns, not raw paths (bounded cardinality)', async () => {
    const marker = `nope-${Date.now()}`;
    await api(base, 'GET', `${V1}/${marker}`);
    const text = (await api(base, 'GET', '/metrics')).text;
    assert.ok(!text.includes(marker), 'an unknown path must not become a label value');
  });
});

describe('security headers and request ids', () => {
  test('present on API successes, errors, health, metrics and the interface', async () => {
    const { token } = await signupAndLogin(base);
    const apiResponses = {
      'GET /healthz': await api(base, 'GET', '/healthz'),
      'GET /metrics': await api(base, 'GET', '/metrics'),
      'GET /me 200': await api(base, 'GET', `${V1}/me`, { token }),
      'GET /me 401': await api(base, 'GET', `${V1}/me`),
      'GET /nope 404': await api(base, 'GET', `${V1}/nope`),
      'GET /users 405': await api(base, 'GET', `${V1}/users`),
      'POST /users 422': await api(base, 'POST', `${V1}/users`, { body: {} }),
      'POST /users 400': await api(base, 'POST', `${V1}/users`, {
        rawBody: '{', headers: { 'content-type': 'application/json' },
      }),
      'POST /users 415': await api(base, 'POST', `${V1}/users`, { rawBody: '{}' }),
      'DELETE /sessions/current 204': await api(base, 'DELETE', `${V1}/sessions/current`, { token }),
    };
    const staticResponses = {
      'GET /': await api(base, 'GET', '/'),
      'GET /no-such-file.js': await api(base, 'GET', '/no-such-file.js'),
    };
    for (const [what, res] of Object.entries({ ...apiResponses, ...staticResponses })) {
      assertSecurityHeaders(res, what);
    }

    const ids = Object.entries(apiResponses).map(([what, res]) => {
      const id = res.headers.get('x-request-id');
      assert.ok(id, `${what}: x-request-id missing`);
      return id;
    });
    assert.equal(new Set(ids).size, ids.length, `request ids are unique: ${ids}`);
  });

  test('API answers are not cacheable', async () => {
    const { token } = await signupAndLogin(base);
    const res = await api(base, 'GET', `${V1}/me`, { token });
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
  });
});

describe('routing errors', () => {
  test('unknown API route -> 404 not_found JSON', async () => {
    for (const path of [`${V1}/nope`, `${V1}/users/x/y/z`, '/api/v2/users', '/api', `${V1}/`]) {
      const res = await api(base, 'GET', path);
      assertError(res, 404, 'not_found');
    }
  });

  test('GET /users -> 405 method_not_allowed with Allow: POST', async () => {
    const res = await api(base, 'GET', `${V1}/users`);
    assertError(res, 405, 'method_not_allowed');
    const allow = (res.headers.get('allow') ?? '').split(',').map((s) => s.trim());
    assert.ok(allow.includes('POST'), `Allow: ${res.headers.get('allow')}`);
    assert.ok(!allow.includes('GET'), `Allow: ${res.headers.get('allow')}`);
  });

  test('other wrong methods -> 405 with the right Allow', async () => {
    const cases = [
      ['PUT', `${V1}/me`, 'GET'],
      ['GET', `${V1}/sessions`, 'POST'],
      ['PUT', `${V1}/sessions/current`, 'DELETE'],
      ['POST', '/healthz', 'GET'],
    ];
    for (const [method, path, expected] of cases) {
      const res = await api(base, method, path, method === 'GET' ? {} : { body: {} });
      assertError(res, 405, 'method_not_allowed');
      const allow = (res.headers.get('allow') ?? '').split(',').map((s) => s.trim());
      assert.ok(allow.includes(expected), `${method} ${path}: Allow: ${res.headers.get('allow')}`);
    }
  });

  test('an overlong path segment is a clean 4xx', async () => {
    const res = await api(base, 'GET', `${V1}/users/${'x'.repeat(4000)}`);
    assert.ok(res.status >= 400 && res.status < 500, `${res.status}`);
  });
});

describe('the interface', () => {
  test('GET / serves web/dist/index.html (the built app) as text/html', async () => {
    const res = await api(base, 'GET', '/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.equal(res.text, readFileSync(join(ROOT, 'web', 'dist', 'index.html'), 'utf8'));
  });

  test('no path traversal out of web/', async () => {
    // fetch normalises "..", so send the request line as-is over a socket
    for (const path of ['/../CMakeLists.txt', '/%2e%2e/CMakeLists.txt', '/..%2fCMakeLists.txt',
      '/%2e%2e%2fCMakeLists.txt', '//etc/passwd']) {
      const reply = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.ok(!reply.includes('cmake_minimum_required') && !reply.includes('root:'),
        `${path} leaked a file outside web/`);
    }
  });
});

describe('serve configuration', () => {
  test('bad --dispatch-weights or PEERWORK_DISPATCH_WEIGHTS: exit 2 with the reason, nothing served', () => {
    const cases = [
      [['--dispatch-weights', 'fit=1.5.2'], {}, /--dispatch-weights: fit must be a number from 0 to 10/],
      [['--dispatch-weights', 'bad_pairing=3'], {}, /bad_pairing must be a number from 0 to 1/],
      [['--dispatch-weights', 'colour=1'], {}, /'colour=1' is not KEY=VALUE/],
      [[], { PEERWORK_DISPATCH_WEIGHTS: 'earned_half=0' }, /PEERWORK_DISPATCH_WEIGHTS: earned_half must be a number from 1/],
      [[], { PEERWORK_DISPATCH_WEIGHTS: 'fit=0,distance=0,reputation=0,reliability=0,fairness=0' },
        /at least one of fit, distance, reputation, reliability, fairness must be above 0/],
    ];
    for (const [args, env, message] of cases) {
      const run = runServe(args, env);
      assert.equal(run.status, 2, `${args.join(' ')} ${JSON.stringify(env)}: status ${run.status} ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });

  test('serve --help names --dispatch-weights', () => {
    const run = spawnSync(BINARY, ['serve', '--help'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /--dispatch-weights W/);
  });
});
