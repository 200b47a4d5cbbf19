// durability.test.mjs — nothing acknowledged is lost: not on a graceful SIGTERM with
// requests in flight, not on kill -9 right after the acknowledgements.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';

import { BINARY, PASSWORD, ROOT, V1, api, login, signupAndLogin, signupBody, startServer } from './helpers.mjs';

const servers = [];
const start = async (opts) => {
  const s = await startServer(opts);
  servers.push(s);
  return s;
};
after(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fires `n` sign-ups at once; resolves to [{ body, res | error }]. */
function concurrentSignups(base, n, tag) {
  return Array.from({ length: n }, (_, i) => {
    const body = signupBody({ display_name: `${tag} ${i}` });
    return api(base, 'POST', `${V1}/users`, { body }).then(
      (res) => ({ body, res }),
      (error) => ({ body, error }),
    );
  });
}

/**
 * Asserts every e-mail can sign in with the standard password: ten at a time, since one
 * address may have at most 20 sign-ins in flight (PW_LOGIN_FAILS_PER_IP; the rest get 429).
 */
async function assertAllCanSignIn(base, emails) {
  const results = [];
  for (let i = 0; i < emails.length; i += 10) {
    results.push(...await Promise.all(emails.slice(i, i + 10).map((email) =>
      api(base, 'POST', `${V1}/sessions`, { body: { email, password: PASSWORD } }))));
  }
  const failed = results
    .map((res, i) => ({ email: emails[i], status: res.status, text: res.text }))
    .filter((r) => r.status !== 200);
  assert.deepEqual(failed, [], 'acknowledged users that cannot sign in after restart');
}

describe('kill -9', () => {
  test('every acknowledged sign-up survives', async () => {
    const first = await start();
    const outcomes = await Promise.all(concurrentSignups(first.base, 24, 'K9'));
    for (const { res, error } of outcomes) {
      assert.equal(error, undefined, `request failed: ${error}`);
      assert.equal(res.status, 201, res.text);
    }
    await first.kill9();

    const second = await start({ db: first.db });
    await assertAllCanSignIn(second.base, outcomes.map((o) => o.body.email));
    await second.stop();
  });

  test('acknowledged sign-ins and sign-outs survive', async () => {
    const first = await start();
    const kept = await signupAndLogin(first.base);
    const ended = await signupAndLogin(first.base);
    const out = await api(first.base, 'DELETE', `${V1}/sessions/current`, { token: ended.token });
    assert.equal(out.status, 204);
    await first.kill9();

    const second = await start({ db: first.db });
    const me = await api(second.base, 'GET', `${V1}/me`, { token: kept.token });
    assert.equal(me.status, 200, `session made before kill -9: ${me.text}`);
    assert.equal(me.json.email, kept.email);
    const gone = await api(second.base, 'GET', `${V1}/me`, { token: ended.token });
    assert.equal(gone.status, 401, `session ended before kill -9 must stay ended: ${gone.text}`);
    await second.stop();
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM with sign-ups in flight: they finish, exit 0, all present after restart', async () => {
    const first = await start();
    const pending = concurrentSignups(first.base, 20, 'TERM');
    // Let every request reach the server (localhost: a few ms); the password hashing
    // (about 50 ms each, two at a time) keeps most of them in flight.
    await sleep(75);
    const stopping = first.stop();   // SIGTERM; asserts exit code 0
    const outcomes = await Promise.all(pending);
    await stopping;

    const summary = outcomes.map(({ res, error }) => (error ? `error: ${error.cause?.code ?? error}` : res.status));
    assert.deepEqual(summary, Array(20).fill(201), 'requests already received must finish with 201');

    const second = await start({ db: first.db });
    await assertAllCanSignIn(second.base, outcomes.map((o) => o.body.email));
    await second.stop();
  });

  test('requests arriving after SIGTERM are refused cleanly, acknowledged ones kept', async () => {
    const first = await start();
    const early = await Promise.all(concurrentSignups(first.base, 6, 'EARLY'));
    for (const { res } of early) assert.equal(res.status, 201);

    const stopping = first.stop();
    const late = await Promise.all(concurrentSignups(first.base, 6, 'LATE'));
    await stopping;
    const acknowledged = [...early, ...late].filter(({ res }) => res?.status === 201);
    for (const { res } of late) {
      // a late request is either served, refused with 503, or its connection is refused
      if (res) assert.ok(res.status === 201 || res.status === 503, `late request: ${res.status} ${res.text}`);
    }

    const second = await start({ db: first.db });
    await assertAllCanSignIn(second.base, acknowledged.map((o) => o.body.email));
    await second.stop();
  });

  test('only the main thread takes SIGTERM and SIGINT: every other thread blocks them', async () => {
    // A thread that does not block them takes a signal that arrives before the main
    // thread waits for it, and the process dies of it instead of stopping cleanly.
    const s = await start();
    const tasks = readdirSync(`/proc/${s.pid}/task`).filter((tid) => Number(tid) !== s.pid);
    assert.ok(tasks.length >= 4, `threads: ${tasks}`);   // loops, writer, hash pool, scheduler
    const stopSignals = (1n << BigInt(2 - 1)) | (1n << BigInt(15 - 1));   // SIGINT, SIGTERM
    for (const tid of tasks) {
      const status = readFileSync(`/proc/${s.pid}/task/${tid}/status`, 'utf8');
      const name = /^Name:\s*(.*)$/m.exec(status)[1];
      const blocked = BigInt(`0x${/^SigBlk:\s*([0-9a-f]+)$/m.exec(status)[1]}`);
      assert.equal(blocked & stopSignals, stopSignals, `thread ${name} does not block SIGINT and SIGTERM`);
    }
    await s.stop();
  });

  test('SIGINT stops cleanly too', async () => {
    const s = await start();
    assert.equal((await api(s.base, 'GET', '/healthz')).status, 200);
    process.kill(s.pid, 'SIGINT');
    assert.deepEqual(await s.exited, { code: 0, signal: null });
  });

  test('a restart on the same database migrates nothing twice and serves at once', async () => {
    const first = await start();
    const account = await signupAndLogin(first.base);
    await first.stop();
    const second = await start({ db: first.db });
    const session = await login(second.base, account.email);
    assert.equal(session.user.id, account.user.id);
    await second.stop();
  });
});

describe('one server per database', () => {
  test('a second serve on the same database file refuses to start; after a kill -9 one can', async () => {
    const first = await start();
    const account = await signupAndLogin(first.base);
    const second = spawnSync(BINARY, ['serve', '--listen', '127.0.0.1:0', '--db', first.db],
      { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
    assert.equal(second.status, 1, `second server: ${second.status} ${second.stderr}`);
    assert.match(second.stderr, /another peerwork serve is using .*t\.db \(.*t\.db\.lock is locked\)/);
    assert.equal((await api(first.base, 'GET', '/healthz')).status, 200, 'the first one serves on');
    await first.kill9();   // the kernel drops the lock with the process
    const third = await start({ db: first.db });
    assert.equal((await login(third.base, account.email)).user.id, account.user.id);
    await third.stop();
  });

  test('a database in a directory that does not exist: exit 1 naming the lock file, nothing served', () => {
    const run = spawnSync(BINARY, ['serve', '--listen', '127.0.0.1:0', '--db', '/nonexistent-dir/x.db'],
      { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 1, `${run.status} ${run.stderr}`);
    assert.match(run.stderr, /peerwork serve: cannot open \/nonexistent-dir\/x\.db\.lock: No such file or directory/);
    assert.doesNotMatch(run.stderr, /msg=listening/);
  });
});
