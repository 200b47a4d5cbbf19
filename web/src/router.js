// History-API router. Routes are [pattern, Page] pairs in main.js; ':id' segments become props.
import { useEffect, useState } from 'preact/hooks';
const listeners = new Set();
export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to); else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const fn of listeners) fn();
}
export function match(routes, path) {
  const parts = path.replace(/\/+$/, '').split('/').slice(1);
  for (const [pattern, page] of routes) {
    const ps = pattern.replace(/\/+$/, '').split('/').slice(1);
    if (ps.length !== parts.length) continue;
    const params = {};
    if (ps.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(parts[i])), true) : p === parts[i]))) return { page, params };
  }
  return null;
}
export function useLocation() {
  const [loc, setLoc] = useState(location.pathname + location.search);
  useEffect(() => {
    const fn = () => setLoc(location.pathname + location.search);
    listeners.add(fn); window.addEventListener('popstate', fn);
    return () => { listeners.delete(fn); window.removeEventListener('popstate', fn); };
  }, []);
  return loc;
}
