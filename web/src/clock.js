// The server's clock, as the browser estimates it. Deadlines in API answers (an assignment's
// ack_deadline, a task's deadline) are on the server's clock, which may be a moved dev clock or
// simply differ from the browser's: count down with serverNow(), never Date.now().
// GET /me answers `now`; every read of it (session.js refresh, syncClock) updates the offset,
// taken at the middle of the request's round trip.
import { api } from './api.js';

let offset = 0; // server minus browser, ms
export const serverNow = () => Date.now() + offset;
export function noteServerTime(iso, sentAt, receivedAt) {
  const t = Date.parse(iso);
  if (Number.isFinite(t)) offset = t - (sentAt + receivedAt) / 2;
}
// Reads GET /me for a fresh sample (after the server's clock may have moved). Errors are the caller's.
export async function syncClock() {
  const sent = Date.now();
  const me = await api('GET', '/me');
  noteServerTime(me.now, sent, Date.now());
  return serverNow();
}
