import { useEffect, useRef, useState } from 'preact/hooks';
import { html, Button, Card, Link } from '../ui.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { guess } from '../keywords.js';
import { api } from '../api.js';

// How long the request box waits after the last key before it asks GET /search.
const DEBOUNCE_MS = 250;

// The task form for a request, prefilled as "Continue" does (title, guessed category and skills),
// with ?worker= when the client asks one provider first; through sign-up when signed out.
export function requestHref(value, me, workerId) {
  const text = String(value || '').trim();
  const q = new URLSearchParams();
  if (text) {
    const g = guess(text);
    q.set('title', text);
    if (g.category) q.set('category', g.category);
    if (g.skills.length) q.set('skills', g.skills.join(','));
  }
  if (workerId !== undefined && workerId !== null) q.set('worker', String(workerId));
  const post = '/post' + (String(q) ? '?' + q : '');
  return me ? post : '/signup?' + new URLSearchParams({ next: post });
}

export const percent = (x) => (x === null || x === undefined ? null : `${Math.round(x * 100)}%`);

// One provider: name, area, reliability, active now, rating, and the why in words.
function ProviderCard({ item, text, me }) {
  const w = item.worker;
  const page = `/providers/${w.id}` + (text.trim() ? '?' + new URLSearchParams({ q: text.trim() }) : '');
  const rel = w.reputation?.reliability || {};
  const rating = w.reputation?.score;
  const count = w.reputation?.rating_count || 0;
  const area = w.area ? `Area around ${w.area.lat.toFixed(2)}, ${w.area.lon.toFixed(2)} (±${w.area.precision_km} km)` : 'Works remotely';
  return html`<li class="provider-card card">
    <h3 class="provider-name"><${Link} href=${page}>${w.display_name}<//></h3>
    <p class="provider-facts">
      <span class=${item.why.active ? 'badge badge-active' : 'badge badge-inactive'}>${item.why.active ? 'active now' : 'not active now'}</span>
      ${' '}<span>${w.remote ? 'remote' : 'local'}</span>
      ${' · '}<span>${area}</span>
      ${item.why.distance_km !== null ? html` · <span>about ${item.why.distance_km} km away</span>` : null}
    </p>
    <p class="provider-facts">
      <span>${rating === null || rating === undefined ? 'No ratings yet' : `Rated ${rating} (${count})`}</span>
      ${' · '}<span>completion ${percent(rel.completion_rate) || 'not rated yet'}, on time ${percent(rel.on_time_rate) || 'not rated yet'}</span>
    </p>
    <p class="provider-skills">${(w.skills || []).join(', ')}</p>
    <p class="provider-why">${item.why.text}</p>
    <p class="provider-actions"><${Link} class="btn btn-secondary" href=${requestHref(text, me, w.id)}>Ask ${w.display_name} first<//></p>
  </li>`;
}

// Providers for what is typed, asked for as one types (debounced), best first.
function Providers({ text, me }) {
  const [state, setState] = useState({ items: [], status: '' });
  const seq = useRef(0);
  useEffect(() => {
    const q = text.trim();
    if (q.length < 3) { setState({ items: [], status: '' }); return undefined; }
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const r = await api('GET', '/search?' + new URLSearchParams({ q, typing: 'true', limit: '6' }));
        if (mine !== seq.current) return; // a newer request is on its way
        const n = r.items.length;
        setState({ items: r.items, status: n ? `${n} provider${n === 1 ? '' : 's'} for this request, best first` : 'No provider matches this yet: post it and it is dispatched as soon as one fits.' });
      } catch (e) {
        if (mine === seq.current) setState({ items: [], status: '' }); // a request the search refuses: no cards
      }
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  return html`<div class="providers">
    <p class="providers-status" role="status" aria-live="polite">${state.status}</p>
    ${state.items.length ? html`<ul class="provider-list" aria-label="Providers for your request">
      ${state.items.map((item) => html`<${ProviderCard} key=${item.worker.id} item=${item} text=${text} me=${me} />`)}
    </ul>` : null}
  </div>`;
}

export function Landing() {
  const me = useSession();
  const [text, setText] = useState('');
  const go = (e) => {
    e.preventDefault();
    const value = String(new FormData(e.target).get('need') || '').trim();
    if (!value) return;
    navigate(requestHref(value, me));
  };
  return html`<div class="landing">
    <section class="hero">
      <h1>Get things done by people nearby and online.</h1>
      <p class="lead">peerwork hands each task to the best available worker, who takes it on time — no job board, no bidding.</p>
      <form class="request" onSubmit=${go} role="search">
        <label for="need" class="request-label">What do you need done?</label>
        <div class="request-row">
          <input id="need" name="need" maxlength="200" placeholder="e.g. fix a dripping tap in Amsterdam" required
            onInput=${(e) => setText(e.target.value)} />
          <${Button} type="submit">Continue<//>
        </div>
      </form>
    </section>
    <section id="provider-results" class="provider-results" aria-label="Providers" data-region="provider-results">
      <${Providers} text=${text} me=${me} />
    </section>
    <div class="steps">
      <${Card}><h2>1. Say what you need</h2><p>Money or goods, remote or at a place.</p><//>
      <${Card}><h2>2. Someone is assigned</h2><p>The best-fitting worker gets it and must accept in time.</p><//>
      <${Card}><h2>3. Approve and pay</h2><p>Escrow is released only when you approve.</p><//>
    </div>
  </div>`;
}
