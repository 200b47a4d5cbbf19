// audit.test.mjs — what admins see, and the audit log of it (issue 12, defect 5;
// docs/SECURITY.md, "What admins see").
//
// Over real HTTP against the real binary:
//   * an admin reads a task's messages only once it is disputed or resolved (403 before,
//     the task itself stays visible), and never writes in them;
//   * every admin read of private data (a task, its messages, its dispatch explanation,
//     the disputes, the log itself) and every admin action (a resolution, a cancel,
//     `peerwork admin create`) leaves one entry in GET /admin/audit: who, what, which
//     object, and a detail without any of the words the parties wrote;
//   * the log is admin-only, paged newest first, filterable, and has no write path
//     (405 for every other method; no UPDATE or DELETE of it anywhere in src/);
//   * an answered read's entry survives a kill -9 right after the answer.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { PASSWORD, ROOT, assertError, login, uniqueEmail } from './helpers.mjs';
import {
  V1, act, adminCreate, api, makeAdmin, makeClient, makeWorker, marketWithAdmin, ok, postTask, serverNow, startMarket,
  taskBody, uniqueTag,
} from './lifecycle_helpers.mjs';

const servers = [];
after(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

async function market(opts) {
  const s = await startMarket(opts);
  servers.push(s);
  return s;
}

// Words the parties write; no audit entry may hold them. Letters only, so no random id or
// time in the log can contain them by chance.
const SECRET = 'xylophone quagmire';
const REASON = 'zephyr bramble';

/**
 * A task with a client, its worker and a message from each, taken to `state`:
 * 'dispatching' (no worker), 'assigned', 'in_progress', 'disputed' or 'resolved'.
 */
async function taskIn(base, admin, state) {
  const cat = uniqueTag('audit');
  const client = await makeClient(base, { name: 'Audit Client' });
  const now = await serverNow(base);
  if (state === 'dispatching') {
    const t = await postTask(base, client.token, taskBody(now, { category: uniqueTag('nobody') }));
    return { t, client };
  }
  const worker = await makeWorker(base, { categories: [cat] }, { name: 'Audit Worker' });
  const t = await postTask(base, client.token, taskBody(now, { category: cat, urgent: true }));
  assert.equal(t.assignment?.worker_id, worker.user.id, 'assigned at once');
  const say = (token, body) => api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token, body: { body } });
  ok(await say(client.token, `client says ${SECRET}`), 201);
  ok(await say(worker.token, `worker says ${SECRET}`), 201);
  if (state !== 'assigned') ok(await act(base, worker.token, t.id, 'ack'));
  if (state === 'disputed' || state === 'resolved') {
    ok(await act(base, client.token, t.id, 'dispute', { reason: REASON }));
  }
  let disputeId;
  if (state === 'resolved') {
    const open = ok(await api(base, 'GET', `${V1}/admin/disputes?limit=100`, { token: admin.token }));
    disputeId = open.items.find((d) => d.task_id === t.id).id;
    ok(await api(base, 'POST', `${V1}/admin/disputes/${disputeId}/resolve`,
      { token: admin.token, body: { outcome: 'split', worker_share_pct: 40 } }));
  }
  return { t, client, worker, disputeId };
}

/** Every audit entry (newest first), read as `token`, up to 10 pages. */
async function auditLog(base, token, query = '') {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 10; page++) {
    const sep = query ? '&' : '';
    const res = ok(await api(base, 'GET',
      `${V1}/admin/audit?limit=100${sep}${query}${cursor ? `&cursor=${cursor}` : ''}`, { token }));
    items.push(...res.items);
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return items;
}

const entriesFor = (log, action, objectId) => log.filter((e) => e.action === action && e.object_id === objectId);

