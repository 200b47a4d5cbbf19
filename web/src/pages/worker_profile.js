// /work/profile — my worker profile: skills, categories, bio, remote, area (a place by name through
// GET /places?q= autocomplete, or the browser's location) and radius. PUT /me/worker; GET prefills.
import { useEffect, useState } from 'preact/hooks';
import { html, Button, Card, Alert, Loading, Field, Link, useForm, toast } from '../ui.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { hasRole } from '../session.js';
import { NotAWorker } from './misc.js';

const list = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);

// Place search: null = unknown, true = available, false = the server has no place search (404/503).
function PlacePicker({ loc, setLoc, error }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState([]);
  const [avail, setAvail] = useState(null);
  const [msg, setMsg] = useState(null);
  // Ask once up front whether the server has place search, so the page can say so before typing.
  useEffect(() => { api('GET', '/places?q=ber').then(() => setAvail(true), (e) => setAvail(e.status === 404 || e.status === 503 ? false : true)); }, []);
  useEffect(() => {
    if (q.trim().length < 2 || avail === false) { setHits([]); return; }
    let live = true;
    const t = setTimeout(async () => {
      try {
        const r = await api('GET', '/places?q=' + encodeURIComponent(q.trim()));
        if (live) { setAvail(true); setHits((r.items || r || []).slice(0, 8)); }
      } catch (e) {
        if (!live) return;
        if (e.status === 404 || e.status === 503) { setAvail(false); setHits([]); } else setMsg(e.message);
      }
    }, 250);
    return () => { live = false; clearTimeout(t); };
  }, [q]);
  const here = () => {
    setMsg(null);
    if (!navigator.geolocation) { setMsg('This browser cannot tell your location.'); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => setLoc({ lat: +p.coords.latitude.toFixed(5), lon: +p.coords.longitude.toFixed(5), name: 'My location' }),
      (e) => setMsg('Your location is not available: ' + e.message));
  };
  const bad = error && (error.field === 'location' || (error.field || '').startsWith('location'));
  return html`<fieldset class="field" aria-describedby=${bad ? 'f-location-err' : undefined}><legend>Area</legend>
    <p data-testid="area-now">${loc ? html`Working around <strong>${loc.name || `${loc.lat}, ${loc.lon}`}</strong> <button type="button" class="btn btn-ghost" onClick=${() => setLoc(null)}>Clear area</button>` : 'No area set.'}</p>
    ${avail === false ? html`<p class="alert alert-info" role="status" data-testid="places-unavailable">Searching places by name is not available yet. Use your location, or work remotely only.</p>` : html`
      <div class="field"><label for="f-place">Find a place</label>
        <input id="f-place" type="search" autocomplete="off" value=${q} onInput=${(e) => setQ(e.target.value)} aria-controls=${hits.length ? 'place-hits' : undefined} />
        <small>Type a town or district, then pick it.</small></div>
      ${hits.length ? html`<ul id="place-hits" class="place-hits" aria-label="Places found">${hits.map((h) => html`<li><button type="button" class="btn btn-secondary" onClick=${() => { setLoc({ lat: h.lat, lon: h.lon, name: h.name || h.display_name }); setHits([]); setQ(''); }}>${h.name || h.display_name}${h.admin ? ', ' + h.admin : ''}${h.country ? ', ' + h.country : ''}</button></li>`)}</ul>` : null}`}
    <p><button type="button" class="btn btn-secondary" onClick=${here}>Use my location</button></p>
    <${Alert}>${msg}<//>
    ${bad ? html`<small class="field-error" id="f-location-err" role="alert">${error.message}</small>` : null}
  </fieldset>`;
}

export function WorkerProfile({ me }) {
  if (!hasRole(me, 'worker')) return html`<${NotAWorker} title="Worker profile" />`;
  return html`<${ProfileForm} />`;
}

function ProfileForm() {
  const f = useForm();
  const [p, setP] = useState(undefined);
  const [loc, setLoc] = useState(null);
  const [remote, setRemote] = useState(true);
  useEffect(() => {
    api('GET', '/me/worker').then((x) => { setP(x); setRemote(!!x.remote); setLoc(x.location ? { ...x.location } : null); },
      (e) => { if (e.status === 404) setP(null); else f.setError(e); });
  }, []);
  if (p === undefined && !f.error) return html`<h1>Worker profile</h1><${Loading} />`;
  const v = p || {};
  return html`<div class="narrow"><${Card}><h1>Worker profile</h1>
    ${p === null ? html`<p class="alert alert-info" role="status">Set up your profile, then go active on the <${Link} href="/work">Work<//> page.</p>` : null}
    <${Alert}>${f.top}<//>
    <form novalidate onSubmit=${f.submit(async (d) => {
      const body = { skills: list(d.get('skills')), categories: list(d.get('categories')), bio: String(d.get('bio') || ''),
        remote, location: loc ? { lat: loc.lat, lon: loc.lon } : null, radius_km: Number(d.get('radius_km') || 0) };
      const r = await api('PUT', '/me/worker', body);
      setP(r); toast('Profile saved.'); navigate('/work');
    })}>
      <${Field} label="Skills" name="skills" required defaultValue=${(v.skills || []).join(', ')} hint="Comma-separated, e.g. plumbing, tiling" error=${f.error} />
      <${Field} label="Categories" name="categories" required defaultValue=${(v.categories || []).join(', ')} hint="Comma-separated, e.g. home_repair" error=${f.error} />
      <div class="field"><label for="f-bio">Bio</label>
        <textarea id="f-bio" name="bio" maxlength="1000" defaultValue=${v.bio || ''} aria-invalid=${f.error && f.error.field === 'bio' ? 'true' : undefined} aria-describedby=${f.error && f.error.field === 'bio' ? 'f-bio-err' : undefined}></textarea>
        ${f.error && f.error.field === 'bio' ? html`<small class="field-error" id="f-bio-err" role="alert">${f.error.message}</small>` : null}</div>
      <div class="field"><label class="check"><input type="checkbox" name="remote" checked=${remote} onChange=${(e) => setRemote(e.target.checked)} /> I work remotely</label>
        ${f.error && f.error.field === 'remote' ? html`<small class="field-error" role="alert">${f.error.message}</small>` : null}</div>
      <${PlacePicker} loc=${loc} setLoc=${setLoc} error=${f.error} />
      <${Field} label="Radius (km)" name="radius_km" type="number" min="0" step="1" inputmode="numeric" defaultValue=${v.radius_km ?? 10} hint="How far from your area you will go" error=${f.error} />
      <${Button} type="submit" disabled=${f.busy}>Save profile<//>
    </form>
  <//></div>`;
}
