// The landing page's provider cards (issue 15): typing in the request box asks GET /search
// (debounced) and shows the ranked providers under it — name, area, reliability, active now,
// the why in words — a typo and a synonym find theirs, a refused request shows no cards, and
// "Continue" still turns the request into a task (through sign-up when signed out). axe-core
// on the page with the cards; a screenshot to build/screenshots/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe } from './browser_helpers.mjs';

import { makeWorker, startMarket } from '../api/lifecycle_helpers.mjs';

describe('web interface: search on the landing page', () => {
  let srv; let browser;
  before(async () => {
    srv = await startMarket();
    browser = await launch();
    await makeWorker(srv.base, { skills: ['plumber', 'boiler repair'], categories: ['home repair'], remote: false,
      location: { lat: 52.37, lon: 4.89 }, bio: 'Taps, pipes, boilers.' }, { name: 'Piet Plumber' });
    await makeWorker(srv.base, { skills: ['plumber'], categories: ['home repair'], remote: false,
      location: { lat: 52.09, lon: 5.12 } }, { name: 'Idle Ida', active: false });
    await makeWorker(srv.base, { skills: ['lawn care', 'hedge trimming'], categories: ['garden'] }, { name: 'Greta Garden' });
  });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('cards appear as one types, best first, with the why; Continue still posts the request', async () => {
    // bypassCSP only so the test can inject axe-core's script; the app itself runs under the CSP.
    const page = await browser.newPage({ bypassCSP: true });
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/api/v1/search')) asked.push(new URL(r.url()).searchParams.get('q')); });
    await page.goto(srv.base + '/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    const box = page.getByLabel('What do you need done?');

    // typed key by key: a typo finds the plumbers, the active one first
    await box.pressSequentially('plumbr', { delay: 20 });
    const list = page.getByRole('list', { name: 'Providers for your request' });
    await list.waitFor();
    await page.getByRole('status').filter({ hasText: 'best first' }).waitFor();
    const names = await list.locator('h3').allTextContents();
    assert.deepEqual(names, ['Piet Plumber', 'Idle Ida']);
    const first = list.locator('li').first();
    assert.match(await first.textContent(), /active now/);
    assert.match(await first.textContent(), /"plumbr" read as "plumber"/);
    assert.match(await first.textContent(), /Area around 52\.35, 4\.85/);
    assert.match(await list.locator('li').nth(1).textContent(), /not active now/);
    assert.equal(asked[asked.length - 1], 'plumbr', 'the last request is for what was typed in full');
    await axe(page, 'landing with provider cards');
    await page.screenshot({ path: 'build/screenshots/landing_search.png', fullPage: true });

    // a synonym: the cards follow the box
    await box.fill('mow the grass');
    await list.locator('h3', { hasText: 'Greta Garden' }).waitFor();
    assert.deepEqual(await list.locator('h3').allTextContents(), ['Greta Garden']);
    assert.match(await list.locator('li').first().textContent(), /No reviews yet/);

    // nothing matches: said so, no cards
    await box.fill('zzqx nothing like this');
    await page.getByRole('status').filter({ hasText: 'No provider matches this yet' }).waitFor();
    assert.equal(await list.count(), 0);

    // the request still becomes a task: signed out, through sign-up, the title kept
    await box.fill('fix a dripping tap');
    await list.waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    assert.match(page.url(), /\/signup\?next=%2Fpost%3Ftitle%3Dfix/);
    assert.deepEqual(problems, []);
  });
});
