// One EventSource per signed-in page. subscribe(kind, fn) → unsubscribe function.
// Kinds: task, assignment, message, wallet. EventSource reconnects and sends Last-Event-ID itself.
const subs = new Map();
let source = null;
export function connect() {
  if (source) return;
  source = new EventSource('/api/v1/events', { withCredentials: true });
  for (const kind of ['task', 'assignment', 'message', 'wallet']) {
    source.addEventListener(kind, (ev) => {
      let data = null;
      try { data = JSON.parse(ev.data); } catch { return; }
      for (const fn of subs.get(kind) || []) fn(data);
    });
  }
}
export function disconnect() { if (source) { source.close(); source = null; } }
export function subscribe(kind, fn) {
  if (!subs.has(kind)) subs.set(kind, new Set());
  subs.get(kind).add(fn);
  return () => subs.get(kind).delete(fn);
}
