// /tasks/:id (live: refetch on SSE task/message events) and /tasks (my tasks by state).
import { useEffect, useState } from 'preact/hooks';
import { html, Badge, Button, Card, Alert, Loading, Empty, Link, toast, ask } from '../ui.js';
import { api } from '../api.js';
import { subscribe } from '../sse.js';
import { money, dateTime, relative, fee } from '../format.js';

// ", minus the platform fee of €4.50" for a money task, from GET /me's fee_bps (format.js fee: as the ledger rounds).
function feeText(c, me) {
  if (!c || c.kind !== 'money' || !me || !Number.isInteger(me.fee_bps)) return c && c.kind === 'money' ? ', minus the platform fee' : '';
  return `, minus the platform fee of ${money(fee(c.amount, me.fee_bps), c.currency)}`;
}
const comp = (c) => !c ? '' : c.kind === 'goods' ? c.description : money(c.amount, c.currency || 'TIME');

function Messages({ id }) {
  const [list, setList] = useState(null);
  const [err, setErr] = useState(null);
  const load = () => api('GET', `/tasks/${id}/messages`).then((r) => setList(r.items || r), (e) => setErr(e.message));
  useEffect(() => { load(); return subscribe('message', (d) => { if (String(d.task_id) === String(id)) load(); }); }, [id]);
  const send = async (e) => {
    e.preventDefault(); const f = e.target;
    try { await api('POST', `/tasks/${id}/messages`, { body: f.body.value }); f.reset(); load(); } catch (x) { setErr(x.message); }
  };
  return html`<${Card}><h2>Messages</h2><${Alert}>${err}<//>
    ${list === null ? html`<${Loading} />` : list.length ? html`<ul class="messages">${list.map((m) => html`<li key=${m.id}><p>${m.body}</p><small>${m.created_at ? dateTime(m.created_at) : ''}</small></li>`)}</ul>` : html`<p>No messages yet.</p>`}
    <form onSubmit=${send} class="request-row"><label for="msg-body" class="visually-hidden">Message</label><input id="msg-body" name="body" required maxlength="2000" placeholder="Write a message" /><${Button} type="submit">Send<//></form>
  <//>`;
}

