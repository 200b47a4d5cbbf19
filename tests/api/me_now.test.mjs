// me_now.test.mjs — GET /me's `now`: the market's clock (the dev clock once moved), which is what
// deadlines count against; the web interface counts its acknowledgement countdown from it
// (web/src/clock.js). Bounds, not timings: the answer falls between the clock readings around it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { RFC3339_UTC, V1, api, signupAndLogin } from './helpers.mjs';
import { advance, ok, startMarket } from './lifecycle_helpers.mjs';

describe('GET /me now', () => {
  let server;
  before(async () => { server = await startMarket({ args: ['--dev-clock'] }); });
  after(async () => { await server?.stop(); });

  test('is the server\'s clock, moved with the dev clock', async () => {
    const u = await signupAndLogin(server.base);
    const before = Date.parse((await advance(server.base, 0)).now);
    const first = ok(await api(server.base, 'GET', `${V1}/me`, { token: u.token })).now;
    assert.match(first, RFC3339_UTC);
    const moved = Date.parse((await advance(server.base, 6 * 3600)).now);
    assert.ok(moved >= before + 6 * 3600e3);
    const second = Date.parse(ok(await api(server.base, 'GET', `${V1}/me`, { token: u.token })).now);
    const after = Date.parse((await advance(server.base, 0)).now);
    assert.ok(Date.parse(first) >= before && Date.parse(first) <= moved - 6 * 3600e3, `first ${first}`);
    assert.ok(second >= moved && second <= after, `now ${second} between ${moved} and ${after}`);
  });
});
