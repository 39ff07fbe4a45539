// UPIK service worker: the app shell offline, API answers when the signal
// drops, the complaint queue (Background Sync) and Web Push.
/* global UpikStore, UpikPushKey */
// Classic scripts shared with the page (which imports them as modules for their side effect).
importScripts('/js/outbox.js', '/js/push-key.js');

// A hash of the shell files, written by tests/e2e/stamp_sw.py (a test fails if
// it is stale). Any change to the shell changes this file, which is what makes
// browsers install the new worker and drop the old cache.
const VERSION = '2141582d5355';
const SHELL = `upik-shell-${VERSION}`;
const API = 'upik-api';
const FILES = [
  '/app/',
  '/offline.html',
  '/manifest.webmanifest',
  '/css/app.css',
  '/js/main.js',
  '/js/router.js',
  '/js/session.js',
  '/js/live.js',
  '/js/header.js',
  '/js/outbox-client.js',
  '/js/sw-client.js',
  '/js/i18n.js',
  '/js/api.js',
  '/js/ui.js',
  '/js/outbox.js',
  '/js/push.js',
  '/js/push-key.js',
  '/js/auth.js',
  '/js/citizen.js',
  '/js/detail.js',
  '/js/staff.js',
  '/js/admin.js',
  '/js/public.js',
  '/js/badges.js',
  '/js/unit-name.js',
  '/js/answer-photo.js',
  '/js/people.js',
  '/js/org-edit.js',
  '/js/lazy/char-counter.js',
  '/js/lazy/field-errors.js',
  '/js/lazy/photo-picker.js',
  '/js/lazy/push-status.js',
  '/js/lazy/reporter-panel.js',
  '/js/lazy/reset.js',
  '/js/lazy/shrink-photo.js',
  '/js/similar.js',
  '/js/template-picker.js',
  '/js/templates.js',
  '/js/holidays.js',
  '/i18n/id.json',
  '/i18n/en.json',
  '/icons/icon-192.png',
  '/icons/badge-96.png',
];
const SLOW_MS = 4000;
const API_MAX = 150;
const PIC_TYPES = ['complaint.routed', 'complaint.returned', 'sla.reminder'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(SHELL)
    // 'reload' skips the HTTP cache, so a new version never precaches old bytes.
    .then((c) => c.addAll(FILES.map((f) => new Request(f, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('upik-') && k !== SHELL && k !== API).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const isAppPage = (p) => p === '/' || p === '/app' || p.startsWith('/app/');

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (req.mode === 'navigate') {
    e.respondWith(navigate(req, url));
  } else if (url.pathname.startsWith('/api/')) {
    // The live stream must stay a plain long-lived request, and a CSV export
    // (no-store, up to tens of MB) must never land in the offline cache.
    if (url.pathname.endsWith('/events/stream') || url.pathname.endsWith('.csv')) return;
    e.respondWith(networkFirst(req, e));
  } else {
    e.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
  }
});

// Every /app/... URL is the same shell, so it is served from the cache at
// once, online or not; the router in the page does the rest. Anything else
// (an attachment opened in a tab, say) tries the network, then a cached copy,
// then the offline page.
async function navigate(req, url) {
  const shell = await caches.match('/app/', { cacheName: SHELL });
  if (shell && isAppPage(url.pathname)) return shell;
  try {
    return await fetch(req);
  } catch {
    return (await caches.match(req)) || (await caches.match('/offline.html')) ||
      new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
  }
}

function marked(res, header, value = '1') {
  const headers = new Headers(res.headers);
  headers.set(header, value);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

// Oldest entries go first (keys() keeps insertion order); photos would otherwise pile up.
async function trim(cache) {
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - API_MAX)).map((k) => cache.delete(k)));
}

async function networkFirst(req, e) {
  const cache = await caches.open(API);
  const net = fetch(req).then((res) => {
    if (res.status === 200) e.waitUntil(cache.put(req, res.clone()).then(() => trim(cache)).catch(() => {}));
    return res;
  });
  // On a weak signal a recent answer beats a spinner: after SLOW_MS show the
  // cached copy if there is one, and keep waiting for the network otherwise.
  const slow = new Promise((r) => setTimeout(r, SLOW_MS))
    .then(() => cache.match(req))
    .then((hit) => (hit ? marked(hit, 'X-UPIK-Cache', 'slow') : net));
  try {
    return await Promise.race([net, slow]);
  } catch {
    const hit = await cache.match(req);
    // Why the copy is old, for the page's note: no network at all, or too slow (above).
    if (hit) return marked(hit, 'X-UPIK-Cache', 'offline');
    return new Response(JSON.stringify({ status_code: 503, detail: 'offline', extra: null }), {
      status: 503, headers: { 'Content-Type': 'application/json', 'X-UPIK-Offline': '1' },
    });
  }
}

async function broadcast(msg) {
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  wins.forEach((c) => c.postMessage(msg));
}

const meta = (k) => UpikStore.idb.get('meta', k).catch(() => null);

// --- Offline queue -------------------------------------------------------

