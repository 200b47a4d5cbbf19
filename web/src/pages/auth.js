import { html, Field, Button, Card, Alert, useForm, Link, toast } from '../ui.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { refresh } from '../session.js';

// ?next=/post?title=… is kept through sign in/up.
const next = () => { const n = new URLSearchParams(location.search).get('next'); return n && n.startsWith('/') && !n.startsWith('//') ? n : '/tasks'; };
const keep = () => location.search;

export function SignIn() {
  const f = useForm();
  return html`<div class="narrow"><${Card}><h1>Sign in</h1>
    <${Alert}>${f.top}<//>
    <form onSubmit=${f.submit(async (d) => {
      await api('POST', '/sessions', { email: String(d.get('email')).trim(), password: d.get('password') });
      await refresh(); navigate(next(), { replace: true });
    })} novalidate>
      <${Field} label="E-mail" name="email" type="email" autocomplete="email" required error=${f.error} />
      <${Field} label="Password" name="password" type="password" autocomplete="current-password" required error=${f.error} />
      <${Button} type="submit" disabled=${f.busy}>Sign in<//>
    </form>
    <p>New here? <${Link} href=${'/signup' + keep()}>Create an account<//></p>
  <//></div>`;
}

export function SignUp() {
  const f = useForm();
  return html`<div class="narrow"><${Card}><h1>Create an account</h1>
    <${Alert}>${f.top}<//>
    <form onSubmit=${f.submit(async (d) => {
      const roles = ['client', 'worker'].filter((r) => d.get(r));
      const email = String(d.get('email')).trim();
      await api('POST', '/users', { email, password: d.get('password'), display_name: String(d.get('display_name')).trim(), roles });
      await api('POST', '/sessions', { email, password: d.get('password') });
      await refresh(); toast('Welcome to peerwork.'); navigate(next(), { replace: true });
    })} novalidate>
      <${Field} label="Name" name="display_name" autocomplete="name" required maxlength="80" error=${f.error} />
      <${Field} label="E-mail" name="email" type="email" autocomplete="email" required error=${f.error} />
      <${Field} label="Password" name="password" type="password" autocomplete="new-password" required minlength="12" maxlength="128" hint="12 to 128 characters" error=${f.error} />
      <fieldset class="field"><legend>I want to</legend>
        <label class="check"><input type="checkbox" name="client" checked /> post tasks</label>
        <label class="check"><input type="checkbox" name="worker" /> do tasks</label>
        ${f.error && f.error.field === 'roles' ? html`<small class="field-error" role="alert">${f.error.message}</small>` : null}
      </fieldset>
      <${Button} type="submit" disabled=${f.busy}>Create account<//>
    </form>
    <p>Already have an account? <${Link} href=${'/signin' + keep()}>Sign in<//></p>
  <//></div>`;
}
