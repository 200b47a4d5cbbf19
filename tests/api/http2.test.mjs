// http2.test.mjs — the same API over HTTP/2 (h2c with prior knowledge, which h2o accepts
// on the plain port): many requests multiplexed on one connection, writes that wait on the
// writer while other streams go on, Idempotency-Keys across streams, and a client that
// drops the connection with writes in flight.

import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { describe, test } from 'node:test';

import { V1, serverPerSuite, signupAndLogin } from './helpers.mjs';

let server;
let user;
serverPerSuite(async (s) => {
  server = s;
  user = await signupAndLogin(s.base);
});

/** One request on `session`: { status, json, headers }. */
function request(session, method, path, { token, body, key } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { ':method': method, ':path': path };
    if (token) headers.authorization = `Bearer ${token}`;
    if (key) headers['idempotency-key'] = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const stream = session.request(headers);
    let status;
    let head;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => { status = h[':status']; head = h; });
    stream.on('data', (d) => { text += d; });
    let done = false;
    stream.on('end', () => { done = true; resolve({ status, headers: head, json: text ? JSON.parse(text) : undefined }); });
    stream.on('error', reject);
    stream.on('close', () => { if (!done) reject(new Error('stream closed before its answer')); });
    stream.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const connect = () => new Promise((resolve, reject) => {
  const session = http2.connect(server.base);
  session.once('connect', () => resolve(session));
  session.once('error', reject);
});

const available = async (session) =>
  (await request(session, 'GET', `${V1}/wallet`, { token: user.token })).json.balances
    .find((b) => b.currency === 'EUR')?.available ?? 0;

describe('HTTP/2 (h2c)', () => {
  test('reads and writes multiplexed on one connection: every one answered, every write applied once', async () => {
    const session = await connect();
    try {
      const before = await available(session);
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 3 === 0
        ? request(session, 'GET', '/healthz')
        : request(session, 'POST', `${V1}/wallet/deposits`, { token: user.token, body: { amount: 1, currency: 'EUR' } }))));
      assert.deepEqual(answers.filter((a) => a.status === 200).length, 20);
      assert.deepEqual(answers.filter((a) => a.status === 201).length, 40, JSON.stringify(answers.map((a) => a.status)));
      for (const a of answers) assert.equal(a.headers['x-content-type-options'], 'nosniff');
      assert.equal(await available(session), before + 40);
    } finally {
      session.close();
    }
  });

  test('one Idempotency-Key on 20 concurrent streams moves the money once', async () => {
    const session = await connect();
    try {
      const before = await available(session);
      const answers = await Promise.all(Array.from({ length: 20 }, () => request(session, 'POST',
        `${V1}/wallet/deposits`, { token: user.token, key: 'h2-burst', body: { amount: 7, currency: 'EUR' } })));
      assert.ok(answers.every((a) => a.status === 201), JSON.stringify(answers.map((a) => a.status)));
      assert.equal(new Set(answers.map((a) => a.json.id)).size, 1, 'one deposit, the same answer to all');
      assert.equal(await available(session), before + 7);
    } finally {
      session.close();
    }
  });

  test('a client that drops the connection with writes in flight: they commit once, the server goes on', async () => {
    const session = await connect();
    const before = await available(session);
    const pending = Array.from({ length: 30 }, (_, i) => request(session, 'POST', `${V1}/wallet/deposits`,
      { token: user.token, key: `h2-drop-${i}`, body: { amount: 1, currency: 'EUR' } }).catch(() => 'dropped'));
    session.destroy();
    await Promise.all(pending);
    // whatever reached the writer committed; replaying every key shows which, and adds nothing
    const again = await connect();
    try {
      const mid = await available(again);
      assert.ok(mid >= before && mid <= before + 30, `balance ${mid}, before ${before}`);
      const replays = await Promise.all(Array.from({ length: 30 }, (_, i) => request(again, 'POST',
        `${V1}/wallet/deposits`, { token: user.token, key: `h2-drop-${i}`, body: { amount: 1, currency: 'EUR' } })));
      assert.ok(replays.every((a) => a.status === 201));
      assert.equal(await available(again), before + 30, 'each key applied exactly once in the end');
      assert.equal((await request(again, 'GET', '/healthz')).status, 200);
    } finally {
      again.close();
    }
  });
});
