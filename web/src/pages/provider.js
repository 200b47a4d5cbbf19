// /providers/:id: a provider's public page (GET /users/{id} and /users/{id}/reputation, both public):
// name, coarse area, skills, categories, bio, reliability, reviews, active now, and "Ask … first".
// ?q= carries the landing request, so "Ask … first" prefills the task form as the card does.
import { useEffect, useState } from 'preact/hooks';
import { html, Link, Loading, Alert, Empty } from '../ui.js';
import { api } from '../api.js';
import { useSession } from '../session.js';
import { requestHref, percent } from './landing.js';

const list = (xs) => (xs && xs.length ? xs.join(', ') : 'none listed');

export function Provider({ id }) {
  const me = useSession();
  const [p, setP] = useState(null);
  const [rep, setRep] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => {
    setP(null); setRep(null); setErr(null);
    api('GET', `/users/${encodeURIComponent(id)}`).then(setP, setErr);
    api('GET', `/users/${encodeURIComponent(id)}/reputation`).then(setRep, () => setRep(null));
  }, [id]);
  if (err && err.status === 404) {
    return html`<h1>Provider not found</h1><${Empty} title="There is no provider with this address."><p><${Link} href="/">Search for providers on the start page<//>.</p><//>`;
  }
  if (err) return html`<h1>Provider</h1><${Alert}>${err.message}<//>`;
  if (!p) return html`<${Loading} />`;
  const r = rep || p.reputation || {};
  const rel = r.reliability || {};
  const count = r.rating_count || 0;
  const text = new URLSearchParams(location.search).get('q') || '';
  const worker = (p.roles || []).includes('worker');
  const area = p.area ? `Around ${p.area.lat.toFixed(2)}, ${p.area.lon.toFixed(2)} (±${p.area.precision_km} km)` : 'No base location';
  return html`<div class="narrow wide provider-page">
    <h1>${p.display_name}</h1>
    ${p.active !== undefined ? html`<p><span class=${p.active ? 'badge badge-active' : 'badge badge-inactive'} data-testid="provider-active">${p.active ? 'active now' : 'not active now'}</span></p>` : null}
    ${p.bio ? html`<p class="lead">${p.bio}</p>` : null}
    <section class="card" aria-labelledby="provider-about"><h2 id="provider-about">About</h2><dl class="facts">
      <dt>Area</dt><dd data-testid="provider-area">${area}</dd>
      <dt>Works</dt><dd>${p.remote ? 'remotely and locally' : 'locally'}</dd>
      <dt>Skills</dt><dd data-testid="provider-skills">${list(p.skills)}</dd>
      <dt>Categories</dt><dd data-testid="provider-categories">${list(p.categories)}</dd>
      <dt>Verified</dt><dd>${r.verification_level === 'email' ? 'e-mail address' : 'nothing yet'}</dd>
    </dl></section>
    <section class="card" aria-labelledby="provider-reliability"><h2 id="provider-reliability">Reliability</h2><dl class="facts" data-testid="provider-reliability">
      <dt>Completed</dt><dd>${percent(rel.completion_rate) || 'not rated yet'}</dd>
      <dt>On time</dt><dd>${percent(rel.on_time_rate) || 'not rated yet'}</dd>
      <dt>Released tasks</dt><dd>${rel.release_count ?? 0}</dd>
      <dt>Missed acceptances</dt><dd>${rel.missed_acks ?? 0}</dd>
    </dl></section>
    <section class="card" aria-labelledby="provider-reviews"><h2 id="provider-reviews">Reviews</h2>
      ${count ? html`<p>Rated ${r.score} from ${count} ${count === 1 ? 'review' : 'reviews'}.</p>` : html`<p>No reviews yet.</p>`}
    </section>
    ${worker ? html`<p class="actions"><${Link} class="btn btn-primary" href=${requestHref(text, me, p.id)}>Ask ${p.display_name} first<//></p>` : null}
  </div>`;
}
