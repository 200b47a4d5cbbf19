import { html, Link, Empty } from '../ui.js';
export const Placeholder = (title) => () => html`<h1>${title}</h1><${Empty} title="This screen is coming soon."><p><${Link} href="/">Back to the start page<//></p><//>`;
// /work and /work/profile for an account without the worker role (the API refuses it those).
export const NotAWorker = ({ title }) => html`<h1>${title}</h1><${Empty} title="This account does not do tasks."><p>Doing tasks needs an account with \u201cdo tasks\u201d ticked when it was created. You can <${Link} href="/post">post a task<//> or <${Link} href="/tasks">see your tasks<//>.</p><//>`;
export const NotFound = () => html`<h1>Page not found</h1><${Empty} title="There is nothing at this address."><p><${Link} href="/">Go to the start page<//> or <${Link} href="/tasks">see your tasks<//>.</p><//>`;
export const Profile = ({ me }) => html`<h1>Your profile</h1><section class="card"><dl class="facts">
  <dt>Name</dt><dd id="me-name">${me.display_name}</dd>
  <dt>E-mail</dt><dd id="me-email">${me.email}</dd>
  <dt>Roles</dt><dd id="me-roles">${(me.roles || []).join(', ')}</dd>
  ${me.created_at ? html`<dt>Member since</dt><dd>${new Date(me.created_at).toLocaleDateString()}</dd>` : null}
</dl></section>`;
