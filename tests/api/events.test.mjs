// events.test.mjs — GET /api/v1/events, the live event streams (docs/internals/events.md),
// against a real server over real HTTP:
//   - a worker's stream gets `assignment` when a task is dispatched to them, then `task`
//     events through ack, submit and approve; the client's stream gets every status change,
//     the `message` the worker posts, and `wallet` for the deposit, the hold and the payment;
//   - a stranger's stream gets none of it (checked after a marker event of their own, which
//     is ordered after everything the others caused);
//   - a reconnect with Last-Event-ID (header, or ?last_event_id=) replays exactly the events
//     after that id, in order; without it a stream starts at now;
//   - more than PW_EVENT_STREAMS_PER_USER_MAX streams of one user is 429 with Retry-After,
//     and a closed stream frees its place;
//   - heartbeat comments arrive (--events-heartbeat-ms 200); no session is 401;
//   - a task taken from its worker (release, cancel) tells them; after that, nothing of it;
//   - SIGTERM with streams open still stops cleanly (exit 0), ending the streams;
//   - an open stream keeps a worker present for the silent-worker sweep;
//   - events are durable: a Last-Event-ID from before a restart replays what followed.
// Waits are on conditions (a frame arriving), never on a fixed sleep.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { EventStream } from './event_stream.mjs';
import { V1, api, assertError } from './helpers.mjs';
import {
  act, deposit, makeClient, makeWorker, ok, postTask, serverNow, taskBody, uniqueTag, waitAssignedTo,
} from './lifecycle_helpers.mjs';

const PER_USER_MAX = 5; // PW_EVENT_STREAMS_PER_USER_MAX
const WAIT_MS = 10_000;

const streams = [];

/** GET /events as `token`; resolves to an EventStream (on 200) or the error answer. */
async function openStream(base, token, { lastEventId, query = '' } = {}) {
  const controller = new AbortController();
  const headers = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const res = await fetch(`${base}${V1}/events${query}`, { headers, signal: controller.signal });
  if (res.status !== 200) {
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  }
  const s = new EventStream(res, controller);
  streams.push(s);
  return s;
}

const money = (amount) => ({ kind: 'money', amount, currency: 'EUR' });

