// The worker's path in a real browser, with a client in a second browser context: the worker signs
// up, sets the profile and goes active; the client posts a money task at /post; the assignment
// appears on /work without a reload, with a ticking countdown; accept; a message each way on
// /tasks/:id (both live); submit with a note; the client sees 'submitted' live and approves; both
// wallets show the money with the 10 % fee taken. Then the release path and a missed
// acknowledgement (dev clock), the countdown on the server's clock, an exact-place assignment named by
// its nearest town. axe-core on /work and /work/profile; 360 px without horizontal
// scroll. Screenshots go to build/screenshots/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe, local, until } from './browser_helpers.mjs';

import { startServer, uniqueEmail } from '../api/helpers.mjs';
import { advance, serverNow, net } from '../api/lifecycle_helpers.mjs';



// An API call from inside the page, with its session cookie and CSRF token.
function call(page, method, path, body) {
  return page.evaluate(async ([method, path, body]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch('/api/v1' + path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token, 'Idempotency-Key': crypto.randomUUID() }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  }, [method, path, body]);
}
const available = async (page, currency = 'EUR') => {
  const w = await call(page, 'GET', '/wallet');
  const b = (w.json.balances || []).find((x) => x.currency === currency);
  return b ? b.available : 0;
};

async function signUp(page, base, name, worker) {
  await page.goto(base + '/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('E-mail').fill(uniqueEmail(worker ? 'worker' : 'client'));
  await page.getByLabel('Password').fill('correct horse battery');
  if (worker) { await page.getByLabel('post tasks').uncheck(); await page.getByLabel('do tasks').check(); }
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
async function postTask(page, base, title) {
  // The prefill route (the landing box's path): /post keeps title, category and skills from the query.
  await page.goto(base + '/post?' + new URLSearchParams({ title, category: 'home_repair', skills: 'plumbing' }));
  await page.getByRole('heading', { name: 'Post a task' }).waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), title);
  await page.getByLabel('Description').fill('The kitchen tap drips.');
  await page.getByLabel('Amount (EUR)').fill('45');
  await page.getByLabel('Deadline').fill(local(new Date(Date.now() + 86400e3)));
  await page.getByRole('button', { name: 'Post task' }).click();
  await page.waitForURL(/\/tasks\/[^/]+$/).catch(async (e) => { await page.screenshot({ path: 'build/screenshots/post-failed.png', fullPage: true }); throw e; });
  return page.url().split('/').pop();
}

