// openapi.test.mjs — docs/openapi.yaml stays true to the server.
//
// No server and no npm packages: the test reads src/api/routes.c (the route table) and
// docs/openapi.yaml and checks that
//   * the spec's operations are exactly the route table's rows (bench-only rows, inside
//     `#ifdef PW_BENCH_ROUTES`, excluded), found by plain line matching of "  /path:" and
//     "    method:" lines, so a route added without a spec entry fails here;
//   * each operation's x-peerwork-allow / x-peerwork-flags equal its row's allow and flags,
//     and what those imply is in the spec (Idempotency-Key, request body, 401/403, CSRF);
//   * every $ref resolves and every {param} in a path is declared;
//   * the spec's length and range limits equal the #defines in src/ (limits.h and friends);
//   * the Error schema's code enum is exactly the set of error codes the C code produces.
// The YAML is read with a small reader for the subset the spec uses (block mappings and
// sequences, flow [..] / {..}, quoted and plain scalars, `|` block scalars).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { ROOT } from './helpers.mjs';

const SPEC_PATH = join(ROOT, 'docs', 'openapi.yaml');
const ROUTES_PATH = join(ROOT, 'src', 'api', 'routes.c');
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

// ---- the route table ----------------------------------------------------------------------

/** Rows of routes.c outside `#ifdef PW_BENCH_ROUTES` and `#ifdef PW_FAULTS`: {method, path, allow, flags[]}. */
function readRouteTable() {
  const lines = readFileSync(ROUTES_PATH, 'utf8').split('\n');
  const rows = [];
  const skipping = [];   // a stack: one entry per open #if, true if it is the bench block
  const row = /^\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*([^,]+?)\s*,\s*([^}]+?)\s*\}\s*,?\s*$/;
  for (const line of lines) {
    const directive = line.trim();
    if (/^#\s*if/.test(directive)) {
      // test-build-only blocks: the benchmark routes and the fault-injection route
      skipping.push(/^#\s*ifdef\s+PW_(BENCH_ROUTES|FAULTS)\b/.test(directive) || /^#\s*if\s+defined\s*\(?\s*PW_(BENCH_ROUTES|FAULTS)/.test(directive));
      continue;
    }
    if (/^#\s*endif/.test(directive)) {
      skipping.pop();
      continue;
    }
    if (/^#\s*else/.test(directive)) {
      if (skipping.length) skipping[skipping.length - 1] = !skipping[skipping.length - 1];
      continue;
    }
    const m = row.exec(line);
    if (!m || skipping.includes(true)) continue;
    const flags = m[5] === '0' ? [] : m[5].split('|').map((f) => f.trim()).sort();
    rows.push({ method: m[1], path: m[2], allow: m[4], flags });
  }
  return rows;
}

// ---- a reader for the YAML subset the spec uses ------------------------------------------------

function parseFlow(text) {
  let i = 0;
  const ws = () => { while (i < text.length && text[i] === ' ') i++; };
  const value = () => {
    ws();
    if (text[i] === '[') {
      i++;
      const out = [];
      ws();
      if (text[i] === ']') { i++; return out; }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return out; }
        throw new Error(`bad flow sequence: ${text}`);
      }
    }
    if (text[i] === '{') {
      i++;
      const out = {};
      ws();
      if (text[i] === '}') { i++; return out; }
      for (;;) {
        ws();
        const key = scalarToken(':');
        if (text[i] !== ':') throw new Error(`bad flow mapping: ${text}`);
        i++;
        out[key] = value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return out; }
        throw new Error(`bad flow mapping: ${text}`);
      }
    }
    return scalarToken(',]}');
  };
  const scalarToken = (stops) => {
    ws();
    if (text[i] === "'" || text[i] === '"') {
      const q = text[i];
      let j = i + 1;
      while (j < text.length && !(text[j] === q && text[j + 1] !== q)) j += text[j] === q ? 2 : 1;
      const raw = text.slice(i, j + 1);
      i = j + 1;
      return scalar(raw);
    }
    let j = i;
    while (j < text.length && !stops.includes(text[j])) j++;
    const raw = text.slice(i, j).trim();
    i = j;
    return scalar(raw);
  };
  const out = value();
  ws();
  if (i !== text.length) throw new Error(`trailing text in flow value: ${text}`);
  return out;
}

