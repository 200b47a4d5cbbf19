// What every browser test shares: Debian's chromium with the flags for a machine whose only
// network is loopback, axe-core from npm run on a page (no serious or critical violation),
// the screenshots folder, and a Date as a datetime-local input's value.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.PEERWORK_CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
mkdirSync('build/screenshots', { recursive: true });

export const launch = () => chromium.launch({ executablePath: CHROMIUM, args: ARGS });

export async function axe(page, name) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => (await window.axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length })));
  assert.deepEqual(r.filter((v) => v.impact === 'serious' || v.impact === 'critical'), [], `axe on ${name}`);
}

// Signs in through the form at /signin?next=NEXT and waits for what the next page shows
// (a locator factory: (page) => locator).
export async function signIn(page, base, { email, password, next = '/', shows }) {
  await page.goto(base + '/signin?next=' + encodeURIComponent(next));
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (shows) await shows(page).waitFor();
}

export const adminHeading = (page) => page.getByRole('heading', { name: 'Admin', level: 1 });

export const local = (d) => {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

// Polls fn until it returns a truthy value (a condition, not a timed assertion).
export async function until(fn, what, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}
