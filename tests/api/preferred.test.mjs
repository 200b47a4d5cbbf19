// preferred.test.mjs — a client's preferred worker (POST /tasks preferred_worker_id):
// offered the task first when active and fit, even when another worker scores higher, in
// a batch round and on the urgent path, with "preferred by the client" in the
// explanation; an inactive one leaves the usual dispatch; one who releases is not offered
// it again; bad ids are 422 on the field; and no worker's view of a task shows whom the
// client preferred.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { assertError } from './helpers.mjs';
import {
  startMarket, uniqueTag, ok, advance, serverNow, makeClient, makeWorker, taskBody, postTask, getTask, act, V1,
  api,
} from './lifecycle_helpers.mjs';

describe('preferred worker', () => {
  let srv;
  let base;
  before(async () => {
    // Rounds only when the test asks (dev clock)
    srv = await startMarket({ args: ['--batch-window-ms', '3600000'] });
    base = srv.base;
  });
  after(async () => { await srv.stop(); });

  const place = { lat: 52.371, lon: 4.893 };
  // Two local workers at the place: `top` has the task's skill and category (the higher
  // score), `other` the category only.
  async function pair({ otherActive = true } = {}) {
    const cat = uniqueTag('prefcat'), skill = uniqueTag('prefskill');
    const top = await makeWorker(base, { skills: [skill], categories: [cat], remote: false,
      location: { lat: 52.37, lon: 4.89 }, radius_km: 20 }, { name: 'Top' });
    const other = await makeWorker(base, { skills: [uniqueTag('else')], categories: [cat], remote: false,
      location: { lat: 52.37, lon: 4.89 }, radius_km: 20 }, { name: 'Other', active: otherActive });
    return { cat, skill, top, other };
  }
  const dispatchOf = async (token, id) => ok(await api(base, 'GET', `${V1}/tasks/${id}/dispatch`, { token }));

  test('in a round, an active fitting preferred worker gets the task over the higher score', async () => {
    const { cat, skill, top, other } = await pair();
    const client = await makeClient(base);
    const now = await serverNow(base);
    // without a preference, the top scorer gets it: the baseline the preference overrides
    const plain = await postTask(base, client.token, taskBody(now, { category: cat, skills: [skill], location: place }));
    await advance(base, 0);
    assert.equal((await getTask(base, client.token, plain.id)).assignment.worker_id, top.user.id);
    ok(await act(base, client.token, plain.id, 'cancel'));

    const t = await postTask(base, client.token, taskBody(now, { category: cat, skills: [skill], location: place,
      preferred_worker_id: other.user.id }));
    assert.equal(t.preferred_worker_id, other.user.id, 'the client sees the preference');
    assert.equal(t.status, 'dispatching');
    await advance(base, 0);
    const got = await getTask(base, client.token, t.id);
    assert.equal(got.assignment.worker_id, other.user.id);
    assert.equal(got.preferred_worker_id, other.user.id);
    const exp = (await dispatchOf(client.token, t.id)).assignments[0].explanation;
    assert.equal(exp.policy, 'batch');
    assert.match(exp.why, /preferred by the client/);
    assert.deepEqual(exp.candidates.map((c) => c.worker_id), [other.user.id]);
    // the assigned worker's view does not say they were the preferred one
    const seen = await getTask(base, other.token, t.id);
    assert.equal(seen.assignment.worker_id, other.user.id);
    assert.ok(!('preferred_worker_id' in seen), JSON.stringify(seen));
    const listed = ok(await api(base, 'GET', `${V1}/tasks?role=worker`, { token: other.token })).items;
    assert.ok(listed.some((x) => x.id === t.id));
    assert.ok(listed.every((x) => !('preferred_worker_id' in x)));
    const acked = ok(await act(base, other.token, t.id, 'ack'));
    assert.ok(!JSON.stringify(acked).includes('preferred'), JSON.stringify(acked));
  });

  test('an urgent task goes to the preferred worker while it is posted', async () => {
    const { cat, skill, other } = await pair();
    const client = await makeClient(base);
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, skills: [skill], location: place,
      urgent: true, preferred_worker_id: other.user.id }));
    assert.equal(t.status, 'assigned');
    assert.equal(t.assignment.worker_id, other.user.id);
    const exp = (await dispatchOf(client.token, t.id)).assignments[0].explanation;
    assert.equal(exp.policy, 'greedy');
    assert.match(exp.why, /preferred by the client/);
  });

  test('an inactive preferred worker: the usual worker, and that worker never sees the preference', async () => {
    const { cat, skill, top, other } = await pair({ otherActive: false });
    const client = await makeClient(base);
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, skills: [skill], location: place,
      preferred_worker_id: other.user.id }));
    await advance(base, 0);
    const got = await getTask(base, client.token, t.id);
    assert.equal(got.assignment.worker_id, top.user.id);
    assert.equal(got.preferred_worker_id, other.user.id);
    const exp = (await dispatchOf(client.token, t.id)).assignments[0].explanation;
    assert.doesNotMatch(exp.why, /preferred/);
    const seen = await getTask(base, top.token, t.id);
    assert.ok(!('preferred_worker_id' in seen), JSON.stringify(seen));
    assert.ok(!JSON.stringify(seen).includes(other.user.id), 'the other worker is not named to this one');
    // and the preferred worker, not assigned, cannot see the task at all
    assertError(await api(base, 'GET', `${V1}/tasks/${t.id}`, { token: other.token }), 404, 'not_found');
  });

  test('a preferred worker who releases is not offered the task again', async () => {
    const { cat, skill, top, other } = await pair();
    const client = await makeClient(base);
    const now = await serverNow(base);
    const t = await postTask(base, client.token, taskBody(now, { category: cat, skills: [skill], location: place,
      preferred_worker_id: other.user.id }));
    await advance(base, 0);
    assert.equal((await getTask(base, client.token, t.id)).assignment.worker_id, other.user.id);
    ok(await act(base, other.token, t.id, 'ack'));
    ok(await act(base, other.token, t.id, 'release'));
    await advance(base, 0);
    const again = await getTask(base, client.token, t.id);
    assert.equal(again.status, 'assigned');
    assert.equal(again.assignment.worker_id, top.user.id);
    const d = await dispatchOf(client.token, t.id);
    assert.deepEqual(d.assignments.map((a) => a.worker_id), [other.user.id, top.user.id]);
    assert.doesNotMatch(d.assignments[1].explanation.why, /preferred/);
  });

  test('a preferred_worker_id that names no one else with a worker profile is 422 on the field', async () => {
    const client = await makeClient(base);
    const clientWorker = await makeWorker(base, {}, { roles: ['client', 'worker'], name: 'Both' });
    const noProfile = await makeClient(base, { name: 'NoProfile' });
    const now = await serverNow(base);
    const post = (token, preferred) => api(base, 'POST', `${V1}/tasks`,
      { token, body: taskBody(now, { category: uniqueTag('bad'), preferred_worker_id: preferred }) });
    for (const bad of ['999999999999999', noProfile.user.id, client.user.id, 'abc', '', '-5', '12x', '+12']) {
      assertError(await post(client.token, bad), 422, 'validation_failed', 'preferred_worker_id');
    }
    // not the client themself, even with a worker profile of their own
    assertError(await post(clientWorker.token, clientWorker.user.id), 422, 'validation_failed', 'preferred_worker_id');
    assertError(await post(client.token, 42), 400, 'wrong_type', 'preferred_worker_id');
    // null is none, and a task without a preference has no such field
    const none = ok(await post(client.token, null), 201);
    assert.ok(!('preferred_worker_id' in none), JSON.stringify(none));
    // nothing was held or posted by the refusals: only the one task is the client's
    const mine = ok(await api(base, 'GET', `${V1}/tasks?role=client`, { token: client.token })).items;
    assert.deepEqual(mine.map((x) => x.id), [none.id]);
  });
});
