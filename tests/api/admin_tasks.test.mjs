// admin_tasks.test.mjs — GET /api/v1/admin/tasks, the admins' search over everyone's tasks
// (issue 15, item 4). Over real HTTP against the real binary:
//   * each filter alone and together: text (title or description, case- and
//     accent-insensitive), state, category, user (the client or the worker);
//   * the items are the admin's view, as GET /tasks/{id} renders it for an admin;
//   * newest first, and a cursor walk sees every matching task exactly once;
//   * 401 without a session, 403 for a non-admin, 422 with the field for bad parameters;
//   * each search is one entry of the audit log, without the searched text.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertError } from './helpers.mjs';
import {
  V1, api, makeClient, makeWorker, marketWithAdmin, ok, postTask, serverNow, taskBody, uniqueTag,
} from './lifecycle_helpers.mjs';

/** A word nobody else's task holds: letters only (the text match is on folded words). */
function uniqueWord() {
  let w = 'zq';
  for (let i = 0; i < 10; i++) w += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return w;
}

const search = (base, token, query) => api(base, 'GET', `${V1}/admin/tasks?${query}`, { token });
const ids = (page) => page.items.map((t) => t.id);

describe('GET /admin/tasks', () => {
  let server;
  let base;
  let admin;
  marketWithAdmin((m) => ({ server, base, admin } = m));

  test('text matches title or description, whatever the case and accents', async () => {
    const word = uniqueWord();
    const client = await makeClient(base);
    const now = await serverNow(base);
    const inTitle = await postTask(base, client.token, taskBody(now, { title: `Réparer la CRÈME ${word}` }));
    const inDescription = await postTask(base, client.token,
      taskBody(now, { description: `Une tâche: straße ${word} ÉTÉ` }));
    await postTask(base, client.token, taskBody(now, { title: `Nothing of it ${uniqueWord()}` }));

    const both = ok(await search(base, admin.token, `q=${encodeURIComponent(word.toUpperCase())}`));
    assert.deepEqual(ids(both), [inDescription.id, inTitle.id], 'newest first, both found by the word');
    const accented = ok(await search(base, admin.token, `q=${encodeURIComponent(`creme ${word}`)}`));
    assert.deepEqual(ids(accented), [inTitle.id], 'the query without accents finds the accented title');
    const upper = ok(await search(base, admin.token, `q=${encodeURIComponent(`STRASSE ${word.toUpperCase()} été`)}`));
    assert.deepEqual(ids(upper), [inDescription.id], 'ß folds to ss; accents in the query fold too');
    const none = ok(await search(base, admin.token, `q=${encodeURIComponent(`${word} missing`)}`));
    assert.deepEqual(none, { items: [], next_cursor: null });
  });

  test('state, category and user filter; the items are the admin view of GET /tasks/{id}', async () => {
    // a worker only in catB, so nothing in catA can ever be assigned
    const catA = uniqueTag('adm');
    const catB = uniqueTag('adm');
    const client = await makeClient(base);
    const other = await makeClient(base);
    const worker = await makeWorker(base, { categories: [catB] });
    const now = await serverNow(base);
    const waiting = await postTask(base, client.token, taskBody(now, { category: catA }));
    const assigned = await postTask(base, other.token, taskBody(now, { category: catB, urgent: true }));
    assert.equal(assigned.assignment?.worker_id, worker.user.id, 'assigned at once');
    const elsewhere = await postTask(base, client.token, taskBody(now, { category: uniqueTag('adm') }));

    const inB = ok(await search(base, admin.token, `category=${catB}`));
    assert.deepEqual(ids(inB), [assigned.id]);
    const shown = ok(await api(base, 'GET', `${V1}/tasks/${assigned.id}`, { token: admin.token }));
    assert.deepEqual(inB.items[0], shown, 'the admin view, as GET /tasks/{id} renders it');
    assert.deepEqual(ids(ok(await search(base, admin.token, `category=${catA}`))), [waiting.id]);

    const found = async (query) => ids(ok(await search(base, admin.token, query)));
    assert.deepEqual(await found(`category=${catA}&state=dispatching`), [waiting.id]);
    assert.deepEqual(await found(`category=${catA}&state=assigned`), []);
    assert.deepEqual(await found(`category=${catB}&state=assigned`), [assigned.id]);
    assert.deepEqual(await found(`user=${client.user.id}`), [elsewhere.id, waiting.id], 'the client\'s tasks');
    assert.deepEqual(await found(`user=${client.user.id}&state=dispatching`), [elsewhere.id, waiting.id]);
    assert.deepEqual(await found(`user=${client.user.id}&state=assigned`), []);
    assert.deepEqual(await found(`user=${other.user.id}&state=assigned`), [assigned.id]);
    assert.deepEqual(await found(`user=${worker.user.id}`), [assigned.id], 'the worker\'s task');
    assert.deepEqual(await found(`user=${worker.user.id}&category=${catA}`), []);
  });

  test('a cursor walk sees every matching task once, newest first', async () => {
    const cat = uniqueTag('walk');
    const client = await makeClient(base);
    const now = await serverNow(base);
    const posted = [];
    for (let i = 0; i < 7; i++) posted.push((await postTask(base, client.token, taskBody(now, { category: cat }))).id);
    const seen = [];
    let cursor = null;
    for (let page = 0; page < 10; page++) {
      const res = ok(await search(base, admin.token, `category=${cat}&limit=3${cursor ? `&cursor=${cursor}` : ''}`));
      assert.ok(res.items.length <= 3);
      seen.push(...ids(res));
      cursor = res.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, [...posted].reverse(), 'every task once, newest first');
  });

  test('401 without a session, 403 for a non-admin', async () => {
    assertError(await search(base, undefined, 'q=x'), 401, 'unauthenticated');
    const client = await makeClient(base);
    assertError(await search(base, client.token, 'q=x'), 403, 'forbidden');
  });

  test('bad parameters are 422 with the field', async () => {
    const cases = [
      ['state=bogus', 'state'],
      ['state=', 'state'],
      ['category=', 'category'],
      [`category=${'c'.repeat(200)}`, 'category'],
      ['user=abc', 'user'],
      ['user=0', 'user'],
      [`q=${'é'.repeat(201)}`, 'q'],
      [`q=${encodeURIComponent('\u00ff').replace('C3%BF', 'FF')}`, 'q'],
      ['limit=0', 'limit'],
      ['cursor=nope', 'cursor'],
    ];
    for (const [query, field] of cases) {
      assertError(await search(base, admin.token, query), 422, 'validation_failed', field);
    }
  });

  test('each search is one audit entry, with the filters and count but not the text', async () => {
    const word = uniqueWord();
    const client = await makeClient(base);
    const now = await serverNow(base);
    await postTask(base, client.token, taskBody(now, { title: `Audit ${word}` }));
    ok(await search(base, admin.token, `q=${word}&state=dispatching&user=${client.user.id}`));
    const log = ok(await api(base, 'GET', `${V1}/admin/audit?action=tasks.search&limit=100`, { token: admin.token }));
    const mine = log.items.filter((e) => e.detail.user_id === client.user.id);
    assert.equal(mine.length, 1, JSON.stringify(log.items));
    assert.equal(mine[0].admin_id, admin.user.id);
    assert.deepEqual(mine[0].detail, { items: 1, text: true, category: false, state: 'dispatching', user_id: client.user.id });
    assert.ok(!JSON.stringify(log).includes(word), 'the searched text is not in the log');
  });
});