describe('what admins see of a task\'s messages', () => {
  let server;
  let base;
  let admin;
  marketWithAdmin((m) => ({ server, base, admin } = m), { start: market });

  for (const state of ['dispatching', 'assigned', 'in_progress']) {
    test(`a task ${state}: the admin gets 403 for its messages, sees the task, and nothing is audited as read`,
      async () => {
        const { t, client } = await taskIn(base, admin, state);
        const res = await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: admin.token });
        assertError(res, 403, 'forbidden');
        assert.match(res.json.error.message, /disputed or resolved/);
        assert.doesNotMatch(res.text, new RegExp(SECRET));
        // the task itself stays visible to them (its existence is no secret to an admin)
        assert.equal(ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: admin.token })).status, state);
        // its client still reads them
        const own = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: client.token }));
        assert.equal(own.items.length, state === 'dispatching' ? 0 : 2);
        const log = await auditLog(base, admin.token, 'action=task.messages.read');
        assert.deepEqual(entriesFor(log, 'task.messages.read', t.id), [], 'a refused read is no read');
      });
  }

  for (const state of ['disputed', 'resolved']) {
    test(`a task ${state}: the admin reads its messages, and the read is in the log`, async () => {
      const { t } = await taskIn(base, admin, state);
      const res = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: admin.token }));
      assert.deepEqual(res.items.map((m) => m.body), [`client says ${SECRET}`, `worker says ${SECRET}`]);
      const log = await auditLog(base, admin.token);
      const mine = entriesFor(log, 'task.messages.read', t.id);
      assert.equal(mine.length, 1, JSON.stringify(log.slice(0, 5)));
      const e = mine[0];
      assert.equal(e.admin_id, admin.user.id);
      assert.equal(e.object_kind, 'task');
      assert.deepEqual(e.detail, { status: state, items: 2 });
      assert.ok(Date.parse(e.at) > 0, e.at);
      assert.doesNotMatch(JSON.stringify(log), new RegExp(`${SECRET}|${REASON}`), 'no words of the parties in the log');
    });
  }

  test('an admin never writes in a task\'s messages (403), and nothing is written', async () => {
    for (const state of ['in_progress', 'disputed']) {
      const { t, client } = await taskIn(base, admin, state);
      const res = await api(base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: admin.token, body: { body: 'hi' } });
      assertError(res, 403, 'forbidden');
      const own = ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: client.token }));
      assert.equal(own.items.length, 2);
    }
  });

  test('an admin\'s reads of their own task, as its client, are theirs: not audited', async () => {
    const cat = uniqueTag('own');
    await makeWorker(base, { categories: [cat] });
    const t = await postTask(base, admin.token, taskBody(await serverNow(base), { category: cat, urgent: true }));
    ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: admin.token }));
    ok(await api(base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: admin.token }));
    const log = await auditLog(base, admin.token);
    assert.deepEqual(log.filter((e) => e.object_id === t.id), []);
  });
});