async function flushQueue(fromSync) {
  const [csrf, owner] = await Promise.all([meta('csrf'), meta('owner')]);
  if (owner == null) return;
  const r = await UpikStore.flush(csrf, owner);
  if (r.sent.length) await broadcast({ type: 'outbox', sent: r.sent.map((i) => i.complaint.tracking_no) });
  // A rejected sync is retried by the browser later, with back-off.
  if (r.pending && fromSync) throw new Error('queue not empty');
}

self.addEventListener('sync', (e) => {
  if (e.tag === 'upik-outbox') e.waitUntil(flushQueue(true));
});

self.addEventListener('message', (e) => {
  if (e.data?.type === 'flush') e.waitUntil(flushQueue(false).catch(() => {}));
});

// --- Web Push ------------------------------------------------------------

// No cookies: the route needs no login, and a cookie would make it a
// CSRF-checked request the worker cannot satisfy.
// `sig` is the payload's signed `receipt`, echoed back so no one can forge one.
const receipt = (id, event, sig) => fetch('/api/v1/push/receipts', {
  method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ notification_id: id, event, receipt: sig || '' }),
}).catch(() => {});

async function strings() {
  const lang = (await meta('lang')) === 'en' ? 'en' : 'id';
  const res = await caches.match(`/i18n/${lang}.json`);
  return res ? res.json() : {};
}

function actionsFor(type, d) {
  if (PIC_TYPES.includes(type)) return [{ action: 'open', title: d['push.open'] || 'Buka' }, { action: 'answer', title: d['push.answer'] || 'Jawab' }];
  if (type === 'complaint.released') return [{ action: 'open', title: d['push.see_answer'] || 'Lihat jawaban' }];
  return [{ action: 'open', title: d['push.open'] || 'Buka' }];
}

async function onPush(e) {
  let p = null;
  try { p = e.data?.json(); } catch { /* not JSON: fall through to a generic notice */ }
  const d = await strings();
  if (!p || typeof p !== 'object') {
    // userVisibleOnly: every push must show something.
    return self.registration.showNotification('UPIK', { body: d['push.generic'] || '', tag: 'upik', icon: '/icons/icon-192.png' });
  }
  const id = p.notification_id;
  // Delivery is at least once; the notification id is the idempotency key.
  if (id != null && !(await UpikStore.markSeen(id).catch(() => true))) return;
  const received = id != null ? receipt(id, 'received', p.receipt) : null;
  await self.registration.showNotification(p.title || 'UPIK', {
    body: p.body || '',
    tag: `complaint-${p.complaint_id}`,
    renotify: true,
    icon: '/icons/icon-192.png',
    badge: '/icons/badge-96.png',
    timestamp: Date.now(),
    data: { url: p.url || `/app/complaints/${p.complaint_id}`, notification_id: id, receipt: p.receipt, type: p.type },
    actions: actionsFor(p.type, d),
  });
  await Promise.all([received, id != null && receipt(id, 'shown', p.receipt),
    broadcast({ type: 'push', data: { complaint_id: p.complaint_id, type: p.type } })]);
}

self.addEventListener('push', (e) => e.waitUntil(onPush(e)));

// Focus a UPIK window already open and route it in place; open one otherwise.
async function openFromNotification(n, action) {
  const d = n.data || {};
  const path = new URL(d.url || '/app/', location.origin);
  // Only our own pages: a payload must never send someone off-site.
  let url = path.origin === location.origin ? path.pathname + path.search : '/app/';
  if (action === 'answer') url += '#answer';
  const jobs = [d.notification_id != null && receipt(d.notification_id, 'clicked', d.receipt)];
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const win = wins.find((c) => isAppPage(new URL(c.url).pathname));
  if (win) {
    win.postMessage({ type: 'navigate', url });
    jobs.push(win.focus().catch(() => {}));
  } else {
    jobs.push(self.clients.openWindow(url));
  }
  await Promise.all(jobs);
  return url;
}
// Exposed so the browser tests can drive the click path (CDP cannot click a notification).
self.upikNotificationClick = openFromNotification;

self.addEventListener('notificationclick', (e) => {
  e.notification.close();
  e.waitUntil(openFromNotification(e.notification, e.action));
});

async function resubscribe(e) {
  if ((await meta('owner')) == null) return;
  const { public_key: pk } = await (await fetch('/api/v1/push/key')).json();
  const sub = e.newSubscription ||
    await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: UpikPushKey.decode(pk) });
  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': (await meta('csrf')) || '' };
  await fetch('/api/v1/push/subscriptions', { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(sub.toJSON()) });
  if (e.oldSubscription && e.oldSubscription.endpoint !== sub.endpoint) {
    await fetch('/api/v1/push/subscriptions', {
      method: 'DELETE', credentials: 'same-origin', headers, body: JSON.stringify({ endpoint: e.oldSubscription.endpoint }),
    }).catch(() => {});
  }
}

self.addEventListener('pushsubscriptionchange', (e) => e.waitUntil(resubscribe(e)));
