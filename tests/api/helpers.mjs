// helpers.mjs — harness for the API tests: a real peerwork server per test file, and
// small wrappers around fetch so each test reads as "request -> exact expected answer".
//
// Every server started here is registered and killed when the test process exits, so a
// failing test never leaks a server. Servers get their own temporary directory (the
// database lives there) and a scrubbed environment (no PEERWORK_* variables).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINARY = process.env.PEERWORK_BINARY || join(ROOT, 'build', 'peerwork');
export const V1 = '/api/v1';
export const PASSWORD = 'correct horse battery';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 15_000;   // the server drains in-flight requests for up to 10 s
const LISTENING = /msg=listening addr=(\S+):(\d+)/;

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'peerwork-api-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function scrubbedEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PEERWORK_')) delete env[key];
  return env;
}

/**
 * Runs `peerwork serve ARGS` to its end — for flags it must refuse — on a throwaway
 * database, with no PEERWORK_* variables but those in `env`; spawnSync's result.
 */
export function runServe(args, env = {}) {
  const db = join(tempDir('peerwork-cfg-'), 'never.db');
  return spawnSync(BINARY, ['serve', '--listen', '127.0.0.1:0', '--db', db, ...args],
    { cwd: ROOT, env: { ...scrubbedEnv(), ...env }, encoding: 'utf8', timeout: 20_000 });
}

/**
 * Starts `build/peerwork serve` on a free port and resolves once it logs `msg=listening`.
 * Options: args (extra flags), db (database file; default a new one in a temp dir).
 * Returns { base, port, db, stop(), kill9(), stderrText(), exited }.
 */
export async function startServer({ args = [], db } = {}) {
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) {
    throw new Error('web/dist/index.html is missing: build the web app first (node scripts/build_web.mjs, or make web)');
  }
  if (!existsSync(BINARY)) throw new Error(`${BINARY} not found: run \`make build\` first`);
  db ??= join(tempDir(), 't.db');
  const child = spawn(
    BINARY,
    ['serve', '--listen', '127.0.0.1:0', '--db', db, '--web', 'web/dist', '--places', join(ROOT, 'build', 'places.tsv'), ...args],
    { cwd: ROOT, env: scrubbedEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);

  let stderr = '';
  const exited = new Promise((res) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      res({ code, signal });
    });
  });
  child.stderr.setEncoding('utf8');

  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`server did not log msg=listening within ${START_TIMEOUT_MS} ms:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = LISTENING.exec(stderr);
      if (m) {
        clearTimeout(timer);
        res(Number(m[2]));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`server exited before listening (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });

  const waitExit = async (what) => {
    let timer;
    const timeout = new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms after ${what}`)),
        STOP_TIMEOUT_MS);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  let stopped = false;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    db,
    pid: child.pid,
    exited,
    stderrText: () => stderr,
    /** SIGTERM, wait for the exit and assert a clean one (status 0). */
    async stop() {
      if (stopped) return exited;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const result = await waitExit('SIGTERM');
      assert.deepEqual(result, { code: 0, signal: null }, `server exit after SIGTERM; stderr:\n${stderr}`);
      return result;
    },
    /** SIGKILL: no chance to flush anything that was not already durable. */
    async kill9() {
      stopped = true;
      child.kill('SIGKILL');
      return waitExit('SIGKILL');
    },
    /** For `after` hooks: stop if still running, never throw. */
    async dispose() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopped = true;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * One server for the tests of the current scope: the file, or the describe block this is
 * called in. Before them it is started by `start(options)` (startServer, or e.g.
 * lifecycle_helpers' startMarket) and handed to `started(server)`, which keeps it (and its
 * base, and whatever it makes on it, such as an admin); after them it is stopped cleanly
 * (exit status 0 is asserted) and handed to `stopped(server)`, e.g. for `ledger verify`
 * on its database.
 */
export function serverPerSuite(started, { start = startServer, options, stopped } = {}) {
  let server;
  before(async () => {
    server = await start(options);
    await started(server);
  });
  after(async () => {
    if (!server) return;
    await server.stop();
    await stopped?.(server);
  });
}

/**
 * One HTTP request. `body` is sent as JSON (with Content-Type application/json unless
 * `headers` says otherwise); `rawBody` (string, Buffer or stream) is sent as-is with only
 * the headers given. `token` -> Authorization: Bearer; `cookie` -> Cookie: pw_session=…;
 * `csrf` -> X-CSRF-Token. Resolves to { status, headers, json, text }.
 */
export async function api(base, method, path, { body, rawBody, token, cookie, csrf, headers = {} } = {}) {
  const h = new Headers(headers);
  let payload;
  if (rawBody !== undefined) {
    // A string would get an automatic text/plain content type from fetch: send bytes.
    payload = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!h.has('content-type')) h.set('content-type', 'application/json');
  }
  if (token !== undefined) h.set('authorization', `Bearer ${token}`);
  if (cookie !== undefined) h.set('cookie', `pw_session=${cookie}`);
  if (csrf !== undefined) h.set('x-csrf-token', csrf);

  const init = { method, headers: h, body: payload, redirect: 'manual' };
  if (payload && typeof payload.getReader === 'function') init.duplex = 'half';
  const res = await fetch(base + path, init);
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    // GET /events: a stream that stays open; its status and headers are the answer (events.test.mjs reads streams)
    await res.body?.cancel();
    return { status: res.status, headers: res.headers, json: undefined, text: '' };
  }
  const text = await res.text();
  let json;
  if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text !== '') {
    json = JSON.parse(text);
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Asserts an error answer: exact status, error code and (when given) field. */
export function assertError(res, status, code, field) {
  const where = `${res.status} ${res.text}`;
  assert.equal(res.status, status, `status; body: ${where}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `content-type; body: ${where}`);
  assert.equal(typeof res.json?.error, 'object', `error object; body: ${where}`);
  assert.equal(res.json.error.code, code, `error.code; body: ${where}`);
  assert.equal(typeof res.json.error.message, 'string', `error.message; body: ${where}`);
  assert.ok(res.json.error.message.length > 0, `error.message is empty; body: ${where}`);
  if (field !== undefined) assert.equal(res.json.error.field, field, `error.field; body: ${where}`);
}

