// One EventSource per signed-in page. subscribe(kind, fn) → unsubscribe function.
// Kinds: task, assignment, message, wallet. EventSource reconnects and sends Last-Event-ID itself.
// disconnect() on sign-out (session.js signOut, before the session is deleted): the stream of a
// signed-out page is closed here, not left to reconnect; the server ends it as well.
const subs = new Map();
let source = null;
export function connect() {
  if (source) return;
  const es = new EventSource('/api/v1/events', { withCredentials: true });
  source = es;
  // A refused reconnect (401 once the session has ended) closes it for good: forget it, so the
  // next sign-in connects again.
  es.addEventListener('error', () => { if (es.readyState === EventSource.CLOSED && source === es) source = null; });
  for (const kind of ['task', 'assignment', 'message', 'wallet']) {
    es.addEventListener(kind, (ev) => {
      let data = null;
      try { data = JSON.parse(ev.data); } catch { return; }
      for (const fn of subs.get(kind) || []) fn(data);
    });
  }
}
export function disconnect() { if (source) { source.close(); source = null; } }
export const connected = () => !!source && source.readyState !== EventSource.CLOSED;
export function subscribe(kind, fn) {
  if (!subs.has(kind)) subs.set(kind, new Set());
  subs.get(kind).add(fn);
  return () => subs.get(kind).delete(fn);
}
