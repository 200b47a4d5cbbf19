// /wallet: balances per asset, the ledger entries as a statement, deposit and payout forms.
// Refetches on the SSE `wallet` event (a hint: the API is the truth).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html, Link, Button, Card, Empty, Loading, Alert, Field, useForm, toast } from '../ui.js';
import { api } from '../api.js';
import { subscribe } from '../sse.js';
import { money, toMinor, dateTime, fee } from '../format.js';

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];

// What a ledger entry was for, in words, from its transfer kind and its sign (the user's side).
export function entryLabel(e) {
  const a = e.amount.amount;
  switch (e.kind) {
    case 'deposit': return 'Deposit';
    case 'payout': return 'Payout to your bank account';
    case 'escrow': return a < 0 ? 'Paid into escrow for a task' : 'Escrow hold';
    case 'release': return 'Payment received';
    case 'refund': return 'Refund from escrow';
    case 'fee': return 'Platform fee';
    case 'pool_share': return 'Share of the workers\u2019 pool';
    case 'pool': case 'pool_distribution': return 'Profit-sharing pool payout';
    case 'tip': return a < 0 ? 'Tip sent' : 'Tip received';
    case 'starter': case 'starter_credits': return 'Starter credits';
    default: return e.kind.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  }
}

// Give an amount-related API error a field, so it shows next to the amount in words.
const AMOUNT_CODES = { insufficient_funds: 'Not enough available money for this payout.', payment_declined: 'The payment provider declined this amount.' };
function amountError(err, name) {
  if (err && AMOUNT_CODES[err.code]) { err.field = name; err.message = AMOUNT_CODES[err.code]; } else if (err && err.field === 'amount') err.field = name;
  return err;
}
const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());

function MoneyForm({ kind, balances, onDone }) {
  const f = useForm();
  const deposit = kind === 'deposit';
  const currencies = [...new Set([...balances.map((b) => b.currency).filter((c) => c !== 'TIME'), ...CURRENCIES])];
  const [key, setKey] = useState(newKey);
  const form = useRef(null);
  return html`<${Card} aria-labelledby=${kind + '-h'}>
    <h2 id=${kind + '-h'}>${deposit ? 'Deposit' : 'Pay out'}</h2>
    <form class="money-form" ref=${form} onSubmit=${f.submit(async (data) => {
      const currency = data.get('currency');
      const amount = toMinor(data.get(kind + '_amount'), currency);
      if (!(amount > 0)) { const e = new Error('Enter an amount above zero.'); e.field = kind + '_amount'; throw e; }
      try {
        await api('POST', deposit ? '/wallet/deposits' : '/wallet/payouts', { amount, currency }, { 'Idempotency-Key': key });
      } catch (e) { throw amountError(e, kind + '_amount'); }
      setKey(newKey()); if (form.current) form.current.reset();
      toast(deposit ? `Deposited ${money(amount, currency)}` : `Payout of ${money(amount, currency)} on its way`, 'ok');
      onDone();
    })}>
      <${Alert}>${f.top}<//>
      <${Field} label=${deposit ? 'Amount to deposit' : 'Amount to pay out'} name=${kind + '_amount'} error=${f.error}
        type="number" inputmode="decimal" min="0.01" step="0.01" required onInput=${() => setKey(newKey())} />
      <div class="field"><label for=${'f-currency-' + kind}>Currency</label>
        <select id=${'f-currency-' + kind} name="currency">${currencies.map((c) => html`<option value=${c}>${c}</option>`)}</select></div>
      <${Button} type="submit" kind=${deposit ? 'primary' : 'secondary'} disabled=${f.busy}>${deposit ? 'Deposit' : 'Pay out'}<//>
    </form><//>`;
}

// What a task's payment was made of, in words, or null: the gross and the fee the platform kept.
// e: a release or refund entry of the user's; t: its task (GET /tasks/{id}); bps: GET /me's fee_bps.
// - completed, the worker's payment: the task's amount minus the entry is the fee (exact).
// - resolved (an admin's release / split / refund): the worker's gross was floor(amount × share /
//   100) for a whole-percent share. The client's refund is amount − gross, so gross and the fee
//   (format.js fee, as the ledger rounds) follow from it. The worker does not see the share: the
//   shares whose gross nets exactly the payment received are tried, and the line is given only
//   when they agree on one gross.
// Time credits carry no fee (no line).
export function paymentLine(e, t, bps) {
  const c = t && t.compensation;
  const a = e.amount;
  if (!c || c.kind !== 'money' || c.currency !== a.currency || a.currency === 'TIME') return null;
  const total = c.amount, x = a.amount, m = (v) => money(v, a.currency);
  if (e.kind === 'release' && t.status === 'completed') return total - x > 0 ? `${m(total)} for the task, minus the platform fee of ${m(total - x)}` : null;
  if (t.status !== 'resolved' || !Number.isInteger(bps)) return null;
  if (e.kind === 'release') {
    const grosses = new Set();
    for (let p = 0; p <= 100; p++) { const g = Math.floor((total * p) / 100); if (g - fee(g, bps) === x) grosses.add(g); }
    if (grosses.size !== 1) return null;
    const [g] = grosses;
    const kept = g - x;
    return g === total
      ? `The dispute was decided for you: ${m(total)} for the task, minus the platform fee of ${m(kept)}`
      : `Your share of the disputed ${m(total)}: ${m(g)}, minus the platform fee of ${m(kept)}`;
  }
  if (e.kind === 'refund' && x > 0 && x <= total) {
    const g = total - x;
    if (g === 0) return `The dispute was decided for you: the whole ${m(total)} came back`;
    return `Split after the dispute: ${m(x)} of the ${m(total)} came back to you; the worker got ${m(g)}, of which the platform kept ${m(fee(g, bps))} as its fee`;
  }
  return null;
}

