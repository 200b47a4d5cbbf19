// simulate.test.mjs — `peerwork simulate` as a user runs it: the same flags print the
// same report byte for byte (run twice as separate processes), the wall time stays on
// stderr, a kept database passes `ledger verify`, --help explains every flag, and bad
// flags exit 2 with a message.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { BINARY, ROOT, tempDir } from './helpers.mjs';

const FLAGS = ['--seed', '7', '--workers', '500', '--clients', '200', '--hours', '3', '--policy', 'batch'];

function simulate(args) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('PEERWORK_')) delete env[key];
  env.TMPDIR = tempDir('peerwork-sim-');
  return spawnSync(BINARY, ['simulate', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
}

test('the same seed and flags print the same report, byte for byte', () => {
  const a = simulate(FLAGS);
  const b = simulate(FLAGS);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /^peerwork simulation report\n/);
  assert.match(a.stdout, /seed 7, policy batch, 500 workers, 200 clients, 3 h/);
  assert.match(a.stdout, /accounting \(states, never\) +adds up/);
  assert.match(a.stdout, /^ledger verify: ok .* 0 failures\)\n$/m);
  const fill = Number(/fill rate \(assigned \/ posted\) +([0-9.]+)/.exec(a.stdout)[1]);
  assert.ok(fill >= 0 && fill <= 1, `fill rate ${fill}`);
  // wall-clock figures go to stderr only
  assert.doesNotMatch(a.stdout, /wall|speed-up/);
  assert.match(a.stderr, /wall [0-9.]+ s, virtual 3\.0 h, speed-up [0-9]+x/);
});

test('another seed or policy gives another report', () => {
  const base = simulate(FLAGS).stdout;
  const seed = simulate(FLAGS.map((v, i) => (FLAGS[i - 1] === '--seed' ? '8' : v))).stdout;
  const greedy = simulate(FLAGS.map((v) => (v === 'batch' ? 'greedy' : v))).stdout;
  assert.notEqual(seed, base);
  assert.notEqual(greedy, base);
  assert.match(greedy, /policy greedy/);
});

test('--db keeps the database, whose ledger verifies; an existing file is refused', () => {
  const db = join(tempDir('peerwork-simdb-'), 'sim.db');
  const run = simulate([...FLAGS, '--hours', '1', '--db', db]);
  assert.equal(run.status, 0, run.stderr);
  const verify = spawnSync(BINARY, ['ledger', 'verify', '--db', db], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /^ledger ok: .* 0 failures/);
  const again = simulate([...FLAGS, '--hours', '1', '--db', db]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists; the simulation needs a new database/);
});

test('--help explains every flag', () => {
  const help = simulate(['--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--seed', '--workers', '--clients', '--hours', '--policy', '--db', '--batch-window-s',
    '--ack-window-s', '--help']) {
    assert.ok(help.stdout.includes(flag), `--help mentions ${flag}`);
  }
  assert.equal(help.stderr, '');
});

test('--dispatch-weights changes the weights the run uses, and the report says which', () => {
  const small = ['--seed', '3', '--workers', '300', '--clients', '150', '--hours', '4'];
  const plain = simulate(small);
  const weighted = simulate([...small, '--dispatch-weights', 'fairness=0.6,earned_half=1000']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(weighted.status, 0, weighted.stderr);
  assert.match(plain.stdout, /weights fit 0.35, distance 0.2, reputation 0.15, reliability 0.1, fairness 0.2, bad pairing 0.5, earned half 5000\n/);
  assert.match(weighted.stdout, /weights fit 0.35, distance 0.2, reputation 0.15, reliability 0.1, fairness 0.6, bad pairing 0.5, earned half 1000\n/);
  const score = (out) => out.match(/total score \(first assignments\) +([0-9.]+)/)[1];
  assert.notEqual(score(plain.stdout), score(weighted.stdout));
});

test('bad flags exit 2 with a message', () => {
  const cases = [
    [['--policy', 'fastest'], /--policy must be greedy or batch/],
    [['--workers', '0'], /--workers must be an integer from 1 to 1000000/],
    [['--hours', 'ten'], /--hours must be an integer/],
    [['--batch-window-s', '0'], /--batch-window-s must be an integer from 1/],
    [['--ack-window-s', '5'], /--ack-window-s must be an integer from 10/],
    [['--seed', '-3'], /--seed must be a non-negative integer/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['--clients'], /--clients needs a value/],
    [['stray'], /unexpected argument 'stray'/],
    [['--dispatch-weights', 'fit=2x'], /--dispatch-weights: fit must be a number from 0 to 10/],
    [['--dispatch-weights', 'speed=1'], /--dispatch-weights: 'speed=1' is not KEY=VALUE/],
  ];
  for (const [args, message] of cases) {
    const run = simulate(args);
    assert.equal(run.status, 2, `${args.join(' ')}: status ${run.status}`);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
});
