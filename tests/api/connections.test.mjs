// connections.test.mjs — HTTP/1 connections whose request waits on another thread (the
// writer, the password-hash pool). While such a request waits, the server keeps the
// connection registered for reading (src/http/call.c, "keeping a waiting connection
// registered"); these tests hold it to what h2o does without that: pipelined requests are
// answered in order, bytes that arrive while a request waits are kept for the next
// request, a client that leaves does not undo a committed write, and the server goes on.
// Also: connections are spread over the loops, and their number is capped.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import {
  BINARY, PASSWORD, ROOT, V1, api, metricValue, rawExchange, runServe, serverPerSuite, signupAndLogin, startServer,
  tempDir, uniqueEmail,
} from './helpers.mjs';

let server;
let base;
serverPerSuite((s) => { server = s; base = s.base; });

/** Sockets in state LISTEN on 127.0.0.1:`port`, from /proc/net/tcp. */
function listeningSockets(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1] === local && f[3] === '0A').length;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One HTTP/1.1 request's bytes; `close` asks the server to close after answering. */
function request(method, path, { token, body, key, close = false } = {}) {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  if (token) lines.push(`Authorization: Bearer ${token}`);
  if (key) lines.push(`Idempotency-Key: ${key}`);
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
  if (close) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}

/** Splits a byte stream of HTTP/1.1 responses (each with Content-Length) into {status, json}. */
function parseResponses(raw) {
  const out = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    assert.ok(headEnd > 0, `an incomplete response at byte ${at}: ${JSON.stringify(raw.slice(at, at + 200))}`);
    const head = raw.slice(at, headEnd);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1]);
    assert.ok(status > 0 && length >= 0, `response head: ${head}`);
    const body = raw.slice(headEnd + 4, headEnd + 4 + length);
    out.push({ status, json: body === '' ? undefined : JSON.parse(body) });
    at = headEnd + 4 + length;
  }
  return out;
}

/**
 * Opens a connection, writes each chunk in turn (waiting `gapMs` between them) and resolves
 * to the parsed responses once the server closes the connection.
 */
function exchange(chunks, gapMs = 0) {
  return new Promise((res, rej) => {
    const socket = connect(server.port, '127.0.0.1', async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0 && gapMs > 0) await sleep(gapMs);
        socket.write(chunk);
      }
    });
    let raw = '';
    socket.setEncoding('latin1');
    socket.on('data', (d) => { raw += d; });
    socket.on('end', () => {
      try {
        res(parseResponses(raw));
      } catch (e) {
        rej(e);
      }
    });
    socket.on('error', rej);
  });
}

async function balance(token) {
  const res = await api(base, 'GET', `${V1}/wallet`, { token });
  assert.equal(res.status, 200, res.text);
  return res.json.balances.find((b) => b.currency === 'EUR')?.available ?? 0;
}

