// /post: the task form, prefilled from ?title=&category=&skills= (the landing request box), and
// ?worker= (a provider's "Ask … first"): sent as preferred_worker_id unless the client removes it.
import { useEffect, useState } from 'preact/hooks';
import { html, Field, Button, Card, Alert, useForm } from '../ui.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { toMinor, money, fee } from '../format.js';
import { useSession } from '../session.js';
import { KEYWORDS } from '../keywords.js';

const CATEGORIES = [...new Set(KEYWORDS.map((k) => k.category))];
const SKILLS = [...new Set(KEYWORDS.flatMap((k) => k.skills))];

function PlacePicker({ place, setPlace, error }) {
  const [items, setItems] = useState([]);
  const [msg, setMsg] = useState(null);
  const search = async (q) => {
    if (q.trim().length < 2) { setItems([]); return; }
    try { setItems((await api('GET', '/places?' + new URLSearchParams({ q, limit: 8 }))).items || []); setMsg(null); } catch (e) { setMsg(e.message); }
  };
  const locate = () => {
    if (!navigator.geolocation) { setMsg('Your browser cannot share its location; search by name instead.'); return; }
    navigator.geolocation.getCurrentPosition(async (p) => {
      try { const r = await api('GET', '/places?' + new URLSearchParams({ lat: p.coords.latitude, lon: p.coords.longitude })); if (r.items && r.items[0]) setPlace(r.items[0]); } catch (e) { setMsg(e.message); }
    }, () => setMsg('Location was not shared; search by name instead.'));
  };
  if (place) return html`<p>Place: <strong>${place.name}${place.country ? ', ' + place.country : ''}</strong> <${Button} kind="ghost" type="button" onClick=${() => setPlace(null)}>Change<//></p>`;
  return html`<div>
    <${Field} label="Place (town or city)" name="place" autocomplete="off" onInput=${(e) => search(e.target.value)} error=${error} />
    ${items.length ? html`<ul class="choices" aria-label="Matching places">${items.map((it) => html`<li><button type="button" class="btn btn-secondary" onClick=${() => setPlace(it)}>${it.name}${it.admin ? ', ' + it.admin : ''}${it.country ? ', ' + it.country : ''}</button></li>`)}</ul>` : null}
    <${Button} kind="secondary" type="button" onClick=${locate}>Use my location<//>
    <${Alert} kind="info">${msg}<//>
  </div>`;
}

// The preferred provider, named from their public profile, with a way to remove the preference.
function Preferred({ id, onRemove }) {
  const [name, setName] = useState(null);
  useEffect(() => { api('GET', `/users/${encodeURIComponent(id)}`).then((p) => setName(p.display_name), () => setName(null)); }, [id]);
  if (!name) return null;
  return html`<div class="alert alert-info preferred" data-testid="preferred-worker">
    <p>${name} will be offered this task first if they are active and fit; otherwise it goes to the best available worker.</p>
    <${Button} kind="ghost" type="button" onClick=${onRemove}>Remove ${name} as preferred<//>
  </div>`;
}

export function Post() {
  const q = new URLSearchParams(location.search);
  const f = useForm();
  const [preferred, setPreferred] = useState(q.get('worker') || null);
  const [remote, setRemote] = useState(true);
  const [place, setPlace] = useState(null);
  const [kind, setKind] = useState('money');
  const [amount, setAmount] = useState('');
  const currency = 'EUR';
  const me = useSession();
  const minor = amount === '' ? 0 : toMinor(amount, currency);
  const cut = me && Number.isInteger(me.fee_bps) && minor > 0 ? fee(minor, me.fee_bps) : null;
  return html`<div class="narrow wide"><${Card}><h1>Post a task</h1>
    <${Alert}>${f.top}<//>
    ${preferred ? html`<${Preferred} id=${preferred} onRemove=${() => setPreferred(null)} />` : null}
    <${Alert}>${f.error && f.error.field === 'preferred_worker_id' ? f.error.message : null}<//>
    <form onSubmit=${f.submit(async (d) => {
      const deadline = d.get('deadline') ? new Date(String(d.get('deadline'))).toISOString() : '';
      const body = {
        title: String(d.get('title')).trim(), description: String(d.get('description')).trim(),
        category: String(d.get('category')).trim(),
        skills: String(d.get('skills')).split(',').map((s) => s.trim()).filter(Boolean),
        location: remote || !place ? null : { lat: place.lat, lon: place.lon },
        compensation: kind === 'money' ? { kind: 'money', amount: toMinor(amount || 0, currency), currency } : { kind: 'goods', description: String(d.get('goods')).trim() },
        deadline, urgent: !!d.get('urgent'),
      };
      if (preferred) body.preferred_worker_id = preferred;
      const t = await api('POST', '/tasks', body, { 'Idempotency-Key': crypto.randomUUID() });
      navigate('/tasks/' + t.id);
    })} novalidate>
      <${Field} label="Title" name="title" required maxlength="200" defaultValue=${q.get('title') || ''} error=${f.error} />
      <div class="field"><label for="f-description">Description</label>
        <textarea id="f-description" name="description" rows="4">${''}</textarea>
        ${f.error && f.error.field === 'description' ? html`<small class="field-error" role="alert">${f.error.message}</small>` : null}</div>
      <${Field} label="Category" name="category" list="categories" defaultValue=${q.get('category') || ''} error=${f.error} />
      <datalist id="categories">${CATEGORIES.map((c) => html`<option value=${c} />`)}</datalist>
      <${Field} label="Skills" name="skills" hint=${'Comma-separated, e.g. ' + SKILLS.slice(0, 3).join(', ')} defaultValue=${q.get('skills') || ''} error=${f.error} />
      <fieldset class="field"><legend>Where</legend>
        <label class="check"><input type="radio" name="where" checked=${remote} onChange=${() => setRemote(true)} /> Remote</label>
        <label class="check"><input type="radio" name="where" checked=${!remote} onChange=${() => setRemote(false)} /> At a place</label>
      </fieldset>
      ${remote ? null : html`<${PlacePicker} place=${place} setPlace=${setPlace} error=${f.error} />`}
      <fieldset class="field"><legend>Compensation</legend>
        <label class="check"><input type="radio" name="kind" checked=${kind === 'money'} onChange=${() => setKind('money')} /> Money</label>
        <label class="check"><input type="radio" name="kind" checked=${kind === 'goods'} onChange=${() => setKind('goods')} /> Goods</label>
      </fieldset>
      ${kind === 'money'
        ? html`<${Field} label="Amount (EUR)" name="compensation" type="number" min="0" step="0.01" inputmode="decimal" value=${amount} onInput=${(e) => setAmount(e.target.value)} hint="Held in escrow from your wallet until you approve." error=${f.error} />
          ${cut !== null ? html`<p class="price" role="status" aria-live="polite">You pay <strong>${money(minor, currency)}</strong>. The worker receives <strong>${money(minor - cut, currency)}</strong> after the platform fee of ${(me.fee_bps / 100).toLocaleString()} % (${money(cut, currency)}).</p>` : null}`
        : html`<${Field} label="What you give" name="goods" error=${f.error} />`}
      <${Field} label="Deadline" name="deadline" type="datetime-local" required error=${f.error} />
      <label class="check field"><input type="checkbox" name="urgent" /> Urgent</label>
      <${Button} type="submit" disabled=${f.busy}>Post task<//>
    </form>
  <//></div>`;
}