function scalar(raw) {
  if (raw.startsWith("'")) {
    if (!raw.endsWith("'") || raw.length < 2) throw new Error(`unterminated quote: ${raw}`);
    return raw.slice(1, -1).replace(/''/g, "'");
  }
  if (raw.startsWith('"')) return JSON.parse(raw);
  if (raw.startsWith('[') || raw.startsWith('{')) return parseFlow(raw);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null' || raw === '~' || raw === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (/^[`@|>%!&*]/.test(raw)) throw new Error(`a plain scalar may not start with ${raw[0]}: quote it: ${raw}`);
  if (/: |\s#/.test(raw)) throw new Error(`a plain scalar may not hold ": " or " #": quote it: ${raw}`);
  return raw;
}

/** Splits "key: value" / "key:" (key plain or quoted); null if the line is no mapping entry. */
function splitKey(text) {
  let key;
  let rest;
  if (text.startsWith("'") || text.startsWith('"')) {
    const q = text[0];
    let j = 1;
    while (j < text.length && !(text[j] === q && text[j + 1] !== q)) j += text[j] === q ? 2 : 1;
    key = scalar(text.slice(0, j + 1));
    rest = text.slice(j + 1);
    if (!rest.startsWith(':')) return null;
    rest = rest.slice(1);
  } else {
    if (/^[-[{#'"]/.test(text)) return null;
    const colon = text.indexOf(': ');
    if (colon > 0) key = text.slice(0, colon);
    else if (text.endsWith(':')) key = text.slice(0, -1);
    else return null;
    rest = text.slice(key.length + 1);
  }
  if (rest !== '' && !rest.startsWith(' ')) return null;
  return { key: String(key), rest: rest.trim() };
}

function parseYaml(source) {
  const lines = source.split('\n').map((text, n) => ({ n: n + 1, text }));
  let pos = 0;
  const indentOf = (l) => l.text.length - l.text.trimStart().length;
  const isSkippable = (l) => l.text.trim() === '' || l.text.trim().startsWith('#');
  const skip = () => { while (pos < lines.length && isSkippable(lines[pos])) pos++; };
  const fail = (l, why) => { throw new Error(`openapi.yaml line ${l.n}: ${why}: ${l.text}`); };

  function blockScalar(parentIndent) {
    const body = [];
    while (pos < lines.length && (lines[pos].text.trim() === '' || indentOf(lines[pos]) > parentIndent)) body.push(lines[pos++].text);
    while (body.length && body[body.length - 1].trim() === '') body.pop();
    const cut = Math.min(...body.filter((t) => t.trim()).map((t) => t.length - t.trimStart().length));
    return `${body.map((t) => t.slice(cut)).join('\n')}\n`;
  }

  // A value after "key:" (rest may be empty: then a nested block, or null).
  function valueAfter(rest, ownIndent) {
    if (rest === '|' || rest === '|-' || rest === '>') return blockScalar(ownIndent);
    if (rest !== '') return scalar(rest);
    skip();
    if (pos < lines.length && indentOf(lines[pos]) > ownIndent) return block(indentOf(lines[pos]));
    return null;
  }

  // A block at exactly `indent`: a sequence ("- ...") or a mapping.
  function block(indent, firstText) {
    skip();
    const first = firstText ?? lines[pos].text.trim();
    if (first === '-' || first.startsWith('- ')) return sequence(indent);
    const out = {};
    let inline = firstText;
    for (;;) {
      let text;
      let l;
      if (inline !== undefined) {
        text = inline;
        l = lines[pos - 1];
        inline = undefined;
      } else {
        skip();
        if (pos >= lines.length || indentOf(lines[pos]) < indent) return out;
        l = lines[pos];
        if (indentOf(l) > indent) fail(l, 'unexpected indentation');
        text = l.text.trim();
        pos++;
      }
      const kv = splitKey(text);
      if (!kv) fail(l, 'expected "key: value"');
      if (Object.hasOwn(out, kv.key)) fail(l, `duplicate key ${kv.key}`);
      out[kv.key] = valueAfter(kv.rest, indent);
    }
  }

  function sequence(indent) {
    const out = [];
    for (;;) {
      skip();
      if (pos >= lines.length || indentOf(lines[pos]) < indent) return out;
      const l = lines[pos];
      if (indentOf(l) > indent) fail(l, 'unexpected indentation');
      const text = l.text.trim();
      if (!(text === '-' || text.startsWith('- '))) return out;
      pos++;
      const rest = text.slice(1).trim();
      if (rest === '') {
        out.push(valueAfter('', indent));
      } else if (splitKey(rest) && !rest.startsWith('{') && !rest.startsWith('[')) {
        out.push(block(indent + 2, rest));   // "- key: value" then more keys at indent + 2
      } else {
        out.push(scalar(rest));
      }
    }
  }

  skip();
  const doc = block(0);
  skip();
  if (pos < lines.length) fail(lines[pos], 'not part of the document');
  return doc;
}

// ---- reading src/ ------------------------------------------------------------------------------

function sourceFiles(dir, ext) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** Every `#define NAME <integer expression>` under src/, evaluated. */
function readDefines() {
  const defines = {};
  for (const file of sourceFiles(join(ROOT, 'src'), '.h')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^#define\s+(PW_\w+)\s+([^/\n]+?)\s*(?:\/\*.*)?$/gm)) {
      const expr = m[2].replace(/(\d+)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU]?)\b/g, '$1');
      if (/^[\d\s()*+\-/]+$/.test(expr)) defines[m[1]] = Function(`"use strict"; return (${expr});`)();
    }
  }
  return defines;
}

/** The error codes the C code produces. */
function readErrorCodes() {
  const codes = new Set();
  // status 0 is not an answer but a file's refusal (the search synonyms table: base/error.h's
  // "status 0: it is a file, not a request"), so it is not an HTTP error code
  const call = /\b(?:pw_error_set|pw_reply_errorf|pw_call_failf)\s*\(\s*[^,]+,\s*[1-9]\d*\s*,\s*"([a-z_]+)"/g;
  for (const file of sourceFiles(join(ROOT, 'src'), '.c')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(call)) codes.add(m[1]);
    for (const m of text.matchAll(/\\"code\\":\\"([a-z_]+)\\"/g)) codes.add(m[1]);   // literal JSON answers
  }
  return codes;
}

// ---- the spec ------------------------------------------------------------------------------------

const specText = readFileSync(SPEC_PATH, 'utf8');
const spec = parseYaml(specText);
const routes = readRouteTable();
const key = (method, path) => `${method.toUpperCase()} ${path}`;

/** The spec's operations by plain line matching (the check that needs no YAML reader). */
function specOperationsByLines() {
  const ops = [];
  let inPaths = false;
  let path = null;
  for (const line of specText.split('\n')) {
    if (/^\S/.test(line)) inPaths = line.startsWith('paths:');
    if (!inPaths) continue;
    let m = /^  (\/[^:]*):$/.exec(line);
    if (m) { path = m[1]; continue; }
    m = /^    (get|post|put|delete|patch|head|options|trace):$/.exec(line);
    if (m) ops.push(key(m[1], path));
  }
  return ops;
}

function resolveRef(ref) {
  assert.match(ref, /^#\//, `only local $refs: ${ref}`);
  let node = spec;
  for (const part of ref.slice(2).split('/')) {
    const name = part.replace(/~1/g, '/').replace(/~0/g, '~');
    assert.ok(node && typeof node === 'object' && Object.hasOwn(node, name), `$ref ${ref} does not resolve`);
    node = node[name];
  }
  return node;
}

const deref = (node) => (node && node.$ref ? deref(resolveRef(node.$ref)) : node);

function operations() {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) if (item[method]) out.push({ path, method, item, op: item[method] });
  }
  return out;
}

const schema = (name) => deref(spec.components.schemas[name]);
const prop = (schemaName, property) => {
  const s = schema(schemaName);
  assert.ok(s?.properties?.[property], `${schemaName}.${property} missing`);
  return deref(s.properties[property]);
};

// ---- tests -------------------------------------------------------------------------------------------

describe('docs/openapi.yaml', () => {
  test('is OpenAPI 3.0.3 served from /', () => {
    assert.equal(spec.openapi, '3.0.3');
    assert.equal(spec.servers?.[0]?.url, '/');
    assert.ok(spec.info?.title && spec.info?.version, 'info.title and info.version');
  });

  test('the route table reads as expected', () => {
    assert.ok(routes.length >= 20, `only ${routes.length} rows read from routes.c`);
    assert.ok(routes.some((r) => r.method === 'GET' && r.path === '/healthz'), 'GET /healthz row');
    assert.ok(!routes.some((r) => r.path.includes('/bench/')), 'bench rows are excluded');
    const all = readFileSync(ROUTES_PATH, 'utf8');
    assert.match(all, /#ifdef PW_BENCH_ROUTES[\s\S]*"\/api\/v1\/bench\/write"[\s\S]*#endif/, 'the bench route is still fenced');
  });

  test('documents exactly the routes of src/api/routes.c (bench-only routes excluded)', () => {
    const byLines = specOperationsByLines();
    const dupes = byLines.filter((k, i) => byLines.indexOf(k) !== i);
    assert.deepEqual(dupes, [], 'operations listed twice in openapi.yaml');
    const inSpec = new Set(byLines);
    const inTable = new Set(routes.map((r) => key(r.method, r.path)));
    const missing = [...inTable].filter((k) => !inSpec.has(k)).sort();
    const extra = [...inSpec].filter((k) => !inTable.has(k)).sort();
    assert.deepEqual(missing, [], 'routes in routes.c without an entry in docs/openapi.yaml');
    assert.deepEqual(extra, [], 'operations in docs/openapi.yaml that routes.c does not serve');
    // The YAML reader sees the same operations as the line matcher.
    assert.deepEqual(operations().map((o) => key(o.method, o.path)).sort(), [...inSpec].sort());
  });

  test('each operation states its row\'s allow and flags, and what they imply', () => {
    const problems = [];
    for (const r of routes) {
      const item = spec.paths[r.path];
      const op = item?.[r.method.toLowerCase()];
      if (!op) continue;   // reported by the previous test
      const where = key(r.method, r.path);
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const refs = params.map((p) => p.$ref ?? '');
      const responses = op.responses ?? {};
      const unsafe = r.method !== 'GET';
      if (op['x-peerwork-allow'] !== r.allow) problems.push(`${where}: x-peerwork-allow ${op['x-peerwork-allow']}, routes.c ${r.allow}`);
      const flags = [...(op['x-peerwork-flags'] ?? ['<missing>'])].sort();
      if (flags.join('|') !== r.flags.join('|')) problems.push(`${where}: x-peerwork-flags [${flags}], routes.c [${r.flags}]`);

      const idem = refs.includes('#/components/parameters/IdempotencyKey');
      if (r.flags.includes('IDEM') !== idem) problems.push(`${where}: Idempotency-Key parameter ${idem ? 'on a route without IDEM' : 'missing'}`);
      if (r.flags.includes('IDEM') && !responses['409']) problems.push(`${where}: IDEM without a 409 answer`);

      const body = r.flags.includes('BODY');
      if (body !== Boolean(op.requestBody)) problems.push(`${where}: requestBody ${body ? 'missing' : 'on a route without BODY'}`);
      if (body) {
        if (!op.requestBody.content?.['application/json']?.schema) problems.push(`${where}: requestBody is not application/json`);
        const optional = r.flags.includes('OPT');
        if (Boolean(op.requestBody.required) === optional) problems.push(`${where}: requestBody.required should be ${!optional}`);
        for (const status of ['400', '413', '415']) if (!responses[status]) problems.push(`${where}: BODY route without ${status}`);
      }

      if (r.allow === 'ANY') {
        const sec = op.security;
        if (!Array.isArray(sec) || !(sec.length === 0 || sec.some((s) => s && Object.keys(s).length === 0))) {
          problems.push(`${where}: ANY route should have security [] (or include {})`);
        }
      } else {
        if (op.security !== undefined) problems.push(`${where}: a signed-in route should inherit the global security`);
        if (!responses['401']) problems.push(`${where}: no 401 answer`);
        if (r.allow !== 'USER' && !responses['403']) problems.push(`${where}: role ${r.allow} without a 403 answer`);
        if (unsafe) {
          if (!refs.includes('#/components/parameters/CsrfToken')) problems.push(`${where}: unsafe signed-in route without the X-CSRF-Token parameter`);
          if (!responses['403']) problems.push(`${where}: unsafe signed-in route without a 403 (csrf_failed) answer`);
        }
      }
      if (!Object.keys(responses).some((s) => /^2\d\d$/.test(s))) problems.push(`${where}: no success answer`);
      if (!responses['503']) problems.push(`${where}: no 503 answer`);
      if (!op.operationId || !op.summary) problems.push(`${where}: operationId and summary`);
    }
    assert.deepEqual(problems, []);
  });

  test('every $ref resolves and every path parameter is declared', () => {
    const refs = [];
    const walk = (node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(spec);
    assert.ok(refs.length > 50, 'the spec uses $refs');
    for (const ref of refs) resolveRef(ref);

    const ids = new Set();
    for (const { path, method, item, op } of operations()) {
      assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} used twice`);
      ids.add(op.operationId);
      const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref).filter((p) => p.in === 'path');
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      assert.deepEqual(declared.map((p) => p.name).sort(), [...inPath].sort(), `${key(method, path)}: path parameters`);
      for (const p of declared) assert.equal(p.required, true, `${key(method, path)}: path parameter ${p.name} must be required`);
    }
  });

  test('limits equal the #defines in src/', () => {
    const d = readDefines();
    const want = (name) => {
      assert.ok(Number.isFinite(d[name]), `#define ${name} not found in src/**/*.h`);
      return d[name];
    };
    const checks = [
      [prop('NewUser', 'email').maxLength, want('PW_EMAIL_MAX_BYTES'), 'NewUser.email maxLength'],
      [prop('NewUser', 'password').minLength, want('PW_PASSWORD_MIN_CHARS'), 'NewUser.password minLength'],
      [prop('NewUser', 'password').maxLength, want('PW_PASSWORD_MAX_CHARS'), 'NewUser.password maxLength'],
      [prop('NewUser', 'display_name').maxLength, want('PW_DISPLAY_NAME_MAX_CHARS'), 'NewUser.display_name maxLength'],
      [prop('SignIn', 'email').maxLength, want('PW_EMAIL_MAX_BYTES'), 'SignIn.email maxLength'],
      [prop('SignIn', 'password').maxLength, want('PW_PASSWORD_MAX_CHARS'), 'SignIn.password maxLength'],
      [prop('NewTask', 'title').maxLength, want('PW_TITLE_MAX_CHARS'), 'NewTask.title maxLength'],
      [prop('NewTask', 'description').maxLength, want('PW_DESCRIPTION_MAX_CHARS'), 'NewTask.description maxLength'],
      [prop('NewTask', 'category').maxLength, want('PW_TAG_MAX_CHARS'), 'NewTask.category maxLength'],
      [schema('Tags').maxItems, want('PW_TAGS_MAX'), 'Tags maxItems'],
      [schema('Tags').items.maxLength, want('PW_TAG_MAX_CHARS'), 'Tags item maxLength'],
      [prop('WorkerProfileInput', 'bio').maxLength, want('PW_BIO_MAX_CHARS'), 'WorkerProfileInput.bio maxLength'],
      [prop('WorkerProfileInput', 'radius_km').maximum, want('PW_RADIUS_MAX_KM'), 'WorkerProfileInput.radius_km maximum'],
      [prop('GoodsCompensation', 'description').maxLength, want('PW_GOODS_DESCRIPTION_MAX_CHARS'), 'goods description maxLength'],
      [prop('MoneyInput', 'amount').maximum, want('PW_MONEY_MAX_MINOR'), 'MoneyInput.amount maximum'],
      [prop('MoneyCompensationInput', 'amount').maximum, want('PW_MONEY_MAX_MINOR'), 'money compensation maximum'],
      [prop('CreditsCompensationInput', 'amount').maximum, want('PW_CREDITS_MAX_MINUTES'), 'credits compensation maximum'],
      [prop('SubmitInput', 'note').maxLength, want('PW_NOTE_MAX_CHARS'), 'SubmitInput.note maxLength'],
      [prop('DisputeInput', 'reason').maxLength, want('PW_NOTE_MAX_CHARS'), 'DisputeInput.reason maxLength'],
      [prop('MessageInput', 'body').maxLength, want('PW_MESSAGE_MAX_CHARS'), 'MessageInput.body maxLength'],
      [prop('Task', 'timeline').maxItems, want('PW_TIMELINE_MAX'), 'Task.timeline maxItems'],
      [schema('Id').maxLength, want('PW_ROUTE_PARAM_MAX_BYTES'), 'Id maxLength'],
      [deref(spec.components.parameters.Limit).schema.maximum, want('PW_PAGE_MAX'), 'limit maximum'],
      [deref(spec.components.parameters.Limit).schema.default, want('PW_PAGE_DEFAULT'), 'limit default'],
      [deref(spec.components.parameters.Cursor).schema.maxLength, want('PW_CURSOR_MAX_BYTES'), 'cursor maxLength'],
      [deref(spec.components.parameters.IdempotencyKey).schema.maxLength, want('PW_IDEMPOTENCY_KEY_MAX_BYTES'), 'Idempotency-Key maxLength'],
    ];
    const wrong = checks.filter(([got, expected]) => got !== expected).map(([got, expected, what]) => `${what}: spec ${got}, src ${expected}`);
    assert.deepEqual(wrong, []);
  });

  test('the Error schema lists exactly the error codes the server produces', () => {
    const used = readErrorCodes();
    assert.ok(used.has('validation_failed') && used.has('not_found'), 'error codes were found in src/');
    const listed = new Set(deref(schema('Error').properties.error).properties.code.enum);
    const unlisted = [...used].filter((c) => !listed.has(c)).sort();
    const stale = [...listed].filter((c) => !used.has(c)).sort();
    assert.deepEqual(unlisted, [], 'codes produced by src/ but missing from the Error schema');
    assert.deepEqual(stale, [], 'codes in the Error schema that src/ no longer produces');
  });

  test('says what is left out or conditional', () => {
    const description = spec.info.description;
    assert.match(description, /\/api\/v1\/bench\/write/, 'the bench-only route is mentioned');
    const clock = spec.paths['/api/v1/dev/clock']?.post;
    assert.ok(clock, 'POST /api/v1/dev/clock is documented');
    assert.match(clock.description, /--dev-clock/);
    assert.ok(clock.responses['404'], 'the dev clock documents its 404 without --dev-clock');
    const metrics = Object.keys(spec.paths['/metrics'].get.responses['200'].content ?? {});
    assert.deepEqual(metrics, ['text/plain; version=0.0.4'], 'GET /metrics is Prometheus text');
  });
});
