// The web app in a real browser (Debian's chromium driven by playwright-core): sign up, see
// yourself, sign out, sign in again, and server errors shown in the form. The page talks to the
// real server through the cookie session and the CSRF token.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe, until } from './browser_helpers.mjs';
import { startServer, uniqueEmail } from '../api/helpers.mjs';


describe('web interface: accounts', () => {
  let srv;
  let browser;
  before(async () => {
    srv = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('sign up, see yourself, sign out, sign in', async () => {
    const page = await browser.newPage();
    // Counts the page's EventSources (the app's live stream), to see when it is closed.
    await page.addInitScript(() => {
      const Base = window.EventSource;
      window.__streams = [];
      window.EventSource = class extends Base { constructor(...a) { super(...a); window.__streams.push(this); } };
    });
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(srv.base + '/');
    assert.match(await page.title(), /peerwork/);
    await page.getByRole('link', { name: 'Sign up' }).click();

    const email = uniqueEmail('browser');
    await page.getByLabel('Name').fill('Brenda Browser');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByLabel('do tasks').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('link', { name: 'Brenda Browser' }).click();
    await page.locator('#me-email').waitFor();
    assert.equal(await page.textContent('#me-name'), 'Brenda Browser');
    assert.equal(await page.textContent('#me-email'), email);
    assert.equal(await page.textContent('#me-roles'), 'client, worker');

    // The session is an HttpOnly cookie: the page's script cannot read it.
    assert.equal(await page.evaluate(() => document.cookie.includes('pw_session')), false);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'pw_session');
    assert.ok(session?.httpOnly);
    assert.equal(session.sameSite, 'Lax');

    // Sign-out closes the page's live stream (GET /api/v1/events) before the session is deleted
    // (the server ends it too, but after the DELETE, and the EventSource would then reconnect):
    // when the DELETE reaches the network, no EventSource of the page is open.
    const openAtDelete = [];
    await page.route('**/api/v1/sessions/current', async (route) => {
      openAtDelete.push(await page.evaluate(() => window.__streams.filter((e) => e.readyState !== EventSource.CLOSED).length));
      await route.continue();
    });
    assert.equal(await page.evaluate(() => window.__streams.filter((e) => e.readyState !== EventSource.CLOSED).length), 1, 'one live stream signed in');
    await page.getByRole('button', { name: 'Sign out' }).click(); // a cookie DELETE: needs the CSRF token
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await until(() => openAtDelete.length === 1, 'the sign-out request');
    assert.deepEqual(openAtDelete, [0], 'the stream was closed before the sign-out request');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('wrong password here');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/wrong email or password/).waitFor();

    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Brenda Browser' }).waitFor();
    // Signed in again: a new stream (the closed one was forgotten).
    await until(() => page.evaluate(() => window.__streams.some((e) => e.readyState === EventSource.OPEN)), 'a new live stream');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a sign-up the server refuses shows its message and signs nobody in', async () => {
    const page = await browser.newPage();
    await page.goto(srv.base + '/');
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Name').fill('Short Password');
    await page.getByLabel('E-mail').fill(uniqueEmail('short'));
    await page.getByLabel('Password').fill('too short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(/password must be 12 to 128 characters/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    await page.close();
  });

  test('axe-core: sign in, sign up and the 404 view signed out; the profile and the 404 view signed in', async () => {
    // bypassCSP lets the test inject axe's file; the app itself runs under its CSP.
    const ctx = await browser.newContext({ bypassCSP: true });
    const page = await ctx.newPage();
    for (const [path, heading] of [['/signin', 'Sign in'], ['/signup', 'Create an account'], ['/no-such-page', null]]) {
      await page.goto(srv.base + path);
      await (heading ? page.getByRole('heading', { name: heading, level: 1 }) : page.locator('main h1')).waitFor();
      await axe(page, path + ' (signed out)');
    }
    await page.goto(srv.base + '/signup');
    await page.getByLabel('Name').fill('Axel Axe');
    await page.getByLabel('E-mail').fill(uniqueEmail('axe'));
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('link', { name: 'Axel Axe' }).click();
    await page.locator('#me-email').waitFor();
    await axe(page, '/profile');
    await page.goto(srv.base + '/no-such-page');
    await page.locator('main h1').waitFor();
    await axe(page, '404 (signed in)');
    await ctx.close();
  });
});
