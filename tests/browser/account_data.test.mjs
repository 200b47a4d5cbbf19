// /profile's "Your data" in a real browser against the real server: "Download my data" saves
// the export (GET /me/export) as a JSON file holding the account; "Delete my account" first
// refuses in words while money is on the wallet, then, once it is paid out, asks, deletes,
// signs out and lands on the start page; the old e-mail and password no longer sign in.
// axe-core per state.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { launch, axe, signIn } from './browser_helpers.mjs';

import { PASSWORD, V1, api } from '../api/helpers.mjs';
import { makeClient, ok, startMarket } from '../api/lifecycle_helpers.mjs';

describe('web interface: your data (export and deletion)', () => {
  let srv; let browser;
  before(async () => { srv = await startMarket(); browser = await launch(); });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('download the export; deletion refused with money on the wallet, then done after the payout', async () => {
    const c = await makeClient(srv.base, { money: 1500 });
    const context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
    const page = await context.newPage();
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, srv.base, { email: c.email, password: PASSWORD, next: '/profile',
      shows: (p) => p.getByRole('heading', { name: 'Your data', level: 2 }) });
    await axe(page, '/profile with your data');

    const [download] = await Promise.all([page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my data' }).click()]);
    assert.equal(download.suggestedFilename(), 'peerwork-my-data.json');
    const data = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(data.account.email, c.email);
    assert.ok(data.ledger_entries.some((e) => e.kind === 'deposit'), 'the deposit is in it');

    await page.getByRole('button', { name: 'Delete my account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    await dialog.waitFor();
    await axe(page, '/profile deletion dialog');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('alert').filter({ hasText: 'pay it out first' }).waitFor();
    ok(await api(srv.base, 'GET', `${V1}/me`, { token: c.token }), 200, 'refused: the account is untouched');

    ok(await api(srv.base, 'POST', `${V1}/wallet/payouts`, { token: c.token, body: { amount: 1500, currency: 'EUR' } }), 201);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    const res = await api(srv.base, 'POST', `${V1}/sessions`, { body: { email: c.email, password: PASSWORD } });
    assert.equal(res.status, 401, 'the old e-mail and password no longer sign in');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
