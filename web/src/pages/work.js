// /work — the worker console: the go active / go inactive switch, the current assignment (live via
// SSE assignment/task events, with the acknowledgement countdown), accept / release / submit, my
// work history and my reliability figures.
import { useEffect, useState } from 'preact/hooks';
import { html, Badge, Button, Card, Alert, Loading, Empty, Link, toast, ask } from '../ui.js';
import { api } from '../api.js';
import { subscribe } from '../sse.js';
import { money, dateTime, relative } from '../format.js';
import { serverNow, syncClock } from '../clock.js';
import { hasRole } from '../session.js';
import { NotAWorker } from './misc.js';

const comp = (c) => !c ? '' : c.kind === 'goods' ? c.description : money(c.amount, c.currency || 'TIME');
const CURRENT = ['assigned', 'in_progress'];
const pct = (r) => r === null || r === undefined ? '—' : Math.round(r * 100) + ' %';

// Seconds left until iso on the server's clock (clock.js: the deadline is the server's, which may be
// a moved dev clock), ticking once a second. The clock is sampled again (GET /me) when a deadline
// arrives; until that answers, nothing is shown rather than a figure on the wrong clock.
function useCountdown(iso) {
  const [now, setNow] = useState(null);
  useEffect(() => {
    if (!iso) return;
    let live = true;
    setNow(null);
    syncClock().catch(() => null).then(() => { if (live) setNow(serverNow()); });
    const t = setInterval(() => setNow((n) => (n === null ? n : serverNow())), 1000);
    return () => { live = false; clearInterval(t); };
  }, [iso]);
  return iso && now !== null ? Math.max(0, Math.floor((new Date(iso).getTime() - now) / 1000)) : null;
}
const mmss = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;

