// wallet.test.mjs — the wallet API against the real server: balances, entries and their
// cursor, deposits and payouts (through the sandbox provider, which declines exactly the
// amount 40002), Idempotency-Key replays, input validation, authentication and privacy.
// After the suite the server is stopped and `peerwork ledger verify` must pass on its
// database: whatever the tests did, the ledger's invariants hold.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';

import { BINARY, RFC3339_UTC, V1, api, assertError, serverPerSuite, signupAndLogin } from './helpers.mjs';

const SANDBOX_DECLINED = 40002;

/** After the suite, on the stopped server's database: the ledger's invariants hold. */
function assertLedgerVerifies(stopped) {
  const run = spawnSync(BINARY, ['ledger', 'verify', '--db', stopped.db], { encoding: 'utf8' });
  assert.equal(run.status, 0, `ledger verify: ${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /^ledger ok: \d+ accounts, \d+ transfers, \d+ pending, 0 failures\n$/);
}

let base;
serverPerSuite((s) => { base = s.base; }, { stopped: assertLedgerVerifies });

// ---- local helpers ----------------------------------------------------------------------

async function user() {
  const { token, user: u } = await signupAndLogin(base);
  return { token, id: u.id };
}

function deposit(token, body, key) {
  return api(base, 'POST', `${V1}/wallet/deposits`, { token, body, headers: key ? { 'idempotency-key': key } : {} });
}

function payout(token, body, key) {
  return api(base, 'POST', `${V1}/wallet/payouts`, { token, body, headers: key ? { 'idempotency-key': key } : {} });
}

async function wallet(token) {
  const res = await api(base, 'GET', `${V1}/wallet`, { token });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

async function balanceOf(token, currency) {
  const w = await wallet(token);
  return w.balances.find((b) => b.currency === currency) ?? null;
}

async function entries(token, query = '') {
  const res = await api(base, 'GET', `${V1}/wallet/entries${query}`, { token });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

async function mustDeposit(token, amount, currency = 'EUR') {
  const res = await deposit(token, { amount, currency });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

// ---- balances -------------------------------------------------------------------------------

describe('balances', () => {
  test('a new user has no balances', async () => {
    const { token } = await user();
    assert.deepEqual(await wallet(token), { balances: [] });
  });

  test('deposits add up exactly, per currency', async () => {
    const { token } = await user();
    const first = await mustDeposit(token, 1250);
    assert.match(first.id, /^\d+$/);
    assert.deepEqual(first.amount, { amount: 1250, currency: 'EUR' });
    assert.equal(first.status, 'completed');
    assert.match(first.created_at, RFC3339_UTC);
    assert.deepEqual(first.balance, { currency: 'EUR', available: 1250, held: 0 });
    const second = await mustDeposit(token, 1);
    assert.deepEqual(second.balance, { currency: 'EUR', available: 1251, held: 0 });
    assert.notEqual(second.id, first.id);
    await mustDeposit(token, 99999, 'USD');
    assert.deepEqual(await wallet(token), {
      balances: [
        { currency: 'EUR', available: 1251, held: 0 },
        { currency: 'USD', available: 99999, held: 0 },
      ],
    });
  });

  test('the largest amount is accepted and the next one refused', async () => {
    const { token } = await user();
    await mustDeposit(token, 100_000_000_000, 'JPY');
    assertError(await deposit(token, { amount: 100_000_000_001, currency: 'JPY' }), 422, 'validation_failed', 'amount');
    assert.deepEqual(await balanceOf(token, 'JPY'), { currency: 'JPY', available: 100_000_000_000, held: 0 });
  });
});

// ---- payouts ----------------------------------------------------------------------------------

describe('payouts', () => {
  test('a payout moves money out and reports the balance after it', async () => {
    const { token } = await user();
    await mustDeposit(token, 5000);
    const res = await payout(token, { amount: 1200, currency: 'EUR' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.amount, { amount: 1200, currency: 'EUR' });
    assert.equal(res.json.status, 'completed');
    assert.deepEqual(res.json.balance, { currency: 'EUR', available: 3800, held: 0 });
    assert.deepEqual(await balanceOf(token, 'EUR'), { currency: 'EUR', available: 3800, held: 0 });
  });

  test('more than available is 409 insufficient_funds and nothing changes', async () => {
    const { token } = await user();
    await mustDeposit(token, 700);
    const before = await entries(token);
    assertError(await payout(token, { amount: 701, currency: 'EUR' }), 409, 'insufficient_funds');
    assertError(await payout(token, { amount: 1, currency: 'USD' }), 409, 'insufficient_funds');
    assert.deepEqual(await wallet(token), { balances: [{ currency: 'EUR', available: 700, held: 0 }] });
    assert.deepEqual(await entries(token), before);
    const all = await payout(token, { amount: 700, currency: 'EUR' });
    assert.equal(all.status, 201, all.text);
    assert.deepEqual(all.json.balance, { currency: 'EUR', available: 0, held: 0 });
  });

  test('the sandbox declines amount 40002 for deposits and payouts, moving nothing', async () => {
    const { token } = await user();
    assertError(await deposit(token, { amount: SANDBOX_DECLINED, currency: 'EUR' }), 422, 'payment_declined');
    assert.deepEqual(await wallet(token), { balances: [] });
    await mustDeposit(token, 50000);
    assertError(await payout(token, { amount: SANDBOX_DECLINED, currency: 'EUR' }), 422, 'payment_declined');
    assert.deepEqual(await balanceOf(token, 'EUR'), { currency: 'EUR', available: 50000, held: 0 });
    assert.equal((await entries(token)).items.length, 1);
  });
});

// ---- entries ------------------------------------------------------------------------------------

describe('entries', () => {
  test('newest first, with kind, signed amount, running balance and a cursor', async () => {
    const { token } = await user();
    const amounts = [100, 200, 300, 400, 500];
    const ids = [];
    for (const a of amounts) ids.push((await mustDeposit(token, a)).id);
    const out = await payout(token, { amount: 50, currency: 'EUR' });
    assert.equal(out.status, 201, out.text);

    const page1 = await entries(token, '?limit=4');
    assert.equal(page1.items.length, 4);
    assert.equal(typeof page1.next_cursor, 'string');
    const [latest] = page1.items;
    assert.equal(latest.kind, 'payout');
    assert.equal(latest.transfer_id, out.json.id);
    assert.deepEqual(latest.amount, { amount: -50, currency: 'EUR' });
    assert.equal(latest.balance_after, 1450);
    assert.equal(latest.task_id, null);
    assert.match(latest.created_at, RFC3339_UTC);
    assert.match(latest.id, /^\d+$/);
    assert.deepEqual(page1.items.slice(1).map((e) => e.amount.amount), [500, 400, 300]);
    assert.deepEqual(page1.items.slice(1).map((e) => e.balance_after), [1500, 1000, 600]);
    assert.ok(page1.items.slice(1).every((e) => e.kind === 'deposit'));

    const page2 = await entries(token, `?limit=4&cursor=${encodeURIComponent(page1.next_cursor)}`);
    assert.deepEqual(page2.items.map((e) => e.amount.amount), [200, 100]);
    assert.deepEqual(page2.items.map((e) => e.transfer_id), [ids[1], ids[0]]);
    assert.equal(page2.next_cursor, null);

    const seen = [...page1.items, ...page2.items].map((e) => BigInt(e.id));
    for (let i = 1; i < seen.length; i += 1) assert.ok(seen[i] < seen[i - 1], 'strictly newest first');
  });

  test('an exact page has no next cursor; default limit is 20, max 100', async () => {
    const { token } = await user();
    for (let i = 1; i <= 3; i += 1) await mustDeposit(token, i);
    const exact = await entries(token, '?limit=3');
    assert.equal(exact.items.length, 3);
    assert.equal(exact.next_cursor, null);
    for (let i = 0; i < 19; i += 1) await mustDeposit(token, 10 + i, i % 2 ? 'EUR' : 'USD');
    const dflt = await entries(token);
    assert.equal(dflt.items.length, 20);
    assert.equal(typeof dflt.next_cursor, 'string');
    const rest = await entries(token, `?cursor=${dflt.next_cursor}`);
    assert.equal(rest.items.length, 2);
    assert.equal(rest.next_cursor, null);
    const currencies = new Set(dflt.items.map((e) => e.amount.currency));
    assert.deepEqual([...currencies].sort(), ['EUR', 'USD']);
    assert.equal((await entries(token, '?limit=100')).items.length, 22);
  });

  test('bad limit and cursor are refused', async () => {
    const { token } = await user();
    const get = (q) => api(base, 'GET', `${V1}/wallet/entries${q}`, { token });
    assertError(await get('?limit=0'), 422, 'validation_failed', 'limit');
    assertError(await get('?limit=101'), 422, 'validation_failed', 'limit');
    assertError(await get('?limit=abc'), 422, 'validation_failed', 'limit');
    assertError(await get('?limit=-1'), 422, 'validation_failed', 'limit');
    assertError(await get('?cursor=abc'), 422, 'validation_failed', 'cursor');
    assertError(await get('?cursor=0'), 422, 'validation_failed', 'cursor');
    assertError(await get(`?cursor=${'9'.repeat(200)}`), 422, 'validation_failed', 'cursor');
  });
});

// ---- idempotency ------------------------------------------------------------------------------------

describe('Idempotency-Key', () => {
  test('a replayed deposit returns the first answer and moves money once', async () => {
    const { token } = await user();
    const body = { amount: 3000, currency: 'EUR' };
    const first = await deposit(token, body, 'dep-1');
    assert.equal(first.status, 201, first.text);
    const again = await deposit(token, body, 'dep-1');
    assert.equal(again.status, 201, again.text);
    assert.deepEqual(again.json, first.json);
    assert.deepEqual(await balanceOf(token, 'EUR'), { currency: 'EUR', available: 3000, held: 0 });
    assert.equal((await entries(token)).items.length, 1);

    assertError(await deposit(token, { amount: 3001, currency: 'EUR' }, 'dep-1'), 409, 'idempotency_conflict');
    assert.deepEqual(await balanceOf(token, 'EUR'), { currency: 'EUR', available: 3000, held: 0 });

    const other = await deposit(token, body, 'dep-2');
    assert.equal(other.status, 201, other.text);
    assert.notEqual(other.json.id, first.json.id);
    assert.deepEqual(other.json.balance, { currency: 'EUR', available: 6000, held: 0 });
  });

  test('concurrent replays of one key move money once', async () => {
    const { token } = await user();
    const body = { amount: 777, currency: 'USD' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => deposit(token, body, 'burst')));
    for (const a of answers) assert.equal(a.status, 201, a.text);
    assert.ok(answers.every((a) => a.json.id === answers[0].json.id));
    assert.deepEqual(await balanceOf(token, 'USD'), { currency: 'USD', available: 777, held: 0 });
  });

  test('a replayed payout pays out once; keys are per user', async () => {
    const alice = await user();
    const bob = await user();
    await mustDeposit(alice.token, 1000);
    await mustDeposit(bob.token, 1000);
    const body = { amount: 600, currency: 'EUR' };
    const first = await payout(alice.token, body, 'same-key');
    const again = await payout(alice.token, body, 'same-key');
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(again.json, first.json);
    assert.deepEqual(await balanceOf(alice.token, 'EUR'), { currency: 'EUR', available: 400, held: 0 });
    const bobs = await payout(bob.token, body, 'same-key');
    assert.equal(bobs.status, 201, bobs.text);
    assert.notEqual(bobs.json.id, first.json.id);
    assert.deepEqual(await balanceOf(bob.token, 'EUR'), { currency: 'EUR', available: 400, held: 0 });
  });

  test('a refused request is not stored: the same key may be retried', async () => {
    const { token } = await user();
    assertError(await payout(token, { amount: 500, currency: 'EUR' }, 'retry'), 409, 'insufficient_funds');
    await mustDeposit(token, 500);
    const ok = await payout(token, { amount: 500, currency: 'EUR' }, 'retry');
    assert.equal(ok.status, 201, ok.text);
  });
});

// ---- validation ---------------------------------------------------------------------------------------

describe('bad input', () => {
  const cases = [
    ['negative', { amount: -100, currency: 'EUR' }, 422, 'validation_failed', 'amount'],
    ['zero', { amount: 0, currency: 'EUR' }, 422, 'validation_failed', 'amount'],
    ['float', { amount: 10.5, currency: 'EUR' }, 400, 'wrong_type', 'amount'],
    ['string amount', { amount: '100', currency: 'EUR' }, 400, 'wrong_type', 'amount'],
    ['null amount', { amount: null, currency: 'EUR' }, 400, 'wrong_type', 'amount'],
    ['missing amount', { currency: 'EUR' }, 422, 'validation_failed', 'amount'],
    ['missing currency', { amount: 100 }, 422, 'validation_failed', 'currency'],
    ['currency not a string', { amount: 100, currency: 978 }, 400, 'wrong_type', 'currency'],
    ['unknown currency', { amount: 100, currency: 'XYZ' }, 422, 'validation_failed', 'currency'],
    ['lower-case currency', { amount: 100, currency: 'eur' }, 422, 'validation_failed', 'currency'],
    ['TIME credits', { amount: 100, currency: 'TIME' }, 422, 'validation_failed', 'currency'],
  ];
  for (const [name, body, status, code, field] of cases) {
    test(`${name} is ${status} ${code} for deposits and payouts`, async () => {
      const { token } = await user();
      assertError(await deposit(token, body), status, code, field);
      assertError(await payout(token, body), status, code, field);
      assert.deepEqual(await wallet(token), { balances: [] });
    });
  }

  test('a float written as 1.0 or 1e3 is not an integer', async () => {
    const { token } = await user();
    for (const raw of ['{"amount": 100.0, "currency": "EUR"}', '{"amount": 1e3, "currency": "EUR"}']) {
      const res = await api(base, 'POST', `${V1}/wallet/deposits`, {
        token, rawBody: raw, headers: { 'content-type': 'application/json' },
      });
      assertError(res, 400, 'wrong_type', 'amount');
    }
    assert.deepEqual(await wallet(token), { balances: [] });
  });

  test('malformed JSON and a non-object body are 400', async () => {
    const { token } = await user();
    const post = (raw) => api(base, 'POST', `${V1}/wallet/deposits`, {
      token, rawBody: raw, headers: { 'content-type': 'application/json' },
    });
    assert.equal((await post('{"amount": 1,')).status, 400);
    assert.equal((await post('[1, 2]')).status, 400);
    assert.equal((await post('{"amount": 99999999999999999999999, "currency": "EUR"}')).status, 400);
  });
});

// ---- who sees what ------------------------------------------------------------------------------------------

describe('authentication and privacy', () => {
  test('every wallet route needs a session', async () => {
    const calls = [
      ['GET', '/wallet'], ['GET', '/wallet/entries'],
      ['POST', '/wallet/deposits'], ['POST', '/wallet/payouts'],
    ];
    for (const [method, path] of calls) {
      const body = method === 'POST' ? { amount: 100, currency: 'EUR' } : undefined;
      assertError(await api(base, method, `${V1}${path}`, { body }), 401, 'unauthenticated');
      assertError(await api(base, method, `${V1}${path}`, { body, token: 'not-a-token' }), 401, 'unauthenticated');
    }
  });

  test("another user's wallet and entries are never visible", async () => {
    const alice = await user();
    const bob = await user();
    await mustDeposit(alice.token, 4242);
    await mustDeposit(bob.token, 17, 'USD');
    assert.deepEqual(await wallet(bob.token), { balances: [{ currency: 'USD', available: 17, held: 0 }] });
    const bobEntries = await entries(bob.token, '?limit=100');
    assert.equal(bobEntries.items.length, 1);
    assert.deepEqual(bobEntries.items[0].amount, { amount: 17, currency: 'USD' });
    // alice's cursor handed to bob only pages bob's own entries
    const aliceEntries = await entries(alice.token);
    const viaCursor = await entries(bob.token, `?cursor=${BigInt(aliceEntries.items[0].id) + 1n}`);
    assert.ok(viaCursor.items.every((e) => e.amount.currency === 'USD'));
    // bob cannot pay out alice's money
    assertError(await payout(bob.token, { amount: 4242, currency: 'EUR' }), 409, 'insufficient_funds');
    assert.deepEqual(await balanceOf(alice.token, 'EUR'), { currency: 'EUR', available: 4242, held: 0 });
  });
});
