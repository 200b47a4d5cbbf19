// Admin screens: the dashboard (GET /admin/metrics as cards, /admin/metrics/series as charts),
// the task search (GET /admin/tasks), the dispute queue and one dispute (task, messages,
// timeline, resolve). Loaded lazily from
// main.js (see lazyPage), so it and the chart library stay out of the first page's script.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html, Link, Button, Card, Badge, Empty, Loading, Alert, ask, toast } from '../ui.js';
import { api } from '../api.js';
import { money, toMinor, dateTime, relative } from '../format.js';
import { lineChart } from '../chart.js';

const secs = (s) => (s == null ? '—' : s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const pct = (x) => (x == null ? '—' : `${Math.round(x * 1000) / 10} %`);
const sums = (list) => (list && list.length ? list.map((m) => money(m.amount, m.currency)).join(' · ') : money(0, 'EUR'));

const Metric = ({ label, value }) => html`<div class="card metric"><p class="metric-label">${label}</p><p class="metric-value">${value}</p></div>`;

// One uPlot chart; `lines` is [[label, values]]. The container is labelled for screen readers.
function Chart({ title, xs, lines }) {
  const el = useRef(null);
  useEffect(() => {
    if (!el.current || !xs.length) return;
    const colours = ['#3b3fc4', '#0f7a5c', '#b3261e', '#8a5300', '#1f5fa8', '#6a3d9a', '#4d5566'];
    lineChart(el.current, { title, series: lines.map(([label], i) => ({ label, stroke: colours[i % colours.length] })) },
      [xs, ...lines.map(([, v]) => v)]).catch(() => {});
  }, [xs, title]);
  return html`<div ref=${el} class="chart" role="img" aria-label=${title + ' chart'}></div>`;
}

function Series() {
  const [s, setS] = useState(undefined);
  const [err, setErr] = useState(null);
  useEffect(() => {
    api('GET', '/admin/metrics/series').then(setS, (e) => { if (e.status === 404) setS(null); else setErr(e); });
  }, []);
  if (err) return html`<${Alert}>Could not load the time series: ${err.message}<//>`;
  if (s === undefined) return html`<${Loading} label="Loading charts…" />`;
  if (s === null) return html`<${Alert} kind="info">Charts over time are not available on this server yet.<//>`;
  const xs = s.t || []; const v = s.series || {};
  if (!xs.length) return html`<p>No data in this period yet.</p>`;
  const cur = s.currency || 'EUR';
  const pick = (keys, f = (x) => x) => keys.filter((k) => Array.isArray(v[k])).map((k) => [k.replace(/_/g, ' '), v[k].map((x) => (x == null ? null : f(x)))]);
  const unit = toMinor(1, cur) || 1; // money series are minor units: charted in major units
  return html`<div class="charts">
    <${Chart} title="Tasks by state" xs=${xs} lines=${pick(['created', 'assigned', 'completed', 'cancelled', 'expired', 'disputed', 'open'])} />
    <${Chart} title="Fill rate (%)" xs=${xs} lines=${pick(['fill_rate'], (x) => Math.round(x * 1000) / 10)} />
    <${Chart} title="Time to assign, p50 (s)" xs=${xs} lines=${pick(['time_to_assign_p50_s'])} />
    <${Chart} title=${`GMV, fees and pool (${cur === 'TIME' ? 'minutes' : cur})`} xs=${xs} lines=${pick(['gmv', 'fees', 'pool'], (x) => x / unit)} />
    <${Chart} title="Active workers" xs=${xs} lines=${pick(['active_workers'])} />
  </div>`;
}

export function Admin() {
  const [m, setM] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => { api('GET', '/admin/metrics').then(setM, setErr); }, []);
  const by = (m && m.tasks_by_state) || {};
  return html`<h1>Admin</h1>
    <p><${Link} href="/admin/disputes">Dispute queue<//> · <${Link} href="/admin/tasks">Tasks<//></p>
    ${err ? html`<${Alert}>Could not load the figures: ${err.message}<//>` : null}
    ${!m && !err ? html`<${Loading} />` : null}
    ${m ? html`<section aria-labelledby="fig-h"><h2 id="fig-h">Marketplace</h2><div class="metric-cards">
      <${Metric} label="Tasks" value=${m.tasks_total} />
      <${Metric} label="Fill rate" value=${pct(m.fill_rate)} />
      <${Metric} label="Time to assign p50" value=${secs(m.time_to_assign && m.time_to_assign.p50_s)} />
      <${Metric} label="Time to assign p99" value=${secs(m.time_to_assign && m.time_to_assign.p99_s)} />
      <${Metric} label="GMV" value=${sums(m.gmv)} />
      <${Metric} label="Fees" value=${sums(m.fees)} />
      <${Metric} label="Pool" value=${sums(m.pool)} />
    </div>
    <h2>Tasks by state</h2><div class="metric-cards">
      ${Object.keys(by).map((k) => html`<${Metric} label=${k.replace(/_/g, ' ')} value=${by[k]} />`)}
    </div></section>` : null}
    <section aria-labelledby="ch-h"><h2 id="ch-h">Over time</h2><${Series} /></section>`;
}

const STATES = ['dispatching', 'assigned', 'in_progress', 'submitted', 'completed', 'disputed', 'resolved', 'cancelled', 'expired'];

// GET /admin/tasks: text (title or description, case and accents ignored), state, category;
// newest first, "Show more" follows the cursor. Each search is an audited read on the server.
export function AdminTasks() {
  const [form, setForm] = useState({ q: '', state: '', category: '' });
  const [res, setRes] = useState(null); // { items, next_cursor, query }
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (query, cursor, prev) => {
    setBusy(true); setErr(null);
    try {
      const p = new URLSearchParams();
      for (const k of ['q', 'state', 'category']) if (query[k].trim()) p.set(k, query[k].trim());
      p.set('limit', '20');
      if (cursor) p.set('cursor', cursor);
      const r = await api('GET', '/admin/tasks?' + p.toString());
      setRes({ items: (prev || []).concat(r.items), next_cursor: r.next_cursor, query });
    } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  useEffect(() => { run(form); }, []);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = (e) => { e.preventDefault(); run(form); };
  return html`<h1>Tasks</h1>
    <p><${Link} href="/admin">Back to admin<//></p>
    <form class="stack" role="search" aria-label="Search tasks" onSubmit=${submit}>
      <div class="field"><label for="f-q">Text in the title or description</label>
        <input id="f-q" type="search" maxlength="200" value=${form.q} onInput=${set('q')} /></div>
      <div class="field"><label for="f-state">State</label>
        <select id="f-state" value=${form.state} onChange=${set('state')}>
          <option value="">Any state</option>
          ${STATES.map((s) => html`<option value=${s}>${s.replace(/_/g, ' ')}</option>`)}
        </select></div>
      <div class="field"><label for="f-category">Category</label>
        <input id="f-category" type="text" maxlength="40" value=${form.category} onInput=${set('category')} /></div>
      <div class="actions-row"><${Button} type="submit" disabled=${busy}>Search<//></div>
    </form>
    ${err ? html`<${Alert}>Could not search the tasks: ${err.message}<//>` : null}
    ${!res && !err ? html`<${Loading} />` : null}
    ${res && !res.items.length ? html`<${Empty} title="No tasks match." />` : null}
    ${res && res.items.length ? html`<section aria-labelledby="res-h"><h2 id="res-h">Results</h2>
      <ul class="statement">${res.items.map((t) => html`<li class="entry" key=${t.id}>
        <div class="entry-what"><${Link} href=${'/tasks/' + t.id}>${t.title}<//>
          <small>${t.category} · task #${t.id} · posted ${relative(t.created_at)}</small></div>
        <${Badge} status=${t.status} /></li>`)}</ul>
      ${res.next_cursor ? html`<${Button} kind="secondary" disabled=${busy} onClick=${() => run(res.query, res.next_cursor, res.items)}>Show more<//>` : null}
    </section>` : null}`;
}

async function allDisputes() {
  let out = []; let cursor = null;
  do {
    const r = await api('GET', '/admin/disputes?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    out = out.concat(r.items); cursor = r.next_cursor;
  } while (cursor && out.length < 1000);
  return out;
}

export function Disputes() {
  const [list, setList] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => { allDisputes().then(setList, setErr); }, []);
  return html`<h1>Disputes</h1>
    <p><${Link} href="/admin">Back to admin<//></p>
    ${err ? html`<${Alert}>Could not load the disputes: ${err.message}<//>` : null}
    ${!list && !err ? html`<${Loading} />` : null}
    ${list && !list.length ? html`<${Empty} title="No open disputes." />` : null}
    ${list && list.length ? html`<ul class="statement">${list.map((d) => html`<li class="entry" key=${d.id}>
      <div class="entry-what"><${Link} href=${'/admin/disputes/' + d.id}>Dispute #${d.id} on task #${d.task_id}<//>
        <small>${d.reason}</small></div>
      <small>opened ${relative(d.created_at)}</small></li>`)}</ul>` : null}`;
}

// What each side gets for an outcome, in words (the server rounds the worker's part down).
function consequence(t, outcome, share) {
  const c = t.compensation || {};
  if (c.kind === 'goods') return 'This is a goods task: no money moves; the task becomes resolved.';
  const cur = c.kind === 'credits' ? 'TIME' : c.currency;
  const w = outcome === 'release' ? c.amount : outcome === 'refund' ? 0 : Math.floor((c.amount * share) / 100);
  return `The worker gets ${money(w, cur)} (minus the platform fee on it) and the client gets ${money(c.amount - w, cur)} back. This cannot be undone.`;
}

export function Dispute({ id }) {
  const [d, setD] = useState(undefined);
  const [t, setT] = useState(null);
  const [msgs, setMsgs] = useState(null);
  const [err, setErr] = useState(null);
  const [share, setShare] = useState(50);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    try {
      const found = (await allDisputes()).find((x) => String(x.id) === String(id));
      setD(found || null);
      const taskId = found ? found.task_id : null;
      if (taskId) {
        setT(await api('GET', '/tasks/' + taskId));
        setMsgs((await api('GET', '/tasks/' + taskId + '/messages?limit=100')).items);
      }
    } catch (e) { setErr(e); }
  };
  useEffect(() => { load(); }, [id]);
  const resolve = async (outcome) => {
    const ok = await ask({ title: outcome === 'split' ? `Split ${share} % to the worker?` : outcome === 'release' ? 'Release to the worker?' : 'Refund the client?',
      body: consequence(t, outcome, share), confirm: outcome === 'split' ? 'Split' : outcome === 'release' ? 'Release' : 'Refund', danger: true });
    if (!ok) return;
    setBusy(true);
    try {
      const r = await api('POST', `/admin/disputes/${id}/resolve`, outcome === 'split' ? { outcome, worker_share_pct: share } : { outcome });
      setT(r); setD(null); toast('Dispute resolved', 'ok');
    } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  return html`<h1>Dispute #${id}</h1>
    <p><${Link} href="/admin/disputes">Back to disputes<//></p>
    ${err ? html`<${Alert}>${err.message}<//>` : null}
    ${d === undefined && !err ? html`<${Loading} />` : null}
    ${d === null && !t ? html`<${Empty} title="This dispute is not open (resolved already, or no such dispute)." />` : null}
    ${t ? html`<div class="stack"><${Card}><h2>${t.title}</h2>
      <dl class="facts"><dt>Status</dt><dd><${Badge} status=${t.status} /></dd>
        <dt>Task</dt><dd><${Link} href=${'/tasks/' + t.id}>task #${t.id}<//></dd>
        <dt>Compensation</dt><dd>${t.compensation && t.compensation.kind === 'goods' ? t.compensation.description : t.compensation ? money(t.compensation.amount, t.compensation.kind === 'credits' ? 'TIME' : t.compensation.currency) : '—'}</dd>
        ${d ? html`<dt>Reason</dt><dd>${d.reason}</dd><dt>Opened</dt><dd>${dateTime(d.created_at)}</dd>` : null}
      </dl>
      <p>${t.description}</p><//>
      <${Card}><h2>Timeline</h2><ol class="timeline">${(t.timeline || []).map((e) => html`<li>${e.event.replace(/_/g, ' ')} <small>${dateTime(e.at)}</small></li>`)}</ol><//>
      <${Card}><h2>Messages</h2>${msgs && msgs.length ? html`<ul class="messages">${msgs.map((m) => html`<li key=${m.id}><small>${m.sender_id === t.client_id ? 'Client' : 'Worker'} · ${dateTime(m.created_at)}</small><p>${m.body}</p></li>`)}</ul>` : html`<p>No messages.</p>`}<//>
      ${d && t.status === 'disputed' ? html`<${Card}><h2>Resolve</h2><div class="actions-row">
        <${Button} kind="secondary" disabled=${busy} onClick=${() => resolve('release')}>Release to worker<//>
        <${Button} kind="secondary" disabled=${busy} onClick=${() => resolve('refund')}>Refund client<//>
        <div class="field"><label for="f-share">Worker share (%)</label>
          <input id="f-share" type="number" min="0" max="100" step="1" value=${share} onInput=${(e) => setShare(Math.max(0, Math.min(100, parseInt(e.target.value, 10) || 0)))} /></div>
        <${Button} disabled=${busy} onClick=${() => resolve('split')}>Split<//>
      </div><//>` : null}</div>` : null}`;
}
