// The admin pages are a lazily loaded chunk (with the chart library): the landing page loads
// none of it; an admin visiting /admin loads more script and sees the page. axe-core on it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

import { startServer, uniqueEmail } from '../api/helpers.mjs';
import { adminCreate } from '../api/lifecycle_helpers.mjs';

const CHROMIUM = process.env.PEERWORK_CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

describe('web interface: admin (lazy chunk)', () => {
  let srv; let browser;
  before(async () => { srv = await startServer(); browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS }); });
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
    await page.addScriptTag({ path: AXE });
    const v = await page.evaluate(async () => (await window.axe.run()).violations.map((x) => ({ id: x.id, impact: x.impact })));
    assert.deepEqual(v.filter((x) => x.impact === 'serious' || x.impact === 'critical'), [], 'axe on admin');
    assert.deepEqual(problems, []);
  });
});
