// The admin pages are a lazily loaded chunk (with the chart library): the landing page loads
// none of it; an admin visiting /admin loads more script and sees the page. axe-core on it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe, signIn, adminHeading } from './browser_helpers.mjs';

import { uniqueEmail, api, login, V1 } from '../api/helpers.mjs';
import { act, adminCreate, makeClient, makeWorker, ok, postTask, serverNow, startMarket, taskBody, uniqueTag, waitAssignedTo } from '../api/lifecycle_helpers.mjs';



describe('web interface: admin (lazy chunk)', () => {
  let srv; let browser;
  before(async () => { srv = await startMarket(); browser = await launch(); });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('landing loads no admin script; /admin loads it for an admin', async () => {
    const email = uniqueEmail('admin'); const password = 'admin password 12345';
    adminCreate(srv.db, email, password);
    const page = await browser.newPage({ bypassCSP: true });
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    const scripts = new Set();
    page.on('response', (r) => { if (r.url().endsWith('.js')) scripts.add(r.url()); });
    await page.goto(srv.base + '/');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('header a[href="/admin"]').waitFor();
    const before = new Set(scripts);
    await page.locator('header a[href="/admin"]').click();
    await page.getByRole('heading', { name: 'Admin', level: 1 }).waitFor();
    const added = [...scripts].filter((u) => !before.has(u));
    assert.ok(added.length > 0, 'visiting /admin fetched its own chunk(s)');
    await axe(page, 'admin');
    assert.deepEqual(problems, []);
  });

  test('dashboard figures; a dispute in the queue, opened, split 50 %, the task resolved; charts when the series exists', async () => {
    const email = uniqueEmail('admin'); const password = 'admin password 12345';
    adminCreate(srv.db, email, password);
    // A dispute through the API: a money task submitted, the client disputes it, with messages.
    const cat = uniqueTag();
    const [client, worker] = await Promise.all([makeClient(srv.base, { money: 10_000 }), makeWorker(srv.base, { categories: [cat], remote: true })]);
    const now = await serverNow(srv.base);
    const t = await postTask(srv.base, client.token, taskBody(now, { title: 'Paint the fence', category: cat, compensation: { kind: 'money', amount: 3000, currency: 'EUR' } }));
    await waitAssignedTo(srv.base, client.token, t.id, worker.user.id);
    ok(await act(srv.base, worker.token, t.id, 'ack'));
    ok(await api(srv.base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: worker.token, body: { body: 'Fence painted, one coat.' } }), 201, 'message');
    ok(await act(srv.base, worker.token, t.id, 'submit', { note: 'done' }));
    ok(await act(srv.base, client.token, t.id, 'dispute', { reason: 'Only half of the fence is painted.' }));
    const series = await api(srv.base, 'GET', `${V1}/admin/metrics/series`, { token: (await login(srv.base, email, password)).token });

    const page = await browser.newPage({ bypassCSP: true });
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, srv.base, { email, password, next: '/admin', shows: adminHeading });
    const tasks = page.locator('.metric', { hasText: /^Tasks/ }).first();
    await tasks.waitFor();
    assert.match(await tasks.textContent(), /\d/);
    for (const label of ['Fill rate', 'Time to assign p50', 'Time to assign p99', 'GMV', 'Fees', 'Pool', 'disputed']) {
      assert.equal(await page.locator('.metric-label', { hasText: label }).count() >= 1, true, `card ${label}`);
    }
    if (series.status === 200) {
      await page.locator('.chart canvas').first().waitFor();
      assert.ok(await page.locator('.chart canvas').count() >= 1);
    } else {
      assert.equal(series.status, 404);
      await page.getByText('Charts over time are not available on this server yet.').waitFor();
    }
    await axe(page, '/admin');
    await page.screenshot({ path: 'build/screenshots/admin.png', fullPage: true });

    await page.getByRole('link', { name: 'Dispute queue' }).click();
    await page.getByRole('heading', { name: 'Disputes', level: 1 }).waitFor();
    const item = page.getByRole('link', { name: new RegExp(`on task #${t.id}$`) });
    await item.waitFor();
    await axe(page, '/admin/disputes');
    await page.screenshot({ path: 'build/screenshots/admin-disputes.png', fullPage: true });
    await item.click();
    await page.getByRole('heading', { name: 'Paint the fence' }).waitFor();
    await page.getByText('Fence painted, one coat.').waitFor();
    const timeline = page.locator('.timeline');
    for (const ev of ['posted', 'assigned', 'submitted', 'disputed']) assert.match(await timeline.textContent(), new RegExp(ev));
    await page.getByText('Only half of the fence is painted.').first().waitFor();
    await axe(page, '/admin/disputes/:id');

    await page.getByLabel('Worker share (%)').fill('50');
    await page.getByRole('button', { name: 'Split', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /worker gets €15\.00 \(minus the platform fee on it\) and the client gets €15\.00 back/);
    await axe(page, 'resolve dialog');
    await page.screenshot({ path: 'build/screenshots/admin-dispute-confirm.png', fullPage: true });
    await dialog.getByRole('button', { name: 'Split' }).click();
    await page.locator('.badge-resolved').waitFor();
    assert.equal((await api(srv.base, 'GET', `${V1}/tasks/${t.id}`, { token: client.token })).json.status, 'resolved');
    await page.screenshot({ path: 'build/screenshots/admin-dispute-resolved.png', fullPage: true });
    assert.deepEqual(problems, []);
  });
});