function Statement({ tick, me }) {
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [err, setErr] = useState(null);
  const [tasks, setTasks] = useState({});
  const load = async (cursor) => {
    try {
      const r = await api('GET', '/wallet/entries?limit=20' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      setItems((old) => (cursor ? [...(old || []), ...r.items] : r.items)); setNext(r.next_cursor); setErr(null);
    } catch (e) { setErr(e); }
  };
  useEffect(() => { load(null); }, [tick]);
  // Payments and refunds of tasks: fetch the task once to state the gross and the platform fee.
  useEffect(() => {
    for (const e of items || []) {
      if ((e.kind !== 'release' && e.kind !== 'refund') || !e.task_id || tasks[e.task_id] !== undefined) continue;
      setTasks((t) => ({ ...t, [e.task_id]: null }));
      api('GET', '/tasks/' + e.task_id).then((t) => setTasks((m) => ({ ...m, [e.task_id]: t })), () => {});
    }
  }, [items]);
  if (err) return html`<${Alert}>Could not load the statement: ${err.message}<//>`;
  if (!items) return html`<${Loading} />`;
  if (!items.length) return html`<p>No movements yet.</p>`;
  const bps = me && me.fee_bps;
  return html`<ul class="statement">
    ${items.map((e) => {
      const a = e.amount; const fe = e.task_id ? paymentLine(e, tasks[e.task_id], bps) : null;
      return html`<li key=${e.id} class="entry">
        <div class="entry-what">
          <span class="entry-label">${entryLabel(e)}</span>
          ${e.task_id ? html` <${Link} href=${'/tasks/' + e.task_id}>task #${e.task_id}<//>` : null}
          <small class="entry-when">${dateTime(e.created_at)}</small>
          ${fe ? html`<small class="entry-fee">${fe}</small>` : null}
        </div>
        <div class="entry-amount ${a.amount < 0 ? 'neg' : 'pos'}">${a.amount < 0 ? '\u2212' : '+'}${money(Math.abs(a.amount), a.currency)}
          <small>balance ${money(e.balance_after, a.currency)}</small></div>
      </li>`;
    })}
  </ul>
  ${next ? html`<${Button} kind="secondary" onClick=${() => load(next)}>Show older movements<//>` : null}`;
}

export function Wallet({ me }) {
  const [w, setW] = useState(null);
  const [err, setErr] = useState(null);
  const [tick, setTick] = useState(0);
  const reload = () => { setTick((n) => n + 1); };
  useEffect(() => { api('GET', '/wallet').then((r) => { setW(r); setErr(null); }, setErr); }, [tick]);
  useEffect(() => subscribe('wallet', () => reload()), []);
  const balances = (w && w.balances) || [];
  const empty = w && !balances.some((b) => b.available || b.held);
  return html`<h1>Wallet</h1>
    ${err ? html`<${Alert}>Could not load the wallet: ${err.message}<//>` : null}
    ${!w && !err ? html`<${Loading} />` : null}
    ${w && empty ? html`<${Empty} title="No money yet — deposit to post a paid task" />` : null}
    ${w && !empty ? html`<section aria-labelledby="bal-h"><h2 id="bal-h">Balances</h2><div class="balances">
      ${balances.map((b) => html`<div class="card balance" key=${b.currency}>
        <p class="balance-asset">${b.currency === 'TIME' ? 'Time credits' : b.currency}</p>
        <p class="balance-available"><span class="sr-only">Available: </span>${money(b.available, b.currency)}</p>
        <p class="balance-held">${money(b.held, b.currency)} held in escrow</p></div>`)}
    </div></section>` : null}
    <div class="money-forms">
      <${MoneyForm} kind="deposit" balances=${balances} onDone=${reload} />
      <${MoneyForm} kind="payout" balances=${balances} onDone=${reload} />
    </div>
    <section aria-labelledby="st-h"><h2 id="st-h">Statement</h2><${Statement} tick=${tick} me=${me} /></section>`;
}