describe('a request waiting on the writer', () => {
  test('pipelined writes and reads in one packet are answered in order, each write once', async () => {
    const { token } = await signupAndLogin(base);
    const answers = await exchange([
      request('POST', `${V1}/wallet/deposits`, { token, body: { amount: 100, currency: 'EUR' } }) +
        request('GET', '/healthz') +
        request('POST', `${V1}/wallet/deposits`, { token, body: { amount: 20, currency: 'EUR' } }) +
        request('GET', `${V1}/wallet`, { token, close: true }),
    ]);
    assert.deepEqual(answers.map((a) => a.status), [201, 200, 201, 200]);
    assert.equal(answers[0].json.balance.available, 100);
    assert.deepEqual(answers[1].json, { status: 'ok' });
    assert.equal(answers[2].json.balance.available, 120);
    assert.deepEqual(answers[3].json.balances, [{ currency: 'EUR', available: 120, held: 0 }]);
    assert.equal(await balance(token), 120);
  });

  test('bytes that arrive while a sign-up is hashed and written are the next requests', async () => {
    // A sign-up waits on the hash pool and then the writer for tens of milliseconds: the
    // second and third chunks arrive while it waits (the second one cut mid-request).
    const { token } = await signupAndLogin(base);
    const email = uniqueEmail('pipe');
    const signup = request('POST', `${V1}/users`, {
      body: { email, password: PASSWORD, display_name: 'Pipelined', roles: ['client'] },
    });
    const deposit = request('POST', `${V1}/wallet/deposits`, { token, body: { amount: 7, currency: 'EUR' } });
    const answers = await exchange([
      signup,
      deposit.slice(0, 25),
      deposit.slice(25) + request('GET', `${V1}/wallet`, { token, close: true }),
    ], 15);
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 200]);
    assert.equal(answers[0].json.email, email);
    assert.equal(answers[1].json.balance.available, 7);
    assert.deepEqual(answers[2].json.balances, [{ currency: 'EUR', available: 7, held: 0 }]);
    const signin = await api(base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD } });
    assert.equal(signin.status, 200, signin.text);
  });

  test('hundreds of pipelined requests behind waiting writes are answered in order', async () => {
    const { token } = await signupAndLogin(base);
    const reads = 400;   // ~30 KiB of requests queued behind a write that waits
    let chunk = request('POST', `${V1}/wallet/deposits`, { token, body: { amount: 5, currency: 'EUR' } });
    for (let i = 0; i < reads; i++) chunk += request('GET', '/healthz');
    chunk += request('POST', `${V1}/wallet/deposits`, { token, body: { amount: 6, currency: 'EUR' }, close: true });
    assert.ok(chunk.length > 16 * 1024);
    const answers = await exchange([chunk]);
    assert.equal(answers.length, reads + 2);
    assert.equal(answers[0].status, 201);
    assert.ok(answers.slice(1, -1).every((a) => a.status === 200 && a.json.status === 'ok'));
    assert.equal(answers.at(-1).status, 201);
    assert.equal(answers.at(-1).json.balance.available, 11);
  });

  test('a client that leaves while its write waits: the write commits once, the server goes on', async () => {
    const { token } = await signupAndLogin(base);
    const key = `leave-${Date.now()}`;
    const body = { amount: 42, currency: 'EUR' };
    await leave(request('POST', `${V1}/wallet/deposits`, { token, body, key }));
    let seen = 0;
    for (let i = 0; i < 100 && seen !== 42; i++) {
      await sleep(20);
      seen = await balance(token);
    }
    assert.equal(seen, 42, 'the deposit whose client left was committed');
    // The same key answers from the store: never a second deposit.
    const again = await api(base, 'POST', `${V1}/wallet/deposits`, { token, body, headers: { 'idempotency-key': key } });
    assert.equal(again.status, 201, again.text);
    assert.equal(await balance(token), 42);
    assert.equal((await api(base, 'GET', '/healthz')).status, 200);
  });

  test('a client that leaves while its sign-up is hashed: the account exists, the server goes on', async () => {
    const email = uniqueEmail('gone');
    await leave(request('POST', `${V1}/users`, {
      body: { email, password: PASSWORD, display_name: 'Gone', roles: ['client'] },
    }));
    let signin;
    for (let i = 0; i < 100; i++) {
      signin = await api(base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD } });
      if (signin.status === 200) break;
      await sleep(20);
    }
    assert.equal(signin.status, 200, signin.text);
    assert.equal((await api(base, 'GET', '/healthz')).status, 200);
  });
});

/** Sends `bytes`, closes its half, and drops the connection a moment later without reading. */
function leave(bytes) {
  return new Promise((res, rej) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.end(bytes);
      setTimeout(() => { socket.destroy(); res(); }, 5);
    });
    socket.on('error', rej);
  });
}

