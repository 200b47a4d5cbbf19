// The first page in a real browser (Debian's chromium driven by playwright-core): sign up,
// see yourself, sign out, sign in again, and a wrong password shown as an error. The
// page talks to the real server through the cookie session and the CSRF token.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { startServer, uniqueEmail } from '../api/helpers.mjs';

const CHROMIUM = process.env.PEERWORK_CHROMIUM || '/usr/bin/chromium';
// The machine has no network but loopback: keep chromium from reaching for it.
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('web interface: accounts', () => {
  let srv;
  let browser;
  before(async () => {
    srv = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('sign up, see yourself, sign out, sign in', async () => {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    await page.goto(srv.base + '/');
    assert.match(await page.title(), /peerwork/);
    assert.equal(await page.isVisible('#signed-in'), false);

    const email = uniqueEmail('browser');
    const up = page.locator('#signup-form');
    await up.locator('input[name=display_name]').fill('Brenda Browser');
    await up.locator('input[name=email]').fill(email);
    await up.locator('input[name=password]').fill('correct horse battery');
    await up.locator('input[name=worker]').check();
    await up.locator('button[type=submit]').click();
    await page.waitForSelector('#signed-in:not([hidden])');
    assert.equal(await page.textContent('#me-name'), 'Brenda Browser');
    assert.equal(await page.textContent('#me-email'), email);
    assert.equal(await page.textContent('#me-roles'), 'client, worker');

    // The session is an HttpOnly cookie: the page's script cannot read it.
    assert.equal(await page.evaluate(() => document.cookie.includes('pw_session')), false);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'pw_session');
    assert.ok(session?.httpOnly);
    assert.equal(session.sameSite, 'Lax');

    await page.click('#signout');          // a cookie DELETE: needs the CSRF token, which the page sends
    await page.waitForSelector('#signed-out:not([hidden])');

    const inForm = page.locator('#signin-form');
    await inForm.locator('input[name=email]').fill(email);
    await inForm.locator('input[name=password]').fill('wrong password here');
    await inForm.locator('button[type=submit]').click();
    await inForm.locator('.error:not([hidden])').waitFor();
    assert.match(await inForm.locator('.error').textContent(), /wrong email or password/);

    await inForm.locator('input[name=password]').fill('correct horse battery');
    await inForm.locator('button[type=submit]').click();
    await page.waitForSelector('#signed-in:not([hidden])');
    assert.equal(await page.textContent('#me-name'), 'Brenda Browser');
    assert.deepEqual(problems.filter((p) => !/401/.test(p)), []);
    await page.close();
  });

  test('a sign-up the server refuses shows its message and signs nobody in', async () => {
    const page = await browser.newPage();
    await page.goto(srv.base + '/');
    const up = page.locator('#signup-form');
    await up.locator('input[name=display_name]').fill('Short Password');
    await up.locator('input[name=email]').fill(uniqueEmail('short'));
    await up.locator('input[name=password]').fill('too short');
    await up.locator('button[type=submit]').click();
    await up.locator('.error:not([hidden])').waitFor();
    assert.match(await up.locator('.error').textContent(), /password must be 12 to 128 characters/);
    assert.equal(await page.isVisible('#signed-in'), false);
    await page.close();
  });
});
