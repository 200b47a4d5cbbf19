// The admin Tasks page (/admin/tasks, in the lazy admin chunk): reached from /admin, it
// searches GET /admin/tasks by text (case and accents ignored), state and category, shows
// an empty state when nothing matches, and each result links to its task. axe-core on it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launch, axe, signIn, adminHeading, until } from './browser_helpers.mjs';

import { uniqueEmail } from '../api/helpers.mjs';
import { adminCreate, makeClient, postTask, serverNow, startMarket, taskBody, uniqueTag } from '../api/lifecycle_helpers.mjs';

function uniqueWord() {
  let w = 'zq';
  for (let i = 0; i < 10; i++) w += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return w;
}

describe('web interface: admin task search', () => {
  let srv; let browser;
  before(async () => { srv = await startMarket(); browser = await launch(); });
  after(async () => { await browser?.close(); await srv?.stop(); });

  test('search by text, state and category; empty state; a result opens its task', async () => {
    const email = uniqueEmail('admin'); const password = 'admin password 12345';
    adminCreate(srv.db, email, password);
    const word = uniqueWord();
    const [catA, catB] = [uniqueTag('web'), uniqueTag('web')];
    const client = await makeClient(srv.base);
    const now = await serverNow(srv.base);
    const cream = await postTask(srv.base, client.token, taskBody(now, { title: `Réparer la crème ${word}`, category: catA }));
    const other = await postTask(srv.base, client.token, taskBody(now, { title: `Mow the lawn ${word}`, category: catB }));

    const page = await browser.newPage({ bypassCSP: true });
    const problems = []; page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, srv.base, { email, password, next: '/admin', shows: adminHeading });
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Results' }).waitFor(); // the newest tasks, unfiltered
    await axe(page, '/admin/tasks');

    const results = page.locator('ul.statement a');
    // waits until the result list is exactly these titles (the previous search's list may still be up)
    const shows = (titles) => until(async () => {
      const got = await results.allTextContents();
      return got.length === titles.length && got.every((t, i) => t === titles[i]);
    }, `results ${JSON.stringify(titles)}`);
    // text, with other case and no accents
    await page.getByLabel('Text in the title or description').fill(`CREME ${word.toUpperCase()}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await shows([cream.title]);

    // the same text in a state it is not in: the empty state
    await page.getByLabel('State').selectOption('cancelled');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No tasks match.').waitFor();
    await axe(page, '/admin/tasks, nothing found');

    // category alone
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Text in the title or description').fill('');
    await page.getByLabel('Category').fill(catB);
    await page.getByRole('button', { name: 'Search' }).click();
    await shows([other.title]);

    // state dispatching and the shared word: both, newest first
    await page.getByLabel('Category').fill('');
    await page.getByLabel('Text in the title or description').fill(word);
    await page.getByLabel('State').selectOption('dispatching');
    await page.getByRole('button', { name: 'Search' }).click();
    await shows([other.title, cream.title]);

    await page.getByRole('link', { name: cream.title }).click();
    await page.waitForURL(`**/tasks/${cream.id}`);
    await page.getByRole('heading', { name: cream.title }).waitFor();
    assert.deepEqual(problems, []);
  });
});
