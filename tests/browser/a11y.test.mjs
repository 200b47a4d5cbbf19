// Accessibility over the whole app: axe-core (no serious or critical violation) on every route of
// web/src/main.js's ROUTES (and the 404 view) as each role — signed out, client, worker, admin —
// each with something real on it (a task of theirs, an open dispute); then a keyboard-only run:
// from the landing page's request box to a posted task with only keyboard.press / type (no click),
// every focus stop visibly marked.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, local } from './browser_helpers.mjs';
import { createRequire } from 'node:module';

import { V1, api, login, uniqueEmail } from '../api/helpers.mjs';
import { act, adminCreate, makeClient, makeWorker, ok, postTask, serverNow, startMarket, taskBody, uniqueTag, waitAssignedTo } from '../api/lifecycle_helpers.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// Every route in main.js's ROUTES, ':id' filled per role; '/no-such-page' is the 404 view.
const ROUTES = ['/', '/signin', '/signup', '/post', '/tasks', '/tasks/:task', '/work', '/work/profile', '/wallet', '/profile',
  '/providers/:provider', '/admin', '/admin/tasks', '/admin/disputes', '/admin/disputes/:dispute', '/no-such-page'];

// Waits until the page has settled: one h1, and no loading indicator left.
async function settled(page, path) {
  try {
    await page.waitForFunction(() => !document.querySelector('.loading') && document.querySelectorAll('main h1').length === 1, null, { timeout: 15000 });
  } catch (e) {
    throw new Error(`${path} did not settle: ${await page.locator('main').innerHTML()}`);
  }
}

async function violations(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => (await window.axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })));
  return r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

describe('accessibility: every page as every role', () => {
  let srv; let browser; let ids; const who = {};
  before(async () => {
    srv = await startMarket();
    browser = await launch();
    // A client with a task that went to a worker and into dispute: every screen has content.
    const email = uniqueEmail('admin'); const password = 'admin password 12345';
    adminCreate(srv.db, email, password);
    who.admin = await login(srv.base, email, password);
    const cat = uniqueTag();
    [who.client, who.worker] = await Promise.all([makeClient(srv.base, { money: 10_000 }), makeWorker(srv.base, { categories: [cat], remote: true })]);
    const now = await serverNow(srv.base);
    const t = await postTask(srv.base, who.client.token, taskBody(now, { title: 'Wash the windows', category: cat, compensation: { kind: 'money', amount: 2500, currency: 'EUR' } }));
    await waitAssignedTo(srv.base, who.client.token, t.id, who.worker.user.id);
    ok(await act(srv.base, who.worker.token, t.id, 'ack'));
    ok(await api(srv.base, 'POST', `${V1}/tasks/${t.id}/messages`, { token: who.worker.token, body: { body: 'On it.' } }), 201);
    ok(await act(srv.base, who.worker.token, t.id, 'submit', { note: 'done' }));
    ok(await act(srv.base, who.client.token, t.id, 'dispute', { reason: 'Streaks.' }));
    const d = ok(await api(srv.base, 'GET', `${V1}/admin/disputes?limit=100`, { token: who.admin.token })).items.find((x) => x.task_id === t.id);
    ids = { task: t.id, dispute: d.id, provider: who.worker.user.id };
  });
  after(async () => { await browser?.close(); await srv?.stop(); });

  for (const role of ['signed out', 'client', 'worker', 'admin']) {
    test(`axe-core on every route, ${role}`, async () => {
      // bypassCSP only so the test can inject axe-core's script.
      const ctx = await browser.newContext({ bypassCSP: true });
      if (role !== 'signed out') await ctx.addCookies([{ name: 'pw_session', value: who[role].token, url: srv.base }]);
      const page = await ctx.newPage();
      const problems = []; page.on('pageerror', (e) => problems.push(e.message));
      const found = {};
      for (const route of ROUTES) {
        const path = route.replace(':task', ids.task).replace(':dispute', ids.dispute).replace(':provider', ids.provider);
        await page.goto(srv.base + path);
        await settled(page, path);
        const v = await violations(page);
        if (v.length) found[`${path} (${await page.locator('main h1').textContent()})`] = v;
      }
      await ctx.close();
      assert.deepEqual(found, {}, `serious or critical axe violations, ${role}`);
      assert.deepEqual(problems, []);
    });
  }
});

