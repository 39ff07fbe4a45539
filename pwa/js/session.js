// Who is logged in on this device, remembered across visits, and the copy of
// it (owner and CSRF token) the service worker needs to send queued complaints.
import './outbox.js';
import { csrf } from './api.js';

const store = self.UpikStore;
const ME_KEY = 'upik.me';
let current = null;
const listeners = [];

export const me = () => current;

// The user of the last visit, so a returning person sees their screen before the server answers.
export function rememberedMe() {
  try {
    return JSON.parse(localStorage.getItem(ME_KEY) || 'null');
  } catch {
    return null; // corrupt: treat as nobody
  }
}

// `fn(me)` runs after every setMe(), in the order registered.
export function onSessionChange(fn) {
  listeners.push(fn);
}

export function setMe(next) {
  const before = rememberedMe();
  // Cached API answers belong to one person; on a shared phone the next one must not see them.
  if (before && before.id !== next?.id) window.caches?.delete('upik-api').catch(() => {});
  current = next;
  if (next) localStorage.setItem(ME_KEY, JSON.stringify(next));
  else localStorage.removeItem(ME_KEY);
  // For the service worker, which cannot read cookies or localStorage.
  rememberCsrf();
  store.idb.put('meta', next ? next.id : null, 'owner').catch(() => {});
  listeners.forEach((fn) => fn(next));
}

// The CSRF cookie may arrive after login (with the first GET), so the copy the
// worker uses is refreshed whenever the page is about to rely on the queue.
let lastCsrf = null;
export function rememberCsrf() {
  const v = csrf();
  if (v && v !== lastCsrf) store.idb.put('meta', (lastCsrf = v), 'csrf').catch(() => {});
}
