// account_data.test.mjs — a person's own data (GET /me/export) and the account's deletion
// (DELETE /me), against the real server (issue 16, "Privacy"; src/market/privacy.c).
//
// The export holds the caller's account, profile, wallet, entries, tasks both ways,
// messages and sessions — and nobody else's. Deletion is refused while anything is open or
// owed, changing nothing; when it goes through, the account can no longer sign in or use
// its tokens, its public profile and search know nothing of it, and the ledger, the task and
// the other side's view still hold together (`ledger verify` after the suite).
import assert from 'node:assert/strict';
import { describe, test, before, after } from 'node:test';

import { PASSWORD, api, assertError, csrfToken, signup } from './helpers.mjs';
import {
  V1, act, assertLedgerOk, balance, makeClient, makeWorker, ok, postTask, serverNow, startMarket, taskBody, uniqueTag,
} from './lifecycle_helpers.mjs';

describe('GET /me/export and DELETE /me', () => {
  let srv;
  before(async () => { srv = await startMarket(); });
  after(async () => {
    await srv.stop();
    assertLedgerOk(srv.db);
  });

  /** A client and a worker with one completed money task between them and a message each way. */
  async function history() {
    const cat = uniqueTag('data');
    const skill = uniqueTag('skill');
    const worker = await makeWorker(srv.base, { categories: [cat], skills: [skill], bio: `I do ${skill} work.` });
    const client = await makeClient(srv.base, { money: 10_000 });
    const now = await serverNow(srv.base);
    const t = await postTask(srv.base, client.token, taskBody(now, {
      category: cat, urgent: true, compensation: { kind: 'money', amount: 2000, currency: 'EUR' },
    }));
    assert.equal(t.assignment.worker_id, worker.user.id);
    ok(await api(srv.base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: client.token, body: { body: 'Gate code 4711' } }), 201);
    ok(await api(srv.base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: worker.token, body: { body: 'On my way' } }), 201);
    ok(await act(srv.base, worker.token, t.id, 'ack'));
    ok(await act(srv.base, worker.token, t.id, 'submit', { note: 'done' }));
    ok(await act(srv.base, client.token, t.id, 'approve'));
    return { worker, client, task: t, skill };
  }

  test('the export holds the caller\'s data, and none of the other side\'s private data', async () => {
    const { worker, client, task } = await history();
    const ex = ok(await api(srv.base, 'GET', `${V1}/me/export`, { token: worker.token }));
    assert.equal(ex.account.id, worker.user.id);
    assert.equal(ex.account.email, worker.email);
    assert.deepEqual(ex.worker_profile.skills, worker.profile.skills);
    assert.deepEqual(ex.tasks_worked.map((x) => x.id), [task.id]);
    assert.deepEqual(ex.tasks_posted, []);
    assert.deepEqual(ex.messages_sent.map((m) => m.body), ['On my way'], 'only the messages they sent');
    assert.ok(ex.ledger_entries.some((e) => e.task_id === task.id && e.amount.amount > 0), JSON.stringify(ex.ledger_entries));
    assert.ok(ex.wallet.balances.some((b) => b.currency === 'EUR' && b.available > 0), JSON.stringify(ex.wallet));
    assert.ok(ex.sessions.length >= 1);
    assert.deepEqual(ex.truncated, []);
    const text = JSON.stringify(ex);
    assert.ok(!text.includes(client.email), 'not the client\'s e-mail');
    for (const secret of ['password', 'token_hash', 'csrf']) assert.ok(!text.includes(secret), secret);
    const mine = ok(await api(srv.base, 'GET', `${V1}/me/export`, { token: client.token }));
    assert.deepEqual(mine.tasks_posted.map((x) => x.id), [task.id]);
    assert.deepEqual(mine.messages_sent.map((m) => m.body), ['Gate code 4711']);
    assertError(await api(srv.base, 'GET', `${V1}/me/export`), 401, 'unauthenticated');
  });

  test('refused while a task is open or money is on the wallet, and nothing changes', async () => {
    const client = await makeClient(srv.base, { money: 5000 });
    const now = await serverNow(srv.base);
    const t = await postTask(srv.base, client.token, taskBody(now, {
      category: uniqueTag('nobody'), compensation: { kind: 'money', amount: 1000, currency: 'EUR' },
    }));
    assertError(await api(srv.base, 'DELETE', `${V1}/me`, { token: client.token }), 409, 'task_open');
    ok(await act(srv.base, client.token, t.id, 'cancel'));
    assertError(await api(srv.base, 'DELETE', `${V1}/me`, { token: client.token }), 409, 'balance_not_empty');
    const me = ok(await api(srv.base, 'GET', `${V1}/me`, { token: client.token }));
    assert.equal(me.email, client.email, 'still the same account');
    assert.deepEqual(await balance(srv.base, client.token), { available: 5000, held: 0 });
  });

  test('a cookie session needs its CSRF token to delete', async () => {
    const { token } = await makeClient(srv.base);
    assertError(await api(srv.base, 'DELETE', `${V1}/me`, { cookie: token }), 403, 'csrf_failed');
    ok(await api(srv.base, 'GET', `${V1}/me`, { token }), 200, 'still there');
    const csrf = await csrfToken(srv.base, token);
    const res = await api(srv.base, 'DELETE', `${V1}/me`, { cookie: token, csrf });
    assert.equal(res.status, 204, res.text);
    assert.match(res.headers.get('set-cookie') ?? '', /pw_session=;.*Max-Age=0/);
  });

  test('deleted: no sign-in, no token, an anonymous profile, gone from search; the task and ledger hold', async () => {
    const { worker, client, task, skill } = await history();
    const found = ok(await api(srv.base, 'GET', `${V1}/search?q=${skill}`));
    assert.ok(found.items.some((i) => i.worker.id === worker.user.id), 'found by their skill before');
    // the earnings are paid out first: deletion needs an empty wallet
    const { available } = await balance(srv.base, worker.token);
    ok(await api(srv.base, 'POST', `${V1}/wallet/payouts`, { token: worker.token, body: { amount: available, currency: 'EUR' } }), 201);
    const res = await api(srv.base, 'DELETE', `${V1}/me`, { token: worker.token });
    assert.equal(res.status, 204, res.text);

    assertError(await api(srv.base, 'GET', `${V1}/me`, { token: worker.token }), 401, 'unauthenticated');
    assertError(await api(srv.base, 'POST', `${V1}/sessions`, { body: { email: worker.email, password: PASSWORD } }),
      401, 'invalid_credentials');
    const profile = ok(await api(srv.base, 'GET', `${V1}/users/${worker.user.id}`));
    assert.equal(profile.display_name, 'Deleted user');
    assert.equal(profile.bio, '');
    assert.deepEqual(profile.skills, []);
    assert.equal(profile.area, null);
    assert.ok(!JSON.stringify(profile).includes(worker.email));
    const after = ok(await api(srv.base, 'GET', `${V1}/search?q=${skill}`));
    assert.ok(!after.items.some((i) => i.worker.id === worker.user.id), 'out of the search index');

    // the client's record of the task is whole: its worker, its messages (theirs intact)
    const seen = ok(await api(srv.base, 'GET', `${V1}/tasks/${task.id}`, { token: client.token }));
    assert.equal(seen.status, 'completed');
    assert.equal(seen.assignment.worker_id, worker.user.id);
    const msgs = ok(await api(srv.base, 'GET', `${V1}/tasks/${task.id}/messages`, { token: client.token }));
    assert.deepEqual(msgs.items.map((m) => m.body).sort(), ['Gate code 4711', '[deleted]']);

    // the e-mail is free again, and a new account with it is someone else
    const again = await signup(srv.base, { email: worker.email });
    assert.notEqual(again.user.id, worker.user.id);
    // a second deletion of the same account cannot happen: its tokens are dead
    assertError(await api(srv.base, 'DELETE', `${V1}/me`, { token: worker.token }), 401, 'unauthenticated');
  });

  test('sign-up refuses the .invalid domain deleted accounts are renamed into', async () => {
    const res = await api(srv.base, 'POST', `${V1}/users`, {
      body: { email: 'deleted-1@deleted.invalid', password: PASSWORD, display_name: 'X', roles: ['client'] },
    });
    assertError(res, 422, 'validation_failed', 'email');
  });
});
