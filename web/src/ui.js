// Shared components (Preact + htm). Import { html } from here in every page.
import { h, render } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';
import { navigate } from './router.js';
export const html = htm.bind(h);

export const Link = ({ href, children, ...rest }) => html`<a href=${href} onClick=${(e) => {
  if (e.button || e.metaKey || e.ctrlKey || e.shiftKey) return; e.preventDefault(); navigate(href); }} ...${rest}>${children}</a>`;
export const Button = ({ kind = 'primary', children, ...rest }) => html`<button class="btn btn-${kind}" ...${rest}>${children}</button>`;
export const Card = ({ children, ...rest }) => html`<section class="card" ...${rest}>${children}</section>`;
export const Badge = ({ status }) => html`<span class="badge badge-${status}">${String(status).replace(/_/g, ' ')}</span>`;
export const Empty = ({ title, children }) => html`<div class="empty"><p class="empty-title">${title}</p>${children}</div>`;
export const Loading = ({ label = 'Loading…' }) => html`<p class="loading" role="status">${label}</p>`;
export const Alert = ({ kind = 'error', children }) => children ? html`<p class="alert alert-${kind}" role=${kind === 'error' ? 'alert' : 'status'}>${children}</p>` : null;

// Field: labelled input; shows the API error whose error.field equals its name.
export const Field = ({ label, name, error, hint, ...rest }) => {
  const id = 'f-' + name;
  const bad = error && error.field === name;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${name} aria-invalid=${bad ? 'true' : undefined} aria-describedby=${bad ? id + '-err' : hint ? id + '-hint' : undefined} ...${rest} />
    ${hint && !bad ? html`<small id=${id + '-hint'}>${hint}</small>` : null}
    ${bad ? html`<small class="field-error" id=${id + '-err'} role="alert">${error.message}</small>` : null}
  </div>`;
};

// useForm: run an async submit; errors with a field go next to that field, others at the form's top.
export function useForm() {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = (work) => async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try { await work(new FormData(e.target)); } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const top = error && !error.field ? error.message : null;
  return { error, setError, busy, submit, top };
}

// Toasts: toast(message, kind) from anywhere; <Toasts/> lives in the shell.
let pushToast = () => {};
export const toast = (msg, kind = 'info') => pushToast({ msg, kind, id: Math.random() });
export function Toasts() {
  const [list, setList] = useState([]);
  pushToast = (t) => { setList((l) => [...l, t]); setTimeout(() => setList((l) => l.filter((x) => x !== t)), 5000); };
  return html`<div class="toasts" role="status" aria-live="polite">${list.map((t) => html`<p key=${t.id} class="toast toast-${t.kind}">${t.msg}</p>`)}</div>`;
}

// A confirm dialog (native <dialog>, modal: focus stays inside, Escape cancels). Resolves to
// null when cancelled, else { reason } (reason only when asked for with `reason: 'label'`).
// Use: `const ok = await ask({ title, body: 'what happens', confirm: 'Approve', danger })`.
export function ask({ title, body, confirm = 'Confirm', danger = false, reason = '' }) {
  return new Promise((resolve) => {
    const host = document.createElement('div'); document.body.append(host);
    const done = (v) => { render(null, host); host.remove(); resolve(v); };
    const submit = (e) => {
      e.preventDefault();
      const r = reason ? e.target.elements.reason.value.trim() : '';
      if (reason && !r) { e.target.elements.reason.focus(); return; }
      done({ reason: r });
    };
    render(html`<dialog class="dialog" aria-labelledby="dialog-title" ref=${(d) => d && !d.open && d.showModal()} onCancel=${(e) => { e.preventDefault(); done(null); }}>
      <form onSubmit=${submit}>
        <h2 id="dialog-title">${title}</h2><p>${body}</p>
        ${reason ? html`<div class="field"><label for="dialog-reason">${reason}</label><textarea id="dialog-reason" name="reason" required maxlength="2000"></textarea></div>` : null}
        <div class="actions"><button type="button" class="btn btn-secondary" onClick=${() => done(null)}>Go back</button>
        <button type="submit" class="btn btn-${danger ? 'danger' : 'primary'}">${confirm}</button></div>
      </form></dialog>`, host);
  });
}
