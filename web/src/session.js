// Who is signed in. useSession() re-renders on change; refresh() re-reads GET /me.
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrf } from './api.js';
import { connect, disconnect } from './sse.js';
import { noteServerTime } from './clock.js';
let me = undefined; // undefined: not known yet; null: signed out
const listeners = new Set();
export async function refresh() {
  const sent = Date.now();
  try { me = await api('GET', '/me'); noteServerTime(me.now, sent, Date.now()); setCsrf(me.csrf_token); connect(); } catch { me = null; setCsrf(null); disconnect(); }
  for (const fn of listeners) fn(me);
  return me;
}
// Sign-out: the live stream is closed first, then the session deleted, then GET /me re-read.
export async function signOut() {
  disconnect();
  try { await api('DELETE', '/sessions/current'); } finally { await refresh(); }
}
export const hasRole = (u, role) => !!u && (u.roles || []).includes(role);
export function useSession() {
  const [m, setM] = useState(me);
  useEffect(() => { listeners.add(setM); if (me === undefined) refresh(); return () => listeners.delete(setM); }, []);
  return m;
}