describe('every admin read of private data and every admin action is in the log', () => {
  let server;
  let base;
  let admin;
  marketWithAdmin((m) => ({ server, base, admin } = m), { start: market });

  test('the task, its dispatch explanation, the disputes, a resolution, a cancel, the log itself', async () => {
    const { t, disputeId } = await taskIn(base, admin, 'resolved');
    ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: admin.token }));
    ok(await api(base, 'GET', `${V1}/tasks/${t.id}/dispatch`, { token: admin.token }));
    const waiting = await taskIn(base, admin, 'dispatching');
    assert.equal(ok(await act(base, admin.token, waiting.t.id, 'cancel')).status, 'cancelled');
    ok(await api(base, 'GET', `${V1}/admin/audit?action=task.read`, { token: admin.token }));

    const log = await auditLog(base, admin.token);
    const one = (action, objectId) => {
      const found = entriesFor(log, action, objectId);
      assert.equal(found.length, 1, `${action} ${objectId}: ${JSON.stringify(found)}`);
      assert.equal(found[0].admin_id, admin.user.id, action);
      return found[0];
    };
    assert.deepEqual(one('task.read', t.id).detail, { status: 'resolved' });
    assert.deepEqual(one('task.dispatch.read', t.id).detail, { status: 'resolved' });
    const resolved = one('dispute.resolve', disputeId);
    assert.equal(resolved.object_kind, 'dispute');
    assert.deepEqual(resolved.detail, { task_id: t.id, outcome: 'split', worker_share_pct: 40 });
    assert.deepEqual(one('task.cancel', waiting.t.id).detail, { event: 'cancelled', from: 'dispatching', to: 'cancelled' });
    // the disputes list (read by taskIn before resolving) and the log's reads: lists, no object
    const lists = log.filter((e) => e.action === 'disputes.read' && e.admin_id === admin.user.id);
    assert.ok(lists.length >= 1 && lists.every((e) => e.object_kind === null && e.object_id === null), JSON.stringify(lists));
    const logReads = log.filter((e) => e.action === 'audit.read');
    assert.ok(logReads.some((e) => e.detail.action === 'task.read'), JSON.stringify(logReads));
    assert.doesNotMatch(JSON.stringify(log), new RegExp(`${SECRET}|${REASON}`), 'no words of the parties in the log');
    // the parties' own reads leave nothing
    assert.equal(log.filter((e) => e.admin_id !== admin.user.id && e.admin_id !== null).length, 0);
  });

  test('`peerwork admin create`: admin.create, then admin.grant on the same account, by the command line', async () => {
    const email = uniqueEmail('cli-admin');
    adminCreate(server.db, email, PASSWORD);
    adminCreate(server.db, email, PASSWORD);
    const made = await login(base, email);
    const log = await auditLog(base, admin.token);
    for (const action of ['admin.create', 'admin.grant']) {
      const found = entriesFor(log, action, made.user.id);
      assert.equal(found.length, 1, `${action}: ${JSON.stringify(found)}`);
      assert.equal(found[0].admin_id, null, 'the command line has no admin id');
      assert.equal(found[0].object_kind, 'user');
      assert.deepEqual(found[0].detail, { via: 'command_line' });
    }
    assert.ok(JSON.stringify(log).indexOf(email) < 0, 'no e-mail in the log');
  });

  test('newest first, paged by cursor, filtered by action and admin; bad filters are 422', async () => {
    const other = await makeAdmin(base, server.db);
    const { t } = await taskIn(base, admin, 'in_progress');
    for (let i = 0; i < 3; i++) ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: other.token }));
    const all = await auditLog(base, admin.token);
    const ids = all.map((e) => BigInt(e.id));
    assert.deepEqual([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)), ids, 'newest first');
    assert.equal(new Set(all.map((e) => e.id)).size, all.length, 'no entry twice');
    // pages of one walk the same entries
    const p1 = ok(await api(base, 'GET', `${V1}/admin/audit?limit=2&admin_id=${other.user.id}`, { token: admin.token }));
    assert.equal(p1.items.length, 2);
    assert.ok(p1.next_cursor);
    const p2 = ok(await api(base, 'GET', `${V1}/admin/audit?limit=2&admin_id=${other.user.id}&cursor=${p1.next_cursor}`,
      { token: admin.token }));
    assert.deepEqual([...p1.items, ...p2.items].map((e) => [e.action, e.object_id, e.admin_id]),
      Array(3).fill(['task.read', t.id, other.user.id]));
    assert.equal(p2.next_cursor, null);
    const byAction = ok(await api(base, 'GET', `${V1}/admin/audit?action=task.read&limit=100`, { token: admin.token }));
    assert.ok(byAction.items.length >= 3 && byAction.items.every((e) => e.action === 'task.read'));
    const both = ok(await api(base, 'GET', `${V1}/admin/audit?action=audit.read&admin_id=${other.user.id}`,
      { token: admin.token }));
    assert.deepEqual(both.items, []);
    for (const q of ['action=task.delete', 'action=', 'action=TASK.READ', `action=${'x'.repeat(100)}`]) {
      assertError(await api(base, 'GET', `${V1}/admin/audit?${q}`, { token: admin.token }), 422, 'validation_failed', 'action');
    }
    for (const q of ['admin_id=abc', 'admin_id=0', 'admin_id=-5', 'admin_id=', 'admin_id=1x']) {
      assertError(await api(base, 'GET', `${V1}/admin/audit?${q}`, { token: admin.token }), 422, 'validation_failed', 'admin_id');
    }
    assertError(await api(base, 'GET', `${V1}/admin/audit?limit=0`, { token: admin.token }), 422, 'validation_failed', 'limit');
  });

  test('only admins read the log: 401 anonymous, 403 for a client and a worker', async () => {
    const client = await makeClient(base);
    const worker = await makeWorker(base);
    assertError(await api(base, 'GET', `${V1}/admin/audit`), 401, 'unauthenticated');
    assertError(await api(base, 'GET', `${V1}/admin/audit`, { token: client.token }), 403, 'forbidden');
    assertError(await api(base, 'GET', `${V1}/admin/audit`, { token: worker.token }), 403, 'forbidden');
  });

  test('no write path: every other method is 405, and no source file updates or deletes a row', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await api(base, method, `${V1}/admin/audit`, { token: admin.token, body: {} });
      assert.equal(res.status, 405, `${method}: ${res.text}`);
      assert.equal(res.headers.get('allow'), 'GET');
    }
    // nothing was written: the newest entry is still the read before the 405s...
    const top = ok(await api(base, 'GET', `${V1}/admin/audit?limit=1`, { token: admin.token })).items[0];
    for (const method of ['PUT', 'DELETE']) await api(base, method, `${V1}/admin/audit`, { token: admin.token, body: {} });
    const now = ok(await api(base, 'GET', `${V1}/admin/audit?limit=2`, { token: admin.token })).items;
    // ...once the read that found it (pages show the log as it was before they were asked for)
    assert.equal(now[0].action, 'audit.read');
    assert.deepEqual(now[0].detail, { items: 1 });
    assert.equal(now[1].id, top.id);
    const sources = [];
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(c|h|sql)$/.test(name)) sources.push(path);
      }
    };
    walk(join(ROOT, 'src'));
    assert.ok(sources.length > 20);
    for (const path of sources) {
      const text = readFileSync(path, 'utf8');
      assert.doesNotMatch(text, /\b(UPDATE|DELETE\s+FROM|DROP\s+TABLE|ALTER\s+TABLE)\s+admin_audit\b/i, path);
    }
  });
});