let emailCounter = 0;
/** A fresh, unique e-mail address. */
export function uniqueEmail(tag = 'u') {
  emailCounter += 1;
  const rand = Math.random().toString(36).slice(2, 8);
  return `${tag}-${process.pid}-${emailCounter}-${rand}@example.test`;
}

/** A valid sign-up body, with any field overridden. */
export function signupBody(overrides = {}) {
  return {
    email: uniqueEmail(),
    password: PASSWORD,
    display_name: 'Test User',
    roles: ['client'],
    ...overrides,
  };
}

/** Creates a user (asserting 201) and returns { user, email, password }. */
export async function signup(base, { roles = ['client'], email, password = PASSWORD, display_name = 'Test User' } = {}) {
  const body = signupBody({ roles, password, display_name, ...(email ? { email } : {}) });
  const res = await api(base, 'POST', `${V1}/users`, { body });
  assert.equal(res.status, 201, `sign-up: ${res.status} ${res.text}`);
  return { user: res.json, email: body.email, password };
}

/** Signs in (asserting 200) and returns { token, user, setCookie }. */
export async function login(base, email, password = PASSWORD, opts = {}) {
  const res = await api(base, 'POST', `${V1}/sessions`, { body: { email, password }, ...opts });
  assert.equal(res.status, 200, `sign-in: ${res.status} ${res.text}`);
  return { token: res.json.token, user: res.json.user, setCookie: res.headers.get('set-cookie') };
}

/** Signs up and signs in: { user, email, password, token }. */
export async function signupAndLogin(base, opts = {}) {
  const account = await signup(base, opts);
  const { token } = await login(base, account.email, account.password);
  return { ...account, token };
}

/** The session's CSRF token, read from GET /me. */
export async function csrfToken(base, token) {
  const res = await api(base, 'GET', `${V1}/me`, { token });
  assert.equal(res.status, 200, `GET /me: ${res.status} ${res.text}`);
  return res.json.csrf_token;
}

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A seeded pseudo-random generator (mulberry32), for tests that must replay the same run
 * from a seed: next() in [0, 1), int(n), chance(p), pick(list), str(n).
 */
/**
 * The value of one sample in Prometheus text: `name` with every label in `labels` (a sample
 * may carry more), or `name` alone when `labels` is empty and the sample has none.
 * undefined if there is no such sample.
 */
export function metricValue(text, name, labels = {}) {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

export class SeededRandom {
  constructor(seed) { this.state = seed >>> 0; }
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n) { return Math.floor(this.next() * n); }
  chance(p) { return this.next() < p; }
  pick(list) { return list[this.int(list.length)]; }
  str(n, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 ') {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/**
 * Writes `bytes` on a new connection to 127.0.0.1:`port` and reads until the server closes
 * it — for requests fetch cannot send, or must not send yet. Resolves to
 * { status, headers (lower-case names), body }, or to null if nothing came back within
 * `timeoutMs` (the connection is then dropped).
 */
export function rawExchange(port, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = connect(port, '127.0.0.1', () => sock.write(bytes));
    const timer = setTimeout(() => { sock.destroy(); resolve(null); }, timeoutMs);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      if (text === '') return resolve(null);
      const [head, ...rest] = text.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const headers = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(lines[0].split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}