// The focused element, and whether its focus is visibly marked: an outline of at least 2 px or a
// ring, as computed now (style.css's :focus-visible outline on buttons, links and inputs).
const focusNow = (page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { shown: false, what: 'nothing (the body)' };
  const cs = getComputedStyle(el);
  const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || (cs.boxShadow && cs.boxShadow !== 'none');
  return { style: [cs.outlineStyle, cs.outlineWidth, cs.boxShadow, el.matches(':focus'), el.matches(':focus-visible')], shown: ring, what: el.outerHTML.slice(0, 160), id: el.id, text: el.textContent.trim() };
});

// Tab until the focused element matches `selector` (at most `max` presses); every stop on the way
// must show its focus.
async function tabTo(page, selector, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focusNow(page);
    assert.ok(f.shown, `focus not visible on ${f.what} (Tab ${i + 1} towards ${selector}): ${JSON.stringify(f.style)}`);
    if (await page.evaluate((sel) => document.activeElement.matches(sel), selector)) return f;
  }
  throw new Error(`${selector} not reached with ${max} Tabs`);
}

describe('accessibility: keyboard only', () => {
  let srv; let browser;
  before(async () => { srv = await startMarket(); browser = await launch(); });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('from the landing request box to a posted task: sign up and post with Tab, typing, arrows, Enter and Space', async () => {
    const page = await browser.newPage();
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(srv.base + '/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    // The first Tab reaches the skip link, visibly.
    await page.keyboard.press('Tab');
    assert.equal((await focusNow(page)).text, 'Skip to content');
    assert.ok((await focusNow(page)).shown);
    await tabTo(page, '#need');
    await page.keyboard.type('fix a dripping tap');
    await page.keyboard.press('Enter');

    // Signed out: the request goes through sign-up; focus starts at the new page's content.
    await page.waitForURL(/\/signup\?next=/);
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    await tabTo(page, '#f-display_name', 3);
    await page.keyboard.type('Kim Keyboard');
    await tabTo(page, '#f-email', 1);
    await page.keyboard.type(uniqueEmail('keys'));
    await tabTo(page, '#f-password', 1);
    await page.keyboard.type('correct horse battery');
    await tabTo(page, 'input[name=worker]', 2);
    await page.keyboard.press('Space'); // "do tasks" too
    assert.equal(await page.locator('input[name=worker]').isChecked(), true);
    await tabTo(page, 'button[type=submit]', 1);
    await page.keyboard.press('Enter');

    // The task form, filled from what was typed on the landing page.
    await page.waitForURL(/\/post\?/);
    await page.getByRole('heading', { name: 'Post a task' }).waitFor();
    assert.equal(await page.getByLabel('Title').inputValue(), 'fix a dripping tap');
    await tabTo(page, '#f-description');
    await page.keyboard.type('The kitchen tap drips.');
    await tabTo(page, 'input[name=kind]:checked'); // the compensation group: money is checked
    await page.keyboard.press('ArrowDown'); // goods (a new account has no money to hold)
    assert.equal(await page.getByLabel('Goods').isChecked(), true);
    await tabTo(page, '#f-goods', 1);
    await page.keyboard.type('a cake');
    await tabTo(page, '#f-deadline', 1);
    const d = local(new Date(Date.now() + 3 * 86400e3)); // YYYY-MM-DDTHH:MM, typed as the en-US fields read
    const [, y, mo, da, h, mi] = /^(\d+)-(\d+)-(\d+)T(\d+):(\d+)$/.exec(d);
    const h12 = Number(h) % 12 || 12;
    await page.keyboard.type(mo + da + y);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.type(String(h12).padStart(2, '0') + mi + (Number(h) < 12 ? 'A' : 'P'));
    assert.equal(await page.getByLabel('Deadline').inputValue(), d);
    await tabTo(page, 'button[type=submit]', 6);
    await page.keyboard.press('Space');

    await page.waitForURL(/\/tasks\/[^/]+$/);
    await page.getByRole('heading', { name: 'fix a dripping tap', level: 1 }).waitFor();
    await page.getByTestId('task-status').getByText('dispatching').waitFor();
    // And the header's Sign out, by keyboard: Enter on it signs out.
    await page.keyboard.press('Shift+Tab'); // from <main> back into the header
    const back = await focusNow(page);
    assert.ok(back.shown, `focus not visible on ${back.what}`);
    assert.equal(back.text, 'Sign out');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    assert.deepEqual(problems, []);
  });
});
