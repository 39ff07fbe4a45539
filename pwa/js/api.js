import { t, tOr } from './i18n.js';

export class ApiError extends Error {
  constructor(status, detail, extra, retryAfter) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
    Object.assign(this, { status, detail, extra, retryAfter });
  }
}

export function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)upik_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

const UNSAFE = /^(POST|PUT|PATCH|DELETE)$/;

// Same-origin fetch with the session cookie; every failure becomes an ApiError
// (status 0 = no network) so views have one thing to catch.
export async function api(path, { method = 'GET', body, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (UNSAFE.test(method)) {
    // The server sets the CSRF cookie on any GET; make sure we have had one.
    if (!csrf()) await fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => {});
    headers['X-CSRF-Token'] = csrf();
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network');
  }
  // The service worker answers 503 + this header when it has neither network nor cache.
  if (res.headers.get('X-UPIK-Offline')) throw new ApiError(0, 'network');
  if (res.headers.get('X-UPIK-Cache')) dispatchEvent(new Event('upik:stale'));
  if (res.status === 204) return null;
  const data = (res.headers.get('Content-Type') || '').includes('json')
    ? await res.json().catch(() => null)
    : null;
  if (!res.ok) {
    if (res.status === 401 && !quiet401) dispatchEvent(new Event('upik:unauthorized'));
    throw new ApiError(res.status, data?.detail, data?.extra, res.headers.get('Retry-After'));
  }
  return data;
}

// The last answer the service worker kept for this GET, without touching the network.
export async function cachedGet(path) {
  try {
    const r = await caches.match(`/api/v1${path}`, { cacheName: 'upik-api' });
    return r ? await r.json() : null;
  } catch {
    return null; // no Cache API (private mode, old browser): just wait for the network
  }
}

// Lists may come as {items: [...]} (contract) or a bare array (older routes).
export const items = (r) => (Array.isArray(r) ? r : r?.items || []);

export function errText(e) {
  if (!(e instanceof ApiError)) return t('err.generic');
  const known = { 0: 'err.network', 401: 'err.auth', 403: 'err.forbidden', 404: 'err.notfound', 413: 'err.toobig', 429: 'err.rate' };
  if (known[e.status]) return t(known[e.status]);
  if (e.status >= 500) return t('err.server');
  // The server's `detail` is English for logs; people read the rule in plain words.
  const first = e.extra?.[0];
  const key = tOr(`fe.rule.${first?.rule}`, null) == null ? 'fe.rule.invalid' : `fe.rule.${first.rule}`;
  return e.status === 400 || e.status === 409 ? t(key, { n: first?.limit ?? '' }) : t('err.generic');
}

// Units change rarely; one fetch per session is enough (admin.js resets it after a create).
let unitsP = null;
export const units = (reset = false) => {
  if (reset || !unitsP) unitsP = api('/units').then(items, (e) => { unitsP = null; throw e; });
  return unitsP;
};
