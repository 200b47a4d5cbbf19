// peerwork web app entry: the shell (header, nav, toasts) and the route table.
// Add a page: write web/src/pages/NAME.js exporting a component, add [path, Component] to ROUTES.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
// uPlot's stylesheet (CSS only, ~2 KB): its script stays in the lazy admin chunk (chart.js).
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { html, Link, Toasts, Loading } from './ui.js';
import { match, navigate, useLocation } from './router.js';
import { useSession, signOut, hasRole } from './session.js';
import { api } from './api.js';
import { Landing } from './pages/landing.js';
import { SignIn, SignUp } from './pages/auth.js';
import { Placeholder, NotFound, Profile } from './pages/misc.js';
import { Post } from './pages/post.js';
import { Task, Tasks } from './pages/task.js';
import { Wallet } from './pages/wallet.js';
import { Work } from './pages/work.js';
import { WorkerProfile } from './pages/worker_profile.js';
import { Provider } from './pages/provider.js';

// A page in its own lazily loaded chunk: lazyPage(() => import('./pages/x.js'), 'Export').
// The admin pages use it so they (and the chart library) stay out of the first page's script.
function lazyPage(load, name) {
  let Comp = null;
  return (props) => {
    const [, set] = useState(0);
    useEffect(() => { if (!Comp) load().then((m) => { Comp = m[name]; set(1); }); }, []);
    return Comp ? html`<${Comp} ...${props} />` : html`<${Loading} />`;
  };
}
const admin = () => import('./pages/admin.js');

// [path, Component, {auth: true} | {role: 'admin'}]
export const ROUTES = [
  ['/', Landing], ['/signin', SignIn], ['/signup', SignUp],
  ['/providers/:id', Provider],
  ['/post', Post, { auth: true }],
  ['/tasks', Tasks, { auth: true }],
  ['/tasks/:id', Task, { auth: true }],
  ['/work', Work, { auth: true }],
  ['/work/profile', WorkerProfile, { auth: true }],
  ['/wallet', Wallet, { auth: true }],
  ['/profile', Profile, { auth: true }],
  ['/admin', lazyPage(admin, 'Admin'), { role: 'admin' }],
  ['/admin/tasks', lazyPage(admin, 'AdminTasks'), { role: 'admin' }],
  ['/admin/disputes', lazyPage(admin, 'Disputes'), { role: 'admin' }],
  ['/admin/disputes/:id', lazyPage(admin, 'Dispute'), { role: 'admin' }],
];

function Nav({ me }) {
  const items = me ? [
    hasRole(me, 'client') && ['/post', 'Post a task'], ['/tasks', 'My tasks'],
    hasRole(me, 'worker') && ['/work', 'Work'], ['/wallet', 'Wallet'],
    hasRole(me, 'admin') && ['/admin', 'Admin'], ['/profile', me.display_name],
  ].filter(Boolean) : [['/signin', 'Sign in'], ['/signup', 'Sign up']];
  const path = location.pathname;
  return html`<nav aria-label="Main"><ul>
    ${items.map(([href, label]) => html`<li><${Link} href=${href} aria-current=${path === href ? 'page' : undefined}>${label}<//></li>`)}
    ${me ? html`<li><button class="btn btn-ghost" onClick=${async () => { try { await signOut(); } finally { navigate('/'); } }}>Sign out</button></li>` : null}
  </ul></nav>`;
}

function App() {
  const loc = useLocation();
  const me = useSession();
  const path = loc.split('?')[0];
  const m = match(ROUTES.map((r) => [r[0], r]), path);
  const opts = (m && m.page[2]) || {};
  const needs = opts.auth || opts.role;
  useEffect(() => {
    if (me === null && needs) navigate('/signin?' + new URLSearchParams({ next: loc }), { replace: true });
  }, [me, loc]);
  // A new page (not the first): focus goes to <main>, so a keyboard or screen-reader user starts at
  // the new page's content instead of on whatever element the old page removed (the body).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    const main = document.getElementById('main');
    if (main && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }, [path]);
  useEffect(() => { const h = document.querySelector('main h1'); document.title = (h ? h.textContent + ' · ' : '') + 'peerwork'; });
  let body;
  if (!m) body = html`<${NotFound} />`;
  else if (needs && me === undefined) body = html`<${Loading} />`;
  else if (needs && !me) body = html`<${Loading} label="Redirecting to sign in…" />`;
  else if (opts.role && !hasRole(me, opts.role)) body = html`<${NotFound} />`;
  else { const Page = m.page[1]; body = html`<${Page} ...${m.params} me=${me} />`; }
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="top"><div class="top-inner">
      <${Link} class="brand" href="/">peer<span>work</span><//>
      ${me !== undefined ? html`<${Nav} me=${me} />` : null}
    </div></header>
    <main id="main" tabindex="-1">${body}</main>
    <${Toasts} />`;
}

render(html`<${App} />`, document.getElementById('app'));