test('docs/openapi.yaml names exactly the actions src/market/audit.c records', () => {
  const code = readFileSync(join(ROOT, 'src', 'market', 'audit.c'), 'utf8');
  const inCode = [...code.matchAll(/\[PW_AUDIT_\w+\] = "([a-z.]+)"/g)].map((m) => m[1]).sort();
  const spec = readFileSync(join(ROOT, 'docs', 'openapi.yaml'), 'utf8');
  const block = /\n    AuditAction:\n      type: string\n      enum:\n((?:        - .+\n)+)/.exec(spec);
  assert.ok(block, 'AuditAction enum in the spec');
  const inSpec = block[1].trim().split('\n').map((l) => l.replace(/^\s*- /, '')).sort();
  assert.ok(inCode.length >= 10, inCode.join(' '));
  assert.deepEqual(inSpec, inCode);
});

/** Runs SQL on the server's database with the sqlite3 shell (scripts/setup.sh installs it). */
function sqlite(db, sql) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
}

describe('an answered read is audited on disk', () => {
  test('no audit row, no answer: with the insert failing, every admin read and action is a 503 and changes nothing',
    async () => {
      const server = await market();
      const { base } = server;
      const admin = await makeAdmin(base, server.db);
      const { t } = await taskIn(base, admin, 'disputed');
      const waiting = await taskIn(base, admin, 'dispatching');
      const open = ok(await api(base, 'GET', `${V1}/admin/disputes?limit=100`, { token: admin.token }));
      const disputeId = open.items.find((d) => d.task_id === t.id).id;
      const before = (await auditLog(base, admin.token)).length;
      sqlite(server.db, "CREATE TRIGGER audit_fails BEFORE INSERT ON admin_audit BEGIN SELECT RAISE(ABORT, 'injected'); END;");
      const calls = [
        ['GET', `/tasks/${t.id}/messages`], ['GET', `/tasks/${t.id}`], ['GET', `/tasks/${t.id}/dispatch`],
        ['GET', '/admin/disputes'], ['GET', '/admin/audit'],
        ['POST', `/admin/disputes/${disputeId}/resolve`, { outcome: 'refund' }], ['POST', `/tasks/${waiting.t.id}/cancel`],
      ];
      for (const [method, path, body] of calls) {
        const res = await api(base, method, `${V1}${path}`, { token: admin.token, body });
        assertError(res, 503, 'unavailable');
        assert.doesNotMatch(res.text, new RegExp(SECRET));
      }
      sqlite(server.db, 'DROP TRIGGER audit_fails;');
      assert.equal(ok(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: admin.token })).status, 'disputed');
      assert.equal(ok(await api(base, 'GET', `${V1}/tasks/${waiting.t.id}`, { token: admin.token })).status, 'dispatching');
      // the log: the reads since (one page read by auditLog, two task reads), nothing of the 503s
      const log = await auditLog(base, admin.token);
      assert.equal(log.length, before + 3, JSON.stringify(log.slice(0, 4)));
    });


  test('the entry survives a kill -9 right after the answer', async () => {
    const first = await market();
    const admin = await makeAdmin(first.base, first.db);
    const { t } = await taskIn(first.base, admin, 'disputed');
    ok(await api(first.base, 'GET', `${V1}/tasks/${t.id}/messages`, { token: admin.token }));
    await first.kill9();

    const second = await market({ db: first.db });
    const again = await login(second.base, admin.email);
    const log = await auditLog(second.base, again.token, 'action=task.messages.read');
    const found = entriesFor(log, 'task.messages.read', t.id);
    assert.equal(found.length, 1, JSON.stringify(log));
    assert.equal(found[0].admin_id, admin.user.id);
    await second.stop();
  });
});
