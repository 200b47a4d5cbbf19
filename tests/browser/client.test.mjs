// The client's path in a real browser: the landing request box → sign up → /post prefilled →
// a money task posted → its task page; a field error next to its field; axe-core on the pages;
// no horizontal scroll at 360 px. Screenshots go to build/screenshots/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe, local } from './browser_helpers.mjs';

import { startServer, uniqueEmail } from '../api/helpers.mjs';



describe('web interface: client', () => {
  let srv; let browser;
  before(async () => { srv = await startServer(); browser = await launch(); });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('landing box → sign up → prefilled post → task page', async (t) => {
    // bypassCSP only so the test can inject axe-core's script; the app itself runs under the CSP.
    const page = await browser.newPage({ bypassCSP: true });
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(srv.base + '/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await axe(page, 'landing');
    await page.screenshot({ path: 'build/screenshots/landing.png', fullPage: true });
    await page.getByLabel('What do you need done?').fill('fix a dripping tap');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await axe(page, 'signup');
    await page.getByLabel('Name').fill('Clara Client');
    await page.getByLabel('E-mail').fill(uniqueEmail('client'));
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Post a task' }).waitFor();
    assert.equal(await page.getByLabel('Title').inputValue(), 'fix a dripping tap');
    assert.equal(await page.getByLabel('Category').inputValue(), 'home_repair');
    assert.equal(await page.getByLabel('Skills').inputValue(), 'plumbing');
    await axe(page, 'post');

    const dep = await page.evaluate(async () => {
      const me = await (await fetch('/api/v1/me')).json();
      const r = await fetch('/api/v1/wallet/deposits', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token, 'Idempotency-Key': crypto.randomUUID() }, body: JSON.stringify({ amount: 10000, currency: 'EUR' }) });
      return r.status;
    });
    assert.equal(dep, 201);

    // A deadline in the past: the server's error shows under the deadline field.
    await page.getByLabel('Description').fill('The kitchen tap drips.');
    // What is typed into a field survives the form's re-renders (the amount re-renders it).
    await page.getByLabel('Skills').fill('plumbing, taps');
    await page.getByLabel('Amount (EUR)').fill('45');
    assert.equal(await page.getByLabel('Skills').inputValue(), 'plumbing, taps');
    // The price and the fee before posting, from GET /me's fee_bps (the default 1000 = 10 %).
    await page.locator('.price').filter({ hasText: '€45.00' }).waitFor();
    assert.match(await page.locator('.price').textContent(), /You pay €45\.00\..*receives €40\.50.*10 % \(€4\.50\)/);
    await page.getByLabel('Deadline').fill(local(new Date(Date.now() - 3600e3)));
    await page.getByRole('button', { name: 'Post task' }).click();
    await page.locator('#f-deadline-err').waitFor();
    assert.equal(await page.getByLabel('Deadline').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Deadline').fill(local(new Date(Date.now() + 86400e3)));
    await page.getByRole('button', { name: 'Post task' }).click();
    await page.waitForURL(/\/tasks\/[^/]+$/);
    await page.getByRole('heading', { name: 'fix a dripping tap' }).waitFor();
    await page.getByText('€45.00').first().waitFor();
    await axe(page, 'task');
    // Cancel states its consequence in a dialog first; "Go back" changes nothing, confirming cancels.
    await page.getByRole('button', { name: 'Cancel task' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this task?' });
    await dialog.getByText('The escrow (€45.00) is returned to you.').waitFor();
    await axe(page, 'cancel dialog');
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Cancel task' }).click();
    await dialog.getByRole('button', { name: 'Cancel task' }).click();
    await page.getByTestId('task-status').getByText(/cancel/).waitFor();
    // A deep link survives a reload (the server answers index.html for app paths). That fallback is
    // another helper's change to src/http/server.c (issue 14); until it is in, this step is skipped.
    if ((await fetch(srv.base + '/tasks/1')).status === 200) {
      await page.reload();
      await page.getByRole('heading', { name: 'fix a dripping tap' }).waitFor();
    } else {
      t.diagnostic('deep-link reload not checked: the server has no single-page fallback yet');
    }
    await page.screenshot({ path: 'build/screenshots/task.png', fullPage: true });

    await page.getByRole('link', { name: 'My tasks' }).click();
    await page.getByRole('link', { name: 'fix a dripping tap' }).waitFor();
    await axe(page, 'tasks');

    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/', '/post', '/tasks']) {
      await page.getByRole('link', { name: path === '/' ? 'peerwork' : path === '/post' ? 'Post a task' : 'My tasks' }).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), `no horizontal scroll on ${path}`);
    }
    await page.screenshot({ path: 'build/screenshots/tasks-360.png', fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
