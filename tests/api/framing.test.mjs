// framing.test.mjs — a request whose body length is ambiguous is a 400 and its connection
// is closed (RFC 9112 §6.3; issue 12, defect 3). Before the fix, two Content-Length headers
// were accepted: the first won, and the rest of the body was answered as a second request
// (request smuggling behind a proxy that takes the last).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';

import { V1, api, serverPerSuite } from './helpers.mjs';

let server;
serverPerSuite((s) => { server = s; });

/**
 * Writes `bytes` on a new connection and collects everything until the server closes it
 * (or `ms` pass: then `closed` is false). Returns { text, statuses, closed }: every status
 * line the server sent, so a second, smuggled answer shows.
 */
function exchange(bytes, ms = 4000) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = connect(server.port, '127.0.0.1', () => sock.write(bytes));
    const finish = (closed) => {
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ text, closed, statuses: [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])) });
    };
    const timer = setTimeout(() => finish(false), ms);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => finish(true));
  });
}

/** The JSON body of the first answer in `text`. */
function firstJson(text) {
  const start = text.indexOf('\r\n\r\n') + 4;
  const end = text.indexOf('}}', start) + 2;
  return JSON.parse(text.slice(start, end));
}

// A second request hidden after a short body; "Connection: close" on it so that a server
// that answers it ends the exchange at once.
const SMUGGLED = 'GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
const head = (path, lines) => `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n${lines.join('\r\n')}\r\n\r\n`;

describe('ambiguous body lengths are refused', () => {
  const cases = [
    ['two Content-Length, the first shorter', ['Content-Length: 2', `Content-Length: ${2 + SMUGGLED.length}`]],
    ['two Content-Length, the first longer', [`Content-Length: ${2 + SMUGGLED.length}`, 'Content-Length: 2']],
    ['two equal Content-Length', ['Content-Length: 2', 'Content-Length: 2']],
    ['Transfer-Encoding with Content-Length', ['Content-Length: 2', 'Transfer-Encoding: chunked']],
    ['Content-Length after Transfer-Encoding', ['Transfer-Encoding: chunked', 'Content-Length: 2']],
    ['two Transfer-Encoding', ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked']],
  ];
  for (const [name, lines] of cases) {
    test(`${name}: 400 malformed_request, the connection closed, nothing smuggled`, async () => {
      const chunked = lines.some((l) => l.startsWith('Transfer-Encoding'));
      const body = chunked ? `2\r\n{}\r\n0\r\n\r\n` : '{}';
      for (const path of [`${V1}/users`, '/index.html']) {     // the API and the static files alike
        const res = await exchange(head(path, lines) + body + SMUGGLED);
        assert.equal(res.closed, true, `${path}: the server must close the connection: ${res.text}`);
        assert.deepEqual(res.statuses, [400], `${path}: exactly one answer: ${res.text}`);
        assert.match(res.text, /^connection: close/im);
        assert.equal(firstJson(res.text).error.code, 'malformed_request');
      }
    });
  }

  test('one Content-Length, or chunked alone, is served as before (keep-alive, pipelined)', async () => {
    const one = head(`${V1}/users`, ['Content-Length: 2']) + '{}';
    const chunked = head(`${V1}/users`, ['Transfer-Encoding: chunked']) + '2\r\n{}\r\n0\r\n\r\n';
    const res = await exchange(one + chunked + SMUGGLED);
    // the sign-up bodies are empty objects: 422 each, then the healthz answer
    assert.deepEqual(res.statuses, [422, 422, 200], res.text);
  });

  test('the server goes on', async () => {
    assert.equal((await api(server.base, 'GET', '/healthz')).status, 200);
  });
});
