// The web app in a real browser (Debian's chromium driven by playwright-core): sign up, see
// yourself, sign out, sign in again, and server errors shown in the form. The page talks to the
// real server through the cookie session and the CSRF token.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe } from './browser_helpers.mjs';
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

    await page.getByRole('button', { name: 'Sign out' }).click(); // a cookie DELETE: needs the CSRF token
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('wrong password here');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/wrong email or password/).waitFor();

    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Brenda Browser' }).waitFor();
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