function Switch({ prof, onChange }) {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const active = !!(prof && prof.active);
  const flip = async () => {
    setBusy(true); setErr(null);
    try { const r = await api('POST', '/me/availability', { active: !active }); onChange(r); toast(r.active ? 'You are active: tasks can be assigned to you.' : 'You are inactive.'); } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  return html`<${Card} class="card work-switch" aria-labelledby="avail-h">
    <h2 id="avail-h">Availability</h2>
    <p class="work-state" data-testid="availability" role="status">${active
      ? html`<strong>Active</strong>${prof.active_since ? html` since <time datetime=${prof.active_since}>${dateTime(prof.active_since)}</time>` : null}. Tasks that fit you are assigned to you.`
      : html`<strong>Inactive</strong>. No tasks are assigned to you.`}</p>
    <button class=${'btn work-toggle ' + (active ? 'btn-secondary' : 'btn-primary')} role="switch" aria-checked=${active ? 'true' : 'false'} disabled=${busy || !prof} onClick=${flip}>${active ? 'Go inactive' : 'Go active'}</button>
    <${Alert}>${err ? (err.code === 'profile_required' ? html`Set up your <${Link} href="/work/profile">worker profile<//> first.` : err.message) : null}<//>
  <//>`;
}

function Current({ task, onDone }) {
  const left = useCountdown(task.status === 'assigned' && task.assignment ? task.assignment.ack_deadline : null);
  const [note, setNote] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const amount = comp(task.compensation);
  // The exact place, named by the nearest town of the gazetteer (GET /places?lat&lon).
  const [near, setNear] = useState(null);
  const loc = task.location;
  useEffect(() => {
    setNear(null);
    if (loc) api('GET', `/places?lat=${loc.lat}&lon=${loc.lon}&limit=1`).then((r) => setNear((r.items || [])[0] || null), () => setNear(null));
  }, [loc && loc.lat, loc && loc.lon]);
  const run = async (verb, body) => {
    setBusy(true); setErr(null);
    try { await api('POST', `/tasks/${task.id}/${verb}`, body); toast(verb === 'ack' ? 'Accepted. Get going!' : verb === 'release' ? 'Released: it goes back to dispatch.' : 'Submitted for review.'); onDone(); } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  const release = async () => {
    const ok = await ask({ title: 'Release this task?', body: `It goes back to dispatch and another worker gets it. A release counts against your reliability (your release count goes up by one). You will not be paid the ${amount}.`, confirm: 'Release task', danger: true });
    if (ok) run('release');
  };
  const coords = task.location ? `${task.location.lat.toFixed(5)}, ${task.location.lon.toFixed(5)}` : null;
  const place = !coords ? 'Remote — no place to go' : near ? `near ${near.name}, ${near.country} (${coords})` : coords;
  return html`<${Card} class="card work-current" aria-labelledby="cur-h" data-testid="current-assignment">
    <h2 id="cur-h">Your assignment: ${task.title}</h2>
    <p><span data-testid="current-status"><${Badge} status=${task.status} /></span></p>
    ${task.status === 'assigned' && left !== null ? html`<p class="countdown" data-testid="countdown" role="timer" aria-live="off">
      ${left > 0 ? html`Accept within <strong>${mmss(left)}</strong> (by ${dateTime(task.assignment.ack_deadline)})` : html`<strong>The time to accept is up.</strong>`}</p>` : null}
    <p>${task.description}</p>
    <dl class="facts">
      <dt>Pay</dt><dd data-testid="current-pay">${amount}</dd>
      <dt>Place</dt><dd>${place}</dd>
      <dt>Deadline</dt><dd>${task.deadline ? `${dateTime(task.deadline)} (${relative(task.deadline)})` : '—'}</dd>
    </dl>
    <${Alert}>${err && err.message}<//>
    <div class="actions">
      ${task.status === 'assigned' ? html`<${Button} disabled=${busy} onClick=${() => run('ack')}>Accept<//>` : null}
      <${Button} kind="danger" disabled=${busy} onClick=${release}>Release<//>
      <${Link} class="btn btn-ghost" href=${'/tasks/' + task.id}>Messages and details<//>
    </div>
    ${task.status === 'in_progress' ? html`<form class="work-submit" onSubmit=${(e) => { e.preventDefault(); run('submit', { note }); }}>
      <div class="field"><label for="f-note">Note for the client</label>
        <textarea id="f-note" name="note" maxlength="2000" value=${note} onInput=${(e) => setNote(e.target.value)} aria-invalid=${err && err.field === 'note' ? 'true' : undefined}></textarea>
        ${err && err.field === 'note' ? html`<small class="field-error" role="alert">${err.message}</small>` : html`<small>What you did, anything the client should know.</small>`}</div>
      <${Button} type="submit" disabled=${busy}>Submit work<//>
    </form>` : null}
  <//>`;
}

export function Work({ me }) {
  if (!hasRole(me, 'worker')) return html`<${NotAWorker} title="Work" />`;
  return html`<${Console} me=${me} />`;
}

function Console({ me }) {
  const [prof, setProf] = useState(undefined); // undefined loading, null none
  const [list, setList] = useState(null);
  const [cur, setCur] = useState(null);
  const [rep, setRep] = useState(null);
  const [err, setErr] = useState(null);
  const loadProf = () => api('GET', '/me/worker').then(setProf, (e) => { if (e.status === 404) setProf(null); else setErr(e.message); });
  const loadTasks = async () => {
    try {
      const r = await api('GET', '/tasks?role=worker&limit=100');
      const items = r.items || r;
      setList(items);
      const c = items.find((t) => CURRENT.includes(t.status));
      setCur(c ? await api('GET', `/tasks/${c.id}`) : null);
    } catch (e) { setErr(e.message); }
  };
  const loadRep = () => api('GET', `/users/${me.id}/reputation`).then(setRep, () => setRep(null));
  const all = () => { loadProf(); loadTasks(); loadRep(); };
  useEffect(() => {
    all();
    const u1 = subscribe('assignment', () => loadTasks());
    const u2 = subscribe('task', () => { loadTasks(); loadProf(); loadRep(); });
    return () => { u1(); u2(); };
  }, []);
  const past = (list || []).filter((t) => !cur || t.id !== cur.id);
  const r = rep && rep.reliability;
  return html`<h1>Work</h1>
    <${Alert}>${err}<//>
    ${prof === null ? html`<${Empty} title="Set up your profile, then go active."><p>Tell us your skills and where you work: <${Link} href="/work/profile">set up your worker profile<//>.</p><//>` : null}
    <div class="work-grid">
      ${prof === undefined ? html`<${Loading} />` : html`<${Switch} prof=${prof} onChange=${(a) => setProf({ ...(prof || {}), active: a.active, active_since: a.since })} />`}
      ${cur ? html`<${Current} key=${cur.id + cur.status} task=${cur} onDone=${() => { loadTasks(); loadRep(); }} />`
        : html`<${Card} aria-labelledby="cur-h"><h2 id="cur-h">Current assignment</h2><p data-testid="no-assignment">${prof && prof.active ? 'Nothing yet. Stay on this page: a task appears here the moment it is assigned to you.' : 'Go active to receive tasks.'}</p><//>`}
    </div>
    <div class="steps">
      <${Card} aria-labelledby="rel-h"><h2 id="rel-h">My reliability</h2>
        ${r ? html`<dl class="facts" data-testid="reliability">
          <dt>Completion rate</dt><dd>${pct(r.completion_rate)}</dd>
          <dt>On time</dt><dd>${pct(r.on_time_rate)}</dd>
          <dt>Releases</dt><dd>${r.release_count}</dd>
          <dt>Missed acknowledgements</dt><dd>${r.missed_acks}</dd>
          ${rep.rating_count ? html`<dt>Rating</dt><dd>${rep.score} (${rep.rating_count})</dd>` : null}
        </dl>` : html`<${Loading} />`}<//>
      <${Card} aria-labelledby="prof-h"><h2 id="prof-h">My profile</h2>
        ${prof ? html`<p>${(prof.skills || []).join(', ') || 'No skills yet.'} · ${prof.remote ? 'remote' : ''}${prof.remote && prof.location ? ' and ' : ''}${prof.location ? `within ${prof.radius_km} km` : ''}</p>` : html`<p>No profile yet.</p>`}
        <p><${Link} href="/work/profile">Edit worker profile<//></p><//>
    </div>
    <${Card} class="card work-history" aria-labelledby="hist-h"><h2 id="hist-h">My work history</h2>
      ${list === null ? html`<${Loading} />` : past.length ? html`<ul class="tasklist" data-testid="history">${past.map((t) => html`<li key=${t.id}><${Link} href=${'/tasks/' + t.id}>${t.title}<//> <${Badge} status=${t.status} /> <small>${comp(t.compensation)}</small></li>`)}</ul>`
        : html`<p>No past work yet. Tasks you were assigned show here.</p>`}<//>`;
}
