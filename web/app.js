// peerwork web interface: sign up, sign in (cookie session + CSRF token), see yourself.
'use strict';

const api = async (method, path, body) => {
  const headers = { 'Accept': 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error(json && json.error ? json.error.message : res.statusText);
    err.status = res.status;
    err.code = json && json.error ? json.error.code : 'error';
    throw err;
  }
  return json;
};

const state = { me: null, csrf: null };
const $ = (sel) => document.querySelector(sel);

function showError(form, err) {
  const p = form.querySelector('.error');
  p.textContent = err ? err.message : '';
  p.hidden = !err;
}

function render() {
  const me = state.me;
  $('#signed-out').hidden = !!me;
  $('#signed-in').hidden = !me;
  $('#nav').textContent = me ? `Signed in as ${me.display_name}` : '';
  if (!me) return;
  $('#me-name').textContent = me.display_name;
  $('#me-email').textContent = me.email;
  $('#me-roles').textContent = me.roles.join(', ');
  $('#me-since').textContent = new Date(me.created_at).toLocaleDateString();
}

async function loadMe() {
  try {
    state.me = await api('GET', '/me');
    state.csrf = state.me.csrf_token;
  } catch (err) {
    state.me = null;
    state.csrf = null;
  }
  render();
}

async function submitting(form, work) {
  const button = form.querySelector('button');
  button.disabled = true;
  showError(form, null);
  try { await work(); } catch (err) { showError(form, err); } finally { button.disabled = false; }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#signup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    submitting(f, async () => {
      const roles = [];
      if (f.client.checked) roles.push('client');
      if (f.worker.checked) roles.push('worker');
      const email = f.email.value.trim();
      await api('POST', '/users', {
        email, password: f.password.value, display_name: f.display_name.value.trim(), roles,
      });
      await api('POST', '/sessions', { email, password: f.password.value });
      f.reset();
      await loadMe();
    });
  });
  $('#signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    submitting(f, async () => {
      await api('POST', '/sessions', { email: f.email.value.trim(), password: f.password.value });
      f.reset();
      await loadMe();
    });
  });
  $('#signout').addEventListener('click', async () => {
    try { await api('DELETE', '/sessions/current'); } finally { await loadMe(); }
  });
  loadMe();
});
