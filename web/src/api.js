// The one API client. Unsafe requests carry X-CSRF-Token (from GET /me's csrf_token).
// Errors throw ApiError{status, code, field, message}; forms show them (see form.js).
let csrf = null;
export const setCsrf = (t) => { csrf = t; };
export class ApiError extends Error {
  constructor(status, code, message, field) { super(message); this.status = status; this.code = code; this.field = field; }
}
export async function api(method, path, body, extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch('/api/v1' + path, { method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) { throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.'); }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = json && json.error;
    throw new ApiError(res.status, e ? e.code : 'error', e ? e.message : `Request failed (${res.status})`, e && e.field);
  }
  return json;
}
