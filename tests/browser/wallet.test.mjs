// /wallet in a real browser against the real server: a deposit through the form shows the
// balance and a statement line; a payout above the balance shows "not enough" next to the
// amount; a worker paid for a completed task (lifecycle driven through the API) sees the payment
// and the platform fee linked to the task; a dispute split by an admin states, on both sides, what
// the platform kept; axe-core per state; 360 px without horizontal scroll.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe, signIn } from './browser_helpers.mjs';

import { PASSWORD, V1, api, login, uniqueEmail } from '../api/helpers.mjs';
import { act, adminCreate, makeClient, makeWorker, ok, postTask, serverNow, startMarket, taskBody, uniqueTag, waitAssignedTo } from '../api/lifecycle_helpers.mjs';


const signInToWallet = (page, base, email) =>
  signIn(page, base, { email, password: PASSWORD, next: '/wallet', shows: (p) => p.getByRole('heading', { name: 'Wallet', level: 1 }) });

describe('web interface: wallet', () => {
  let srv; let browser;
  before(async () => { srv = await startMarket(); browser = await launch(); });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('empty state → deposit → balance and statement line → payout too large is refused in words', async () => {
    const c = await makeClient(srv.base);
    const page = await browser.newPage({ bypassCSP: true });
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    await signInToWallet(page, srv.base, c.email);
    await page.getByText('No money yet — deposit to post a paid task').waitFor();
    await axe(page, '/wallet empty');

    await page.getByLabel('Amount to deposit').fill('12.50');
    await page.getByRole('button', { name: 'Deposit', exact: true }).click();
    await page.locator('.balance-available', { hasText: '12.50' }).waitFor();
    const line = page.locator('.statement .entry', { hasText: 'Deposit' });
    await line.waitFor();
    assert.match(await line.textContent(), /\+€12\.50/);
    assert.equal(await page.getByText('No money yet').count(), 0);

    await page.getByLabel('Amount to pay out').fill('20');
    await page.getByRole('button', { name: 'Pay out', exact: true }).click();
    const err = page.locator('#f-payout_amount-err');
    await err.waitFor();
    assert.match(await err.textContent(), /Not enough available money/);
    assert.equal(await page.getByLabel('Amount to pay out').getAttribute('aria-invalid'), 'true');
    await axe(page, '/wallet with balance and error');
    await page.screenshot({ path: 'build/screenshots/wallet.png', fullPage: true });

    await page.setViewportSize({ width: 360, height: 800 });
    await page.getByLabel('Amount to pay out').waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
    assert.equal(wide, false, 'no horizontal scroll at 360 px');
    await page.screenshot({ path: 'build/screenshots/wallet-360.png', fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a completed task: the worker sees the payment and the platform fee, linked to the task', async () => {
    const cat = uniqueTag();
    const [client, worker] = await Promise.all([makeClient(srv.base, { money: 10_000 }), makeWorker(srv.base, { categories: [cat], remote: true })]);
    const now = await serverNow(srv.base);
    const t = await postTask(srv.base, client.token, taskBody(now, { category: cat, compensation: { kind: 'money', amount: 2000, currency: 'EUR' } }));
    await waitAssignedTo(srv.base, client.token, t.id, worker.user.id);
    ok(await act(srv.base, worker.token, t.id, 'ack'));
    ok(await act(srv.base, worker.token, t.id, 'submit', { note: 'done' }));
    ok(await act(srv.base, client.token, t.id, 'approve'));

    const page = await browser.newPage({ bypassCSP: true });
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    await signInToWallet(page, srv.base, worker.email);
    const line = page.locator('.statement .entry', { hasText: 'Payment received' });
    await line.waitFor();
    assert.match(await line.textContent(), /\+€18\.00/);
    const fee = line.locator('.entry-fee');
    await fee.waitFor();
    assert.match(await fee.textContent(), /€20\.00 for the task, minus the platform fee of €2\.00/);
    assert.equal(await line.getByRole('link', { name: `task #${t.id}` }).getAttribute('href'), `/tasks/${t.id}`);
    await axe(page, '/wallet worker');
    await page.screenshot({ path: 'build/screenshots/wallet-worker.png', fullPage: true });

    // The client's statement: the escrowed payment for that task, linked to it.
    const cp = await browser.newPage({ bypassCSP: true });
    await signInToWallet(cp, srv.base, client.email);
    const paid = cp.locator('.statement .entry', { hasText: 'Paid into escrow' });
    await paid.waitFor();
    assert.match(await paid.textContent(), /−€20\.00/);
    assert.equal(await paid.getByRole('link', { name: `task #${t.id}` }).count(), 1);
    assert.deepEqual(problems, []);
  });

  test('a dispute split 60 %: both statements say what the platform kept, rounded as the ledger rounds', async () => {
    const email = uniqueEmail('admin'); const password = 'admin password 12345';
    adminCreate(srv.db, email, password);
    const admin = await login(srv.base, email, password);
    const cat = uniqueTag();
    const [client, worker] = await Promise.all([makeClient(srv.base, { money: 10_000 }), makeWorker(srv.base, { categories: [cat], remote: true })]);
    const now = await serverNow(srv.base);
    // 33.33 € split 60 %: the worker's gross floor(1999.8) = 19.99 €, the fee floor(199.9) = 1.99 €,
    // the worker gets 18.00 €, the client 13.34 € back.
    const t = await postTask(srv.base, client.token, taskBody(now, { title: 'Mow the lawn', category: cat, compensation: { kind: 'money', amount: 3333, currency: 'EUR' } }));
    await waitAssignedTo(srv.base, client.token, t.id, worker.user.id);
    ok(await act(srv.base, worker.token, t.id, 'ack'));
    ok(await act(srv.base, worker.token, t.id, 'submit', { note: 'done' }));
    ok(await act(srv.base, client.token, t.id, 'dispute', { reason: 'Half the lawn.' }));
    const queue = ok(await api(srv.base, 'GET', `${V1}/admin/disputes?limit=100`, { token: admin.token }));
    const d = queue.items.find((x) => x.task_id === t.id);
    ok(await api(srv.base, 'POST', `${V1}/admin/disputes/${d.id}/resolve`, { token: admin.token, body: { outcome: 'split', worker_share_pct: 60 } }));
    const fees = ok(await api(srv.base, 'GET', `${V1}/wallet/entries?limit=100`, { token: worker.token })).items.filter((e) => e.task_id === t.id);
    assert.deepEqual(fees.map((e) => [e.kind, e.amount.amount]), [['release', 1800]], 'the ledger paid 18.00 €');

    const page = await browser.newPage({ bypassCSP: true });
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    await signInToWallet(page, srv.base, worker.email);
    const line = page.locator('.statement .entry', { hasText: `task #${t.id}` });
    await line.locator('.entry-fee').waitFor();
    assert.match(await line.textContent(), /Payment received.*\+€18\.00/);
    assert.equal(await line.locator('.entry-fee').textContent(), 'Your share of the disputed €33.33: €19.99, minus the platform fee of €1.99');
    await axe(page, '/wallet worker after a split');
    await page.screenshot({ path: 'build/screenshots/wallet-split-worker.png', fullPage: true });

    const cp = await browser.newPage({ bypassCSP: true });
    cp.on('pageerror', (e) => problems.push(e.message));
    await signInToWallet(cp, srv.base, client.email);
    const back = cp.locator('.statement .entry', { hasText: 'Refund from escrow' });
    await back.locator('.entry-fee').waitFor();
    assert.match(await back.textContent(), /\+€13\.34/);
    assert.equal(await back.locator('.entry-fee').textContent(), 'Split after the dispute: €13.34 of the €33.33 came back to you; the worker got €19.99, of which the platform kept €1.99 as its fee');
    await axe(cp, '/wallet client after a split');
    assert.deepEqual(problems, []);
  });
});
