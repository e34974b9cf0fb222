/**
 * The admin API as the console uses it: JSON under /api/v1, the session cookie sent by the browser
 * (httpOnly: this code never sees it) and the session's CSRF token in a header on every change.
 */
let csrfToken = '';

export function setCsrfToken(token) {
  csrfToken = token || '';
}

export class ApiError extends Error {
  constructor(status, body) {
    super(typeof body?.message === 'string' ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = typeof body?.error === 'string' ? body.error : status === 0 ? 'network' : `http_${status}`;
    this.fields = body?.fields;
  }
}

/** Called when a request finds the session gone (expired, signed out elsewhere). */
let onSignedOut = () => {};
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = csrfToken;
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (err.code === 'unauthenticated' && !path.startsWith('/auth/')) onSignedOut();
    throw err;
  }
  return data;
}

/** `?a=1&b=2` from the defined, non-empty entries of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