export function Task({ id, me }) {
  const [t, setT] = useState(null);
  const [err, setErr] = useState(null);
  const [worker, setWorker] = useState(null);
  const load = () => api('GET', `/tasks/${id}`).then((x) => { setT(x); setErr(null); }, (e) => setErr(e));
  useEffect(() => { load(); return subscribe('task', (d) => { if (String(d.task_id) === String(id)) load(); }); }, [id]);
  const wid = t && t.assignment && t.assignment.worker_id;
  useEffect(() => { if (wid) api('GET', `/users/${wid}`).then(setWorker, () => setWorker(null)); }, [wid]);
  // The provider the client asked first (preferred_worker_id is shown to the client and admins only).
  const pid = t && t.preferred_worker_id;
  const [preferred, setPreferred] = useState(null);
  useEffect(() => { if (pid) api('GET', `/users/${pid}`).then(setPreferred, () => setPreferred(null)); else setPreferred(null); }, [pid]);
  // Why this worker: the dispatcher's explanation of the current assignment (client and admins).
  const [why, setWhy] = useState(null);
  const isClient = me && t && t.client_id === me.id;
  useEffect(() => {
    if (!wid || !isClient) { setWhy(null); return; }
    api('GET', `/tasks/${id}/dispatch`).then((d) => {
      const a = (d.assignments || []).filter((x) => String(x.worker_id) === String(wid)).pop();
      setWhy(a && a.explanation ? a.explanation : null);
    }, () => setWhy(null));
  }, [wid, isClient, t && t.status]);
  if (err) return html`<h1>Task</h1><${Alert}>${err.status === 404 ? 'This task does not exist or is not yours.' : err.message}<//>`;
  if (!t) return html`<${Loading} />`;
  const mine = me && t.client_id === me.id;
  const act = async (verb, opts, extra = {}) => {
    const ok = await ask(opts); if (!ok) return;
    const body = opts.reason ? { ...extra, reason: ok.reason } : (Object.keys(extra).length ? extra : undefined);
    try { await api('POST', `/tasks/${id}/${verb}`, body, { 'Idempotency-Key': crypto.randomUUID() }); toast('Done.'); load(); } catch (e) { toast(e.message, 'error'); }
  };
  const who = worker ? worker.display_name : 'the worker';
  const amount = comp(t.compensation);
  return html`<h1>${t.title}</h1>
    <p><span data-testid="task-status"><${Badge} status=${t.status} /></span> · ${amount} · deadline ${t.deadline ? dateTime(t.deadline) : '—'}</p>
    ${pid && preferred ? html`<p data-testid="asked-first">You asked <${Link} href=${'/providers/' + pid}>${preferred.display_name}<//> first.</p>` : null}
    <div class="steps">
      <${Card}><h2>Timeline</h2><ol class="timeline">${(t.timeline || []).map((e) => html`<li><${Badge} status=${e.status || e.kind} /> <small>${e.at ? relative(e.at) : ''}</small></li>`)}</ol><//>
      <${Card}><h2>Worker</h2>${worker ? html`<p><strong>${worker.display_name}</strong></p>${worker.bio ? html`<p>${worker.bio}</p>` : null}
        ${why ? html`<div class="why" data-testid="why-worker"><h3>Why this worker</h3>${why.why ? html`<p>${why.why}</p>` : null}${Number.isInteger(why.candidates_considered) ? html`<p><small>Chosen from ${why.candidates_considered} available ${why.candidates_considered === 1 ? 'worker' : 'workers'} who fit the task.</small></p>` : null}</div>` : null}` : html`<p>No worker assigned yet. We are finding the best one.</p>`}<//>
    </div>
    ${mine ? html`<div class="actions">
      ${t.status === 'submitted' ? html`<${Button} onClick=${() => act('approve', { title: 'Approve the work?', body: `${amount} is paid to ${who}${feeText(t.compensation, me)}. This cannot be undone.`, confirm: 'Approve and pay' })}>Approve<//>` : null}
      ${['submitted', 'in_progress'].includes(t.status) ? html`<${Button} kind="secondary" onClick=${() => act('dispute', { title: 'Open a dispute?', body: `The escrow (${amount}) stays held until an admin decides where it goes.`, confirm: 'Open dispute', danger: true, reason: 'Why do you dispute this task?' })}>Dispute<//>` : null}
      ${['dispatching', 'assigned'].includes(t.status) ? html`<${Button} kind="danger" onClick=${() => act('cancel', { title: 'Cancel this task?', body: `The escrow (${amount}) is returned to you.`, confirm: 'Cancel task', danger: true })}>Cancel task<//>` : null}
    </div>` : null}
    ${wid ? html`<${Messages} id=${id} />` : null}`;
}

export function Tasks({ me }) {
  const [role, setRole] = useState('client');
  const [state, setState] = useState('');
  const [list, setList] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => { setList(null); api('GET', '/tasks?role=' + role).then((r) => setList(r.items || r), (e) => setErr(e.message)); }, [role]);
  const shown = (list || []).filter((t) => !state || t.status === state);
  return html`<h1>My tasks</h1>
    <div class="request-row">
      ${(me.roles || []).includes('worker') ? html`<div class="field"><label for="f-role">As</label><select id="f-role" value=${role} onChange=${(e) => setRole(e.target.value)}><option value="client">client</option><option value="worker">worker</option></select></div>` : null}
      <div class="field"><label for="f-state">State</label><select id="f-state" value=${state} onChange=${(e) => setState(e.target.value)}>
        ${['', 'dispatching', 'assigned', 'in_progress', 'submitted', 'completed', 'disputed', 'cancelled', 'expired'].map((s) => html`<option value=${s}>${s ? s.replace('_', ' ') : 'all'}</option>`)}</select></div>
    </div>
    <${Alert}>${err}<//>
    ${list === null ? html`<${Loading} />` : shown.length ? html`<ul class="tasklist">${shown.map((t) => html`<li key=${t.id} class="card"><${Link} href=${'/tasks/' + t.id}>${t.title}<//> <${Badge} status=${t.status} /> <small>${comp(t.compensation)}</small></li>`)}</ul>`
      : html`<${Empty} title="No tasks here yet."><p><${Link} href="/post">Post a task<//> and we will find someone for it.</p><//>`}`;
}
