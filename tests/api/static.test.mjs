// static.test.mjs — the single-page interface's web root: media types, the deep-link
// fallback to index.html, Cache-Control for /assets and the rest, precompressed siblings.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { V1, assertError, api, startServer, tempDir } from './helpers.mjs';

const INDEX = '<!doctype html><title>peerwork test root</title>';
const APP_JS = 'export const answer = 42;\n'.repeat(50);
let server;
let base;
before(async () => {
  const web = tempDir('peerwork-web-');
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), INDEX);
  writeFileSync(join(web, 'assets', 'app-1a2b3c.mjs'), APP_JS);
  writeFileSync(join(web, 'assets', 'app-1a2b3c.mjs.gz'), gzipSync(APP_JS));
  writeFileSync(join(web, 'assets', 'main-9f8e.js'), 'console.log(1);\n');
  writeFileSync(join(web, 'assets', 'style-77.css'), 'body{margin:0}\n');
  writeFileSync(join(web, 'assets', 'logo-5.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(web, 'assets', 'font-3.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(web, 'manifest.json'), '{"name":"peerwork"}');
  server = await startServer({ args: ['--web', web] });
  base = server.base;
});
after(async () => {
  await server?.stop();
});

const get = (path, headers = {}) => fetch(base + path, { headers });

test('media types: .mjs and .js are text/javascript, and css, svg, json, woff2', async () => {
  const want = {
    '/assets/app-1a2b3c.mjs': 'text/javascript; charset=utf-8',
    '/assets/main-9f8e.js': 'text/javascript; charset=utf-8',
    '/assets/style-77.css': 'text/css; charset=utf-8',
    '/assets/logo-5.svg': 'image/svg+xml',
    '/assets/font-3.woff2': 'font/woff2',
    '/manifest.json': 'application/json',
  };
  for (const [path, type] of Object.entries(want)) {
    const res = await get(path, { 'accept-encoding': 'identity' });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type, path);
    await res.arrayBuffer();
  }
});

test('deep links answer index.html with 200 and no-cache, with the security headers', async () => {
  for (const path of ['/tasks/123', '/wallet', '/admin', '/a/b/c?x=1']) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), /^text\/html/, path);
    assert.equal(res.headers.get('cache-control'), 'no-cache', path);
    assert.match(res.headers.get('content-security-policy'), /default-src 'self'/, path);
    assert.equal(await res.text(), INDEX, path);
  }
  const head = await fetch(`${base}/tasks/9`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  const root = await get('/');
  assert.equal(root.headers.get('cache-control'), 'no-cache');
  assert.equal(await root.text(), INDEX);
});

test('/assets files are cached immutable; a missing asset is a 404, not index.html', async () => {
  const res = await get('/assets/main-9f8e.js');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(res.headers.get('content-security-policy'), /default-src 'self'/);
  await res.text();
  const missing = await get('/assets/gone-000.js');
  assert.equal(missing.status, 404);
  assert.notEqual(await missing.text(), INDEX);
});

test('an unknown /api path is still the JSON 404, with no-store', async () => {
  const res = await api(base, 'GET', `${V1}/no-such-thing`);
  assertError(res, 404, 'not_found');
  const raw = await get(`${V1}/no-such-thing`);
  assert.equal(raw.headers.get('cache-control'), 'no-store');
  await raw.text();
});

test('a precompressed .gz sibling is sent with Content-Encoding when accepted', async () => {
  const res = await get('/assets/app-1a2b3c.mjs', { 'accept-encoding': 'gzip' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(await res.text(), APP_JS); // fetch undoes the gzip
  const plain = await get('/assets/app-1a2b3c.mjs', { 'accept-encoding': 'identity' });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.equal(await plain.text(), APP_JS);
});
