import { useState } from 'preact/hooks';
import { html, Link, Empty, Alert, Button, ask, toast } from '../ui.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { refresh } from '../session.js';
import { disconnect } from '../sse.js';
export const Placeholder = (title) => () => html`<h1>${title}</h1><${Empty} title="This screen is coming soon."><p><${Link} href="/">Back to the start page<//></p><//>`;
// /work and /work/profile for an account without the worker role (the API refuses it those).
export const NotAWorker = ({ title }) => html`<h1>${title}</h1><${Empty} title="This account does not do tasks."><p>Doing tasks needs an account with \u201cdo tasks\u201d ticked when it was created. You can <${Link} href="/post">post a task<//> or <${Link} href="/tasks">see your tasks<//>.</p><//>`;
export const NotFound = () => html`<h1>Page not found</h1><${Empty} title="There is nothing at this address."><p><${Link} href="/">Go to the start page<//> or <${Link} href="/tasks">see your tasks<//>.</p><//>`;
export function Profile({ me }) {
  return html`<h1>Your profile</h1><section class="card"><dl class="facts">
  <dt>Name</dt><dd id="me-name">${me.display_name}</dd>
  <dt>E-mail</dt><dd id="me-email">${me.email}</dd>
  <dt>Roles</dt><dd id="me-roles">${(me.roles || []).join(', ')}</dd>
  ${me.created_at ? html`<dt>Member since</dt><dd>${new Date(me.created_at).toLocaleDateString()}</dd>` : null}
</dl></section><${YourData} />`;
}

// Your data: the export (GET /me/export, saved as a file) and the account's deletion
// (DELETE /me, after a confirmation that says what it does and what it keeps).
function YourData() {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true); setErr(null);
    try {
      const data = await api('GET', '/me/export');
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url; a.download = 'peerwork-my-data.json'; document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      toast('Your data was saved as peerwork-my-data.json.');
    } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  const remove = async () => {
    const ok = await ask({ title: 'Delete your account?', danger: true, confirm: 'Delete my account',
      body: 'Your name, e-mail, password and worker profile are removed and you are signed out everywhere; the messages you sent read \u201c[deleted]\u201d. Tasks and payments stay on record under \u201cDeleted user\u201d, because the other side and the ledger need them. This cannot be undone. Service credits you still hold are given up.' });
    if (!ok) return;
    setBusy(true); setErr(null);
    try {
      disconnect();
      await api('DELETE', '/me');
      await refresh();
      toast('Your account was deleted.');
      navigate('/');
    } catch (e) { setErr(e); setBusy(false); }
  };
  return html`<section class="card" aria-labelledby="data-h"><h2 id="data-h">Your data</h2>
    <p>Download everything peerwork holds about you as a JSON file: your account, profile, wallet and its entries, your tasks, the messages you sent and your sessions.</p>
    <${Alert}>${err && err.message}<//>
    <div class="actions"><${Button} kind="secondary" disabled=${busy} onClick=${download}>Download my data<//>
    <${Button} kind="danger" disabled=${busy} onClick=${remove}>Delete my account<//></div>
    <p><small>An account can be deleted once no task of yours is open and your wallet is empty (pay out first).</small></p>
  </section>`;
}
