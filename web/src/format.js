// Formatting helpers: money from minor units, TIME minutes, local times, relative times, the fee.
import { serverNow } from './clock.js';
const digits = (currency) => {
  if (currency === 'TIME') return 0;
  try { return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits; } catch { return 2; }
};
export function minutes(m) {
  const h = Math.floor(m / 60), r = m % 60;
  return h ? (r ? `${h} h ${r} min` : `${h} h`) : `${r} min`;
}
export function money(minor, currency) {
  if (currency === 'TIME') return minutes(minor);
  const d = digits(currency);
  try { return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** d); } catch { return `${(minor / 10 ** d).toFixed(d)} ${currency}`; }
}
export function toMinor(major, currency) { return Math.round(Number(major) * 10 ** digits(currency)); }
export function dateTime(iso) { return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }); }
// Relative to the server's clock (clock.js): the times are the server's.
export function relative(iso, now = serverNow()) {
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, n] of [['day', 86400], ['hour', 3600], ['minute', 60]]) if (Math.abs(s) >= n) return rtf.format(Math.round(s / n), unit);
  return rtf.format(s, 'second');
}
// The platform fee on a payment of `amount` minor units at `bps` basis points, rounded exactly as
// the ledger takes it (src/ledger/asset.c bps_of): floor(amount × bps / 10000), computed as
// q × bps + floor(r × bps / 10000) with amount = q × 10000 + r, so no product leaves the integers a
// double holds exactly. Time credits carry no fee; callers pass money amounts only.
export function fee(amount, bps) {
  const q = Math.floor(amount / 10000), r = amount % 10000;
  return q * bps + Math.floor((r * bps) / 10000);
}