describe('web interface: worker', () => {
  let srv; let browser; let wctx; let cctx; let wp; let cp;
  const problems = [];
  before(async () => {
    srv = await startServer({ args: ['--dev-clock', '--batch-window-ms', '50'] });
    browser = await launch();
    // bypassCSP only so the test can inject axe-core's script; the app itself runs under the CSP.
    wctx = await browser.newContext({ bypassCSP: true, geolocation: { latitude: 52.52, longitude: 13.405 }, permissions: ['geolocation'] });
    cctx = await browser.newContext({ bypassCSP: true });
    wp = await wctx.newPage(); cp = await cctx.newPage();
    for (const p of [wp, cp]) p.on('pageerror', (e) => problems.push(e.message));
  });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('the whole story: profile, go active, live assignment, accept, messages, submit, approve, paid', async () => {
    await signUp(wp, srv.base, 'Wanda Worker', true);
    await wp.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Work', exact: true }).click();
    await wp.getByRole('heading', { name: 'Work', level: 1 }).waitFor();
    await wp.getByText('Set up your profile, then go active.').waitFor();
    await axe(wp, 'work (empty)');
    await wp.getByRole('link', { name: 'set up your worker profile' }).click();
    await wp.getByRole('heading', { name: 'Worker profile' }).waitFor();
    // The server has no place search yet (or has one): either way the page says what to do.
    // Without it, the page says so before anything is typed; with it, typing offers places.
    const places = (await wp.request.get(srv.base + '/api/v1/places?q=ber')).status();
    if (places === 404 || places === 503) await wp.getByTestId('places-unavailable').waitFor();
    else { await wp.getByLabel('Find a place').fill('Berlin'); await wp.getByRole('list', { name: 'Places found' }).waitFor(); }
    await wp.getByRole('button', { name: 'Use my location' }).click();
    await wp.getByTestId('area-now').getByText('My location').waitFor();
    await axe(wp, 'worker profile');
    await wp.getByRole('button', { name: 'Clear area' }).click();
    await wp.getByTestId('area-now').getByText('No area set.').waitFor();
    await wp.screenshot({ path: 'build/screenshots/worker-profile.png', fullPage: true });
    // A field error next to its field: no skills.
    await wp.getByLabel('Categories').fill('home_repair');
    await wp.getByRole('button', { name: 'Save profile' }).click();
    await wp.locator('#f-skills-err').waitFor();
    assert.equal(await wp.getByLabel('Skills').getAttribute('aria-invalid'), 'true');
    await wp.getByLabel('Skills').fill('plumbing');
    await wp.getByLabel('Bio').fill('I fix taps.');
    await wp.getByRole('button', { name: 'Save profile' }).click();
    await wp.getByRole('heading', { name: 'Work', level: 1 }).waitFor();
    const sw = wp.getByRole('switch');
    await sw.getByText('Go active').waitFor();
    await sw.click();
    await wp.getByTestId('availability').getByText('Active', { exact: true }).waitFor();
    await wp.locator('[role=switch][aria-checked=true]').waitFor();
    await wp.getByText('a task appears here the moment it is assigned').waitFor();
    await axe(wp, 'work (active)');

    await signUp(cp, srv.base, 'Clara Client', false);
    assert.equal((await call(cp, 'POST', '/wallet/deposits', { amount: 10000, currency: 'EUR' })).status, 201);
    const id = await postTask(cp, srv.base, 'fix a dripping tap');

    // The worker's console shows it live (no reload), with a ticking countdown.
    const cur = wp.getByTestId('current-assignment');
    await cur.getByRole('heading', { name: /fix a dripping tap/ }).waitFor();
    await cur.getByText('€45.00').waitFor();
    await cur.getByText('The kitchen tap drips.').waitFor();
    const cd = wp.getByTestId('countdown');
    const first = await cd.innerText();
    assert.match(first, /Accept within \d+:\d\d/);
    await until(async () => (await cd.innerText()) !== first, 'the countdown to tick');
    await axe(wp, 'work (assignment)');
    await wp.screenshot({ path: 'build/screenshots/work-assignment.png', fullPage: true });
    await cur.getByRole('button', { name: 'Accept' }).click();
    await wp.getByTestId('current-status').getByText('in progress').waitFor();
    await cp.getByTestId('task-status').getByText('in progress').waitFor();
    // The client's task page says who and why (the dispatcher's explanation, no scores).
    await cp.getByTestId('why-worker').getByRole('heading', { name: 'Why this worker' }).waitFor();
    assert.match(await cp.getByTestId('why-worker').innerText(), /Chosen from 1 available worker who fit/);

    // A message each way on the task page, each seen live by the other.
    await cur.getByRole('link', { name: 'Messages and details' }).click();
    await wp.waitForURL(new RegExp('/tasks/' + id + '$'));
    await cp.getByLabel('Message').fill('Hello, the door code is 1234.');
    await cp.getByRole('button', { name: 'Send' }).click();
    await wp.getByText('Hello, the door code is 1234.').waitFor();
    await wp.getByLabel('Message').fill('Thanks, on my way.');
    await wp.getByRole('button', { name: 'Send' }).click();
    await cp.getByText('Thanks, on my way.').waitFor();

    // Submit with a note from the console; the client sees 'submitted' live and approves.
    await wp.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Work', exact: true }).click();
    await wp.getByLabel('Note for the client').fill('New washer fitted.');
    await wp.getByRole('button', { name: 'Submit work' }).click();
    await wp.getByTestId('no-assignment').waitFor();
    await wp.getByTestId('history').getByRole('link', { name: 'fix a dripping tap' }).waitFor();
    await cp.getByTestId('task-status').getByText('submitted').waitFor();
    await cp.getByRole('button', { name: 'Approve' }).click();
    const approve = cp.getByRole('dialog', { name: 'Approve the work?' });
    assert.match(await approve.innerText(), /€45\.00 is paid to Wanda Worker, minus the platform fee of €4\.50/);
    await approve.getByRole('button', { name: 'Approve and pay' }).click();
    await cp.getByTestId('task-status').getByText('completed').waitFor();
    await wp.getByTestId('history').getByText('completed').waitFor();

    await until(async () => (await available(wp)) === net(4500), 'the worker paid 45 € minus 10 %');
    assert.equal(await available(cp), 10000 - 4500);
    await wp.getByTestId('reliability').getByText('100 %').first().waitFor();
  });

  test('release: the cost is stated first, the task goes back to dispatching', async () => {
    const post = await call(cp, 'POST', '/tasks', { title: 'hang a shelf', description: 'Two brackets.', category: 'home_repair', skills: ['plumbing'], location: null,
      compensation: { kind: 'money', amount: 2000, currency: 'EUR' }, deadline: new Date(await serverNow(srv.base) + 86400e3).toISOString() });
    assert.equal(post.status, 201, JSON.stringify(post.json));
    const id = post.json.id;
    const cur = wp.getByTestId('current-assignment');
    await cur.getByRole('heading', { name: /hang a shelf/ }).waitFor();
    await cur.getByRole('button', { name: 'Release' }).click();
    const dialog = wp.getByRole('dialog', { name: 'Release this task?' });
    await dialog.getByText(/goes back to dispatch.*counts against your reliability/).waitFor();
    await axe(wp, 'release dialog');
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await call(cp, 'GET', '/tasks/' + id)).json.status, 'assigned');
    await cur.getByRole('button', { name: 'Release' }).click();
    await dialog.getByRole('button', { name: 'Release task' }).click();
    await wp.getByTestId('no-assignment').waitFor();
    await until(async () => (await call(cp, 'GET', '/tasks/' + id)).json.status === 'dispatching', 'the task back in dispatching');
    const rel = wp.getByTestId('reliability');
    await rel.locator('dt', { hasText: 'Releases' }).locator('xpath=following-sibling::dd[1]').getByText('1').waitFor();
    assert.equal((await call(cp, 'POST', `/tasks/${id}/cancel`)).status, 200);
  });

  test('missed acknowledgement (dev clock): the worker goes inactive, the task leaves the console', async () => {
    const post = await call(cp, 'POST', '/tasks', { title: 'unblock a sink', description: 'Slow drain.', category: 'home_repair', skills: ['plumbing'], location: null,
      compensation: { kind: 'money', amount: 1500, currency: 'EUR' }, deadline: new Date(await serverNow(srv.base) + 86400e3).toISOString() });
    assert.equal(post.status, 201, JSON.stringify(post.json));
    const id = post.json.id;
    const cur = wp.getByTestId('current-assignment');
    await cur.getByRole('heading', { name: /unblock a sink/ }).waitFor();
    await wp.getByTestId('countdown').waitFor();
    const t = (await call(cp, 'GET', '/tasks/' + id)).json;
    const past = Math.ceil((Date.parse(t.assignment.ack_deadline) - await serverNow(srv.base)) / 1000) + 5;
    await advance(srv.base, past);
    await wp.getByTestId('availability').getByText('Inactive', { exact: true }).waitFor();
    await wp.getByTestId('no-assignment').waitFor();
    assert.equal(await wp.getByRole('switch').getAttribute('aria-checked'), 'false');
    await wp.getByTestId('reliability').locator('dt', { hasText: 'Missed acknowledgements' }).locator('xpath=following-sibling::dd[1]').getByText('1').waitFor();
    assert.notEqual((await call(cp, 'GET', '/tasks/' + id)).json.assignment?.worker_id, (await call(wp, 'GET', '/me')).json.id);
    await wp.screenshot({ path: 'build/screenshots/work-inactive.png', fullPage: true });
  });

  test('the countdown is on the server\'s clock: with the dev clock moved 2 h, it shows the server-relative time left', async () => {
    await advance(srv.base, 2 * 3600); // the browser's clock is now 2 h behind the server's
    assert.equal((await call(wp, 'POST', '/me/availability', { active: true })).status, 200);
    const post = await call(cp, 'POST', '/tasks', { title: 'oil a hinge', description: 'It squeaks.', category: 'home_repair', skills: ['plumbing'], location: null,
      compensation: { kind: 'money', amount: 1000, currency: 'EUR' }, deadline: new Date(await serverNow(srv.base) + 86400e3).toISOString() });
    assert.equal(post.status, 201, JSON.stringify(post.json));
    const cur = wp.getByTestId('current-assignment');
    await cur.getByRole('heading', { name: /oil a hinge/ }).waitFor();
    const cd = wp.getByTestId('countdown');
    await cd.getByText(/Accept within/).waitFor();
    const m = /Accept within (\d+):(\d\d)/.exec(await cd.innerText());
    const shown = Number(m[1]) * 60 + Number(m[2]);
    const t = (await call(cp, 'GET', '/tasks/' + post.json.id)).json;
    const window = (Date.parse(t.assignment.ack_deadline) - Date.parse(t.timeline.at(-1).at)) / 1000;
    // At most the acknowledgement window (on the browser's clock it would read 2 h more), and not
    // run out: the assignment is seconds old on the server's clock.
    assert.ok(shown <= window && shown > window / 2, `countdown ${m[0]} against a ${window} s window`);
    assert.equal((await call(wp, 'POST', `/tasks/${post.json.id}/release`)).status, 200);
    await wp.getByTestId('no-assignment').waitFor();
    assert.equal((await call(cp, 'POST', `/tasks/${post.json.id}/cancel`)).status, 200);
  });

  test('an exact-place assignment: the console names the place by its nearest town', async () => {
    // The worker works around Berlin (not only remote); the task is at a street corner in Berlin.
    const prof = await call(wp, 'PUT', '/me/worker', { skills: ['plumbing'], categories: ['home_repair'], bio: 'I fix taps.', remote: true, location: { lat: 52.52, lon: 13.405 }, radius_km: 25 });
    assert.equal(prof.status, 200, JSON.stringify(prof.json));
    assert.equal((await call(wp, 'POST', '/me/availability', { active: true })).status, 200);
    const at = { lat: 52.5240, lon: 13.4100 };
    const post = await call(cp, 'POST', '/tasks', { title: 'bleed a radiator', description: 'Third floor, left.', category: 'home_repair', skills: ['plumbing'], location: at,
      compensation: { kind: 'money', amount: 1200, currency: 'EUR' }, deadline: new Date(await serverNow(srv.base) + 86400e3).toISOString() });
    assert.equal(post.status, 201, JSON.stringify(post.json));
    const cur = wp.getByTestId('current-assignment');
    await cur.getByRole('heading', { name: /bleed a radiator/ }).waitFor();
    const place = cur.locator('dt', { hasText: 'Place' }).locator('xpath=following-sibling::dd[1]');
    await place.getByText(/^near /).waitFor();
    // The gazetteer's nearest town to that point, as the API names it: Berlin.
    const near = await (await wp.request.get(`${srv.base}/api/v1/places?lat=${at.lat}&lon=${at.lon}&limit=1`)).json();
    assert.equal(near.items[0].name, 'Berlin');
    assert.equal(await place.innerText(), `near Berlin, ${near.items[0].country} (52.52400, 13.41000)`);
    await axe(wp, 'work (assignment at a place)');
    assert.equal((await call(wp, 'POST', `/tasks/${post.json.id}/release`)).status, 200);
    await wp.getByTestId('no-assignment').waitFor();
    assert.equal((await call(cp, 'POST', `/tasks/${post.json.id}/cancel`)).status, 200);
  });

  test('360 px: no horizontal scroll on /work and /work/profile', async () => {
    await wp.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/work', '/work/profile']) {
      await wp.goto(srv.base + path);
      await wp.getByRole('heading', { level: 1 }).waitFor();
      await wp.getByRole('heading', { name: path === '/work' ? 'My work history' : 'Worker profile' }).waitFor();
      assert.ok(await wp.evaluate(() => document.documentElement.scrollWidth <= 360), `no horizontal scroll on ${path}`);
      await wp.screenshot({ path: `build/screenshots/${path === '/work' ? 'work' : 'worker-profile'}-360.png`, fullPage: true });
    }
    assert.deepEqual(problems, []);
  });
});
