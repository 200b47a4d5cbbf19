// web/src/format.js fee(): the one fee rounding the interface uses (/post's price line, the
// approve dialog), checked against the real server's ledger. A worker is paid tasks whose
// amounts round differently under floor, round and ceil at an odd --fee-bps, and each payment
// the worker received is the amount minus fee(amount, bps). Then amounts so large that
// amount × bps is no longer an exact double: fee() still equals floor(amount × bps / 10000)
// computed with BigInt, as the ledger computes it in int64.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { fee } from '../../web/src/format.js';
import { V1, api } from '../api/helpers.mjs';
import {
  act, makeClient, makeWorker, ok, postTask, serverNow, startMarket, taskBody, uniqueTag, waitAssignedTo, waitStatus,
} from '../api/lifecycle_helpers.mjs';

const BPS = 333;
const exact = (amount, bps) => Number((BigInt(amount) * BigInt(bps)) / 10000n);

describe('format.js fee(): rounded as the ledger rounds', () => {
  let server;
  before(async () => { server = await startMarket({ args: ['--fee-bps', String(BPS)] }); });
  after(async () => { await server?.stop(); });

  test('each payment the ledger made is the amount minus fee(amount, bps)', async () => {
    const base = server.base;
    const cat = uniqueTag();
    const amounts = [1, 31, 2999, 10001, 123457];
    const client = await makeClient(base, { money: amounts.reduce((a, b) => a + b, 0) });
    const worker = await makeWorker(base, { categories: [cat], remote: true });
    assert.equal(ok(await api(base, 'GET', `${V1}/me`, { token: client.token })).fee_bps, BPS);
    const now = await serverNow(base);
    for (const amount of amounts) {
      const t = await postTask(base, client.token, taskBody(now, { category: cat, compensation: { kind: 'money', amount, currency: 'EUR' } }));
      await waitAssignedTo(base, client.token, t.id, worker.user.id);
      ok(await act(base, worker.token, t.id, 'ack'));
      ok(await act(base, worker.token, t.id, 'submit', { note: 'done' }));
      ok(await act(base, client.token, t.id, 'approve'));
      await waitStatus(base, client.token, t.id, 'completed');
    }
    const entries = ok(await api(base, 'GET', `${V1}/wallet/entries?limit=100`, { token: worker.token })).items;
    const paid = entries.filter((e) => e.kind === 'release').map((e) => e.amount.amount).sort((a, b) => a - b);
    assert.deepEqual(paid, amounts.map((a) => a - fee(a, BPS)).sort((a, b) => a - b));
    // the amounts were chosen so that rounding to nearest would differ somewhere
    assert.ok(amounts.some((a) => Math.round((a * BPS) / 10000) !== fee(a, BPS)));
  });

  test('exact for amounts whose product with bps is past 2^53', () => {
    for (const amount of [0, 9999, 10000, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER - 1, 1125899906843003, 9007199254641021]) {
      for (const bps of [0, 1, 333, 1000, 5000, 10000]) assert.equal(fee(amount, bps), exact(amount, bps), `${amount} at ${bps}`);
    }
    // the naive formula is not exact there: this test can fail
    assert.notEqual(Math.floor((1125899906843003 * 333) / 10000), exact(1125899906843003, 333));
  });
});