describe('GET /api/v1/events', () => {
  let server;
  let base;
  before(async () => {
    const { startMarket } = await import('./lifecycle_helpers.mjs');
    server = await startMarket({ args: ['--events-heartbeat-ms', '200'] });
    base = server.base;
  });
  after(async () => {
    for (const s of streams) s.close();
    await server?.dispose();
  });

  test('no session is 401', async () => {
    const res = await openStream(base, undefined);
    assertError(res, 401, 'unauthenticated');
    const bad = await openStream(base, 'not-a-token');
    assertError(bad, 401, 'unauthenticated');
  });

  test('a text/event-stream, not cached; heartbeat comments arrive', async () => {
    const c = await makeClient(base);
    const s = await openStream(base, c.token);
    assert.equal(s.res.status, 200);
    assert.match(s.res.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(s.res.headers.get('cache-control'), 'no-store');
    await s.until((f) => f.retry !== undefined, 'the retry: line');
    await s.until((f) => f.comment === 'ping', 'a first ping');
    const pings = () => s.frames.filter((f) => f.comment === 'ping').length;
    await s.waitFor(() => pings() >= 3, 'three pings');
    assert.equal(s.events.length, 0, 'a stream without Last-Event-ID starts at now');
    s.close();
  });

  test('a bad Last-Event-ID is 400', async () => {
    const c = await makeClient(base);
    assertError(await openStream(base, c.token, { lastEventId: 'abc' }), 400, 'validation_failed', 'Last-Event-ID');
    assertError(await openStream(base, c.token, { query: '?last_event_id=-1' }), 400, 'validation_failed',
      'last_event_id');
  });

  test('the lifecycle live: assignment, task states, message, wallet; a stranger sees none', async () => {
    const tag = uniqueTag();
    const client = await makeClient(base);
    const worker = await makeWorker(base, { categories: [tag] });
    const stranger = await makeClient(base, { name: 'Stranger' });
    const cs = await openStream(base, client.token);
    const ws = await openStream(base, worker.token);
    const ss = await openStream(base, stranger.token);

    await deposit(base, client.token, 5000);
    await cs.untilEvent('wallet', (d) => d.currency === 'EUR', 'wallet after the deposit');

    const now = await serverNow(base);
    const task = await postTask(base, client.token, taskBody(now, { category: tag, compensation: money(1000) }));
    const forTask = (status) => (d) => d.task_id === task.id && d.status === status;
    await cs.untilEvent('task', forTask('dispatching'), 'task dispatching (posted)');

    const assignment = await ws.untilEvent('assignment', (d) => d.task_id === task.id, 'the assignment');
    assert.ok(Date.parse(assignment.data.ack_deadline) > now, `ack_deadline: ${JSON.stringify(assignment.data)}`);
    await ws.untilEvent('task', forTask('assigned'), 'task assigned (worker)');
    await cs.untilEvent('task', forTask('assigned'), 'task assigned (client)');
    await waitAssignedTo(base, client.token, task.id, worker.user.id);

    ok(await act(base, worker.token, task.id, 'ack'), 200, 'ack');
    await ws.untilEvent('task', forTask('in_progress'), 'in_progress (worker)');
    await cs.untilEvent('task', forTask('in_progress'), 'in_progress (client)');

    const msg = ok(await api(base, 'POST', `${V1}/tasks/${task.id}/messages`,
      { token: worker.token, body: { body: 'On my way.' } }), 201, 'message');
    const m = await cs.untilEvent('message', (d) => d.task_id === task.id, 'the message (client)');
    assert.deepEqual(m.data, { task_id: task.id, message_id: msg.id, sender_id: worker.user.id });
    await ws.untilEvent('message', (d) => d.message_id === msg.id, 'the message (sender)');

    ok(await act(base, worker.token, task.id, 'submit', { note: 'done' }), 200, 'submit');
    await cs.untilEvent('task', forTask('submitted'), 'submitted (client)');
    await ws.untilEvent('task', forTask('submitted'), 'submitted (worker)');
    ok(await act(base, client.token, task.id, 'approve'), 200, 'approve');
    const done = await cs.untilEvent('task', forTask('completed'), 'completed (client)');
    assert.ok(!Number.isNaN(Date.parse(done.data.at)), `at: ${JSON.stringify(done.data)}`);
    await ws.untilEvent('task', forTask('completed'), 'completed (worker)');
    await ws.untilEvent('wallet', (d) => d.currency === 'EUR', 'wallet after the payment (worker)');

    // The client's task events are exactly the lifecycle, in order, with rising ids.
    const statuses = cs.events.filter((f) => f.event === 'task').map((f) => f.data.status);
    assert.deepEqual(statuses, ['dispatching', 'assigned', 'in_progress', 'submitted', 'completed']);
    const ids = cs.events.map((f) => f.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids rise');
    assert.equal(new Set(ids).size, ids.length, 'ids are distinct');
    assert.ok(cs.events.filter((f) => f.event === 'wallet').length >= 3, 'deposit, hold, payment');
    assert.ok(!ws.events.some((f) => f.event === 'wallet' && f.id < assignment.id), 'no wallet of the client');

    // The stranger: a marker of their own, then nothing else before it.
    await deposit(base, stranger.token, 100);
    const marker = await ss.untilEvent('wallet', () => true, 'the stranger\'s marker');
    const before = ss.events.filter((f) => f.id < marker.id);
    assert.deepEqual(before, [], `the stranger got: ${JSON.stringify(before)}`);
    assert.ok(!ss.events.some((f) => f.data?.task_id === task.id), 'nothing about the task');
  });

  test('a task taken from a worker: `task` dispatching to them on release, cancelled on cancel', async () => {
    const tag = uniqueTag();
    const client = await makeClient(base, { money: 5000 });
    const worker = await makeWorker(base, { categories: [tag] });
    const ws = await openStream(base, worker.token);
    const cs = await openStream(base, client.token);
    const now = await serverNow(base);
    const task = await postTask(base, client.token, taskBody(now, { category: tag, compensation: money(700) }));
    const forTask = (status) => (d) => d.task_id === task.id && d.status === status;
    await ws.untilEvent('assignment', (d) => d.task_id === task.id, 'the assignment');
    await waitAssignedTo(base, client.token, task.id, worker.user.id);
    ok(await act(base, worker.token, task.id, 'release'), 200, 'release');
    await ws.untilEvent('task', forTask('dispatching'), 'dispatching to the worker who released it');
    await cs.untilEvent('task', forTask('dispatching'), 'dispatching to the client');
    // released, it is no longer theirs: its cancel goes to the client only
    ok(await act(base, client.token, task.id, 'cancel'), 200, 'cancel while dispatching');
    await cs.untilEvent('task', forTask('cancelled'), 'cancelled to the client');
    const wallet = await cs.untilEvent('wallet', () => true, 'wallet for the hold');
    assert.equal(wallet.data.currency, 'EUR');
    await cs.waitFor(() => cs.events.filter((f) => f.event === 'wallet').length >= 2, 'wallet for the release of the hold');

    // another client's task, assigned to the same worker, cancelled while assigned
    const other = await makeClient(base, { money: 5000 });
    const os = await openStream(base, other.token);
    const second = await postTask(base, other.token, taskBody(now, { category: tag, compensation: money(800) }));
    await ws.untilEvent('assignment', (d) => d.task_id === second.id, 'the second task\'s assignment');
    await waitAssignedTo(base, other.token, second.id, worker.user.id);
    ok(await act(base, other.token, second.id, 'cancel'), 200, 'cancel while assigned');
    const gone = (d) => d.task_id === second.id && d.status === 'cancelled';
    await ws.untilEvent('task', gone, 'cancelled to the worker it was taken from');
    await os.untilEvent('task', gone, 'cancelled to its client');
    // and the first task's cancel, after the release, never reached the worker
    const cancelledFirst = await cs.untilEvent('task', forTask('cancelled'), 'the first cancel');
    assert.ok(!ws.events.some((f) => f.data?.task_id === task.id && f.id >= cancelledFirst.id),
      'nothing of the released task after the release');
    for (const s of [ws, cs, os]) s.close();
  });

  test('Last-Event-ID replays exactly what was missed, in order', async () => {
    const c = await makeClient(base);
    const live = await openStream(base, c.token);
    for (let i = 0; i < 3; i++) await deposit(base, c.token, 100 + i);
    const third = await live.waitFor(() => live.events[2], 'three wallet events');
    const first = live.events[0];
    for (let i = 0; i < 4; i++) await deposit(base, c.token, 200 + i);
    await live.waitFor(() => live.events[6], 'seven wallet events');
    const missed = live.events.slice(1, 7);

    const again = await openStream(base, c.token, { lastEventId: first.id });
    await again.waitFor(() => again.events.length >= 6, 'the replay');
    assert.deepEqual(again.events.map(({ id, event, data }) => ({ id, event, data })),
      missed.map(({ id, event, data }) => ({ id, event, data })));

    const byQuery = await openStream(base, c.token, { query: `?last_event_id=${third.id}` });
    await byQuery.waitFor(() => byQuery.events.length >= 4, 'the replay by query');
    assert.deepEqual(byQuery.events.map((f) => f.id), live.events.slice(3, 7).map((f) => f.id));

    // and then live: a new event reaches the replayed stream too
    await deposit(base, c.token, 999);
    const next = await again.waitFor(() => again.events[6], 'a live event after replay');
    assert.equal(next.id, (await live.waitFor(() => live.events[7], 'the live one')).id);
    for (const s of [live, again, byQuery]) s.close();
  });

  test(`past ${PER_USER_MAX} streams of one user is 429 with Retry-After; a closed one frees its place`, async () => {
    const c = await makeClient(base);
    const open = [];
    for (let i = 0; i < PER_USER_MAX; i++) {
      const s = await openStream(base, c.token);
      assert.ok(s instanceof EventStream, `stream ${i + 1}: ${s.status} ${s.text}`);
      open.push(s);
    }
    const metrics = await api(base, 'GET', '/metrics');
    const gauge = Number(/^pw_events_streams (\d+)$/m.exec(metrics.text)?.[1]);
    assert.ok(gauge >= PER_USER_MAX, `pw_events_streams on /metrics: ${gauge}`);
    const refused = await openStream(base, c.token);
    assertError(refused, 429, 'rate_limited');
    assert.match(refused.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    // another user is not limited by this one
    const other = await makeClient(base);
    assert.ok((await openStream(base, other.token)) instanceof EventStream, 'another user opens one');

    open[0].close();
    // the server sees the close at its next write (a heartbeat): wait for the place to come back
    let again;
    const until = Date.now() + WAIT_MS;
    for (;;) {
      again = await openStream(base, c.token);
      if (again instanceof EventStream || Date.now() > until) break;
      assertError(again, 429, 'rate_limited');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(again instanceof EventStream, 'a place came back after a close');
    for (const s of open) s.close();
    again.close();
  });

  test('SIGTERM with streams open stops cleanly and ends them', async () => {
    const c = await makeClient(base);
    const s1 = await openStream(base, c.token);
    const s2 = await openStream(base, c.token);
    await s1.until((f) => f.comment === 'ping', 'a ping');
    await server.stop(); // asserts exit status 0
    await s1.untilEnded();
    await s2.untilEnded();
  });
});

describe('an open stream is a worker\'s presence', () => {
  let server;
  let base;
  before(async () => {
    const { startMarket } = await import('./lifecycle_helpers.mjs');
    server = await startMarket({ args: ['--events-heartbeat-ms', '200', '--heartbeat-timeout-s', '30'] });
    base = server.base;
  });
  after(async () => {
    for (const s of streams) s.close();
    await server?.dispose();
  });

  test('the silent-worker sweep keeps an active worker whose stream is open, and takes the other', async () => {
    const { advance } = await import('./lifecycle_helpers.mjs');
    const tag = uniqueTag();
    const streamed = await makeWorker(base, { categories: [tag] });
    const silent = await makeWorker(base, { categories: [tag] });
    const s = await openStream(base, streamed.token);
    const pings = () => s.frames.filter((f) => f.comment === 'ping').length;
    await advance(base, 25); // under the 30 s timeout: nobody is swept yet
    // pings spanning more than PW_EVENTS_PRESENCE_MIN_INTERVAL_MS (1 s) after the advance: a
    // presence touch was handed to the writer since, at the advanced time
    const after = pings();
    await s.waitFor(() => pings() >= after + 7, 'seven pings after the advance');
    await advance(base, 25); // 50 s after both went active: the silent one is swept
    const active = async (w) => ok(await api(base, 'GET', `${V1}/me/worker`, { token: w.token }), 200).active;
    assert.equal(await active(silent), false, 'the worker without a stream was swept');
    assert.equal(await active(streamed), true, 'the worker with an open stream is still active');
    s.close();
  });
});

describe('events are durable: a replay after a restart', () => {
  test('a Last-Event-ID from before a restart replays what came after it', async () => {
    const { startMarket } = await import('./lifecycle_helpers.mjs');
    const first = await startMarket({ args: ['--events-heartbeat-ms', '200'] });
    try {
      const c = await makeClient(first.base);
      const live = await openStream(first.base, c.token);
      await deposit(first.base, c.token, 100);
      await deposit(first.base, c.token, 200);
      const [one, two] = [await live.waitFor(() => live.events[0], 'one'), await live.waitFor(() => live.events[1], 'two')];
      await first.stop();
      await live.untilEnded();
      const second = await startMarket({ db: first.db, args: ['--events-heartbeat-ms', '200'] });
      try {
        const again = await openStream(second.base, c.token, { lastEventId: one.id });
        const replayed = await again.waitFor(() => again.events[0], 'the replay after the restart');
        assert.deepEqual({ id: replayed.id, event: replayed.event, data: replayed.data },
          { id: two.id, event: two.event, data: two.data });
        await deposit(second.base, c.token, 300); // the sequence goes on past the old ids
        const next = await again.waitFor(() => again.events[1], 'a new event');
        assert.ok(next.id > two.id, `ids go on rising: ${next.id} after ${two.id}`);
        again.close();
        await second.stop();
      } finally {
        await second.dispose();
      }
    } finally {
      await first.dispose();
    }
  });
});