describe('connections are spread over the event loops', () => {
  test('32 simultaneous connections to a 2-loop server are served by both loops', async () => {
    // Each loop has its own SO_REUSEPORT listening socket and the kernel spreads connections
    // over them; a request id names its loop ("<loop>-<n>"). (With one shared socket a burst
    // of connections could all go to one loop, as wrk's did; node's connects here are not
    // bursty enough to show that, hence the socket count.)
    const two = await startServer({ args: ['--loops', '2'] });
    try {
      const ids = await Promise.all(Array.from({ length: 32 }, () => new Promise((res, rej) => {
        const socket = connect(two.port, '127.0.0.1', () => {
          socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
        });
        let raw = '';
        socket.setEncoding('latin1');
        socket.on('data', (d) => { raw += d; });
        socket.on('end', () => res(/\r\nx-request-id: (\d+)-\d+/i.exec(raw)?.[1]));
        socket.on('error', rej);
      })));
      // One listening socket per loop (a shared, dup'd socket would show once).
      assert.equal(listeningSockets(two.port), 2, 'LISTEN sockets on the port in /proc/net/tcp');
      assert.ok(ids.every((id) => id === '0' || id === '1'), `request ids: ${ids.join(' ')}`);
      assert.ok(ids.includes('0') && ids.includes('1'), `loops seen: ${[...new Set(ids)].join(', ')}`);
    } finally {
      await two.stop();
    }
  });
});

describe('the connection cap (--max-connections)', () => {
  /** A connection that is open and says nothing; resolves once connected. */
  const idle = (port) => new Promise((res, rej) => {
    const socket = connect(port, '127.0.0.1', () => res(socket));
    socket.on('error', rej);
  });
  /** GET `path` on a connection of its own (closed after the answer); null if no answer in `ms`. */
  const get = (port, path, ms = 5000) => rawExchange(port,
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, { timeoutMs: ms });
  const healthz = async (port, ms) => (await get(port, '/healthz', ms))?.status ?? 'no answer';
  const metric = async (port, name) => metricValue((await get(port, '/metrics')).body, name);

  test('at the cap a new connection waits in the backlog; it is served once one closes', async () => {
    const capped = await startServer({ args: ['--loops', '1', '--max-connections', '3'] });
    const held = [];
    try {
      assert.match(capped.stderrText(), /msg=listening .* max_connections=3 /);
      for (let i = 0; i < 3; i++) held.push(await idle(capped.port));
      await sleep(100);   // let the loop accept them
      assert.equal(await healthz(capped.port, 700), 'no answer', 'a fourth connection was served');
      held.shift().destroy();
      assert.equal(await healthz(capped.port, 5000), 200, 'served once a connection closed');
      for (const s of held) s.destroy();
      assert.ok(await metric(capped.port, 'pw_http_accept_paused_total') >= 1, 'pauses counted');
      // every connection but the one asking is closed, soon (the server reads their EOF)
      let open;
      for (let i = 0; i < 40 && open !== 1; i++) {
        open = await metric(capped.port, 'pw_http_connections');
        if (open !== 1) await sleep(50);
      }
      assert.equal(open, 1, 'open connections counted down as they closed');
    } finally {
      for (const s of held) s.destroy();
      await capped.stop();
    }
  });

  test('--max-connections out of range is refused', () => {
    for (const bad of ['0', '-1', '1000001', 'many']) {
      const run = runServe(['--max-connections', bad]);
      assert.equal(run.status, 2, `--max-connections ${bad}: ${run.status} ${run.stderr}`);
      assert.match(run.stderr, /--max-connections must be an integer from 1 to 1000000/);
    }
  });

  test('the cap is fitted under the open-files limit instead of running out of descriptors', async () => {
    const db = join(tempDir(), 'nofile.db');
    const child = spawn('prlimit', ['--nofile=200', BINARY, 'serve', '--listen', '127.0.0.1:0', '--db', db,
      '--loops', '1'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no listening line: ${stderr}`)), 10_000);
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /msg=listening addr=\S+:(\d+)/.exec(stderr);
        if (m) { clearTimeout(timer); res(Number(m[1])); }
      });
    });
    const held = [];
    try {
      assert.match(stderr, /connection cap lowered to fit the open-files limit.* max_connections=136 nofile=200/);
      assert.match(stderr, /msg=listening .* max_connections=136 /);
      for (let i = 0; i < 150; i++) held.push(await idle(port));   // more than the cap
      await sleep(200);
      for (const s of held.splice(0, 20)) s.destroy();
      assert.equal(await healthz(port, 5000), 200, 'served again after some closed');
    } finally {
      for (const s of held) s.destroy();
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });
});
