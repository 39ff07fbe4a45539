import { t, lang, loadLang } from './i18n.js';
import { api, csrf, errText } from './api.js';
import { h, $, toast } from './ui.js';
import './outbox.js';

const store = self.UpikStore;
const ME_KEY = 'upik.me';
export const state = { me: null, view: null };

const HOME = { citizen: '/app/complaints', pic: '/app/inbox', admin: '/app/triage' };
const NAV = {
  citizen: [['/app/new', 'nav.new'], ['/app/complaints', 'nav.mine'], ['/app/account', 'nav.account']],
  pic: [['/app/inbox', 'nav.inbox'], ['/app/account', 'nav.account']],
  admin: [['/app/triage', 'nav.triage'], ['/app/review', 'nav.review'], ['/app/dashboard', 'nav.dashboard'],
    ['/app/manage/units', 'nav.manage'], ['/app/account', 'nav.account']],
};

const auth = () => import('./auth.js');
const citizen = () => import('./citizen.js');
const staff = () => import('./staff.js');
const admin = () => import('./admin.js');
const ALL = ['citizen', 'pic', 'admin'];
// [pattern, module, export, roles allowed (null = logged out is fine)]
const ROUTES = [
  [/^\/app\/login$/, auth, 'login', null],
  [/^\/app\/register$/, auth, 'register', null],
  [/^\/app\/account$/, auth, 'account', ALL],
  [/^\/app\/new$/, citizen, 'newComplaint', ['citizen']],
  [/^\/app\/complaints$/, citizen, 'myComplaints', ['citizen']],
  [/^\/app\/complaints\/(\d+)$/, () => import('./detail.js'), 'detail', ALL],
  [/^\/app\/inbox$/, staff, 'inbox', ['pic']],
  [/^\/app\/triage$/, staff, 'triage', ['admin']],
  [/^\/app\/review$/, staff, 'review', ['admin']],
  [/^\/app\/dashboard$/, admin, 'dashboard', ['admin']],
  [/^\/app\/manage\/(units|users|categories)$/, admin, 'manage', ['admin']],
];

export const home = (me) => (me ? HOME[me.role] || '/app/account' : '/app/login');

export function go(path, replace = false) {
  history[replace ? 'replaceState' : 'pushState'](null, '', path);
  render();
}

export function setMe(me) {
  let before = null;
  try { before = JSON.parse(localStorage.getItem(ME_KEY) || 'null'); } catch { /* corrupt: treat as nobody */ }
  // Cached API answers belong to one person; on a shared phone the next one must not see them.
  if (before && before.id !== me?.id) window.caches?.delete('upik-api').catch(() => {});
  state.me = me;
  if (me) localStorage.setItem(ME_KEY, JSON.stringify(me));
  else localStorage.removeItem(ME_KEY);
  // For the service worker, which cannot read cookies or localStorage.
  rememberCsrf();
  store.idb.put('meta', me ? me.id : null, 'owner').catch(() => {});
  drawHeader();
  if (me) startLive(); else stopLive();
}

let seq = 0;
let first = true;
export async function render() {
  const mine = ++seq;
  state.view?.destroy?.();
  state.view = null;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const me = state.me;
  if (path === '/' || path === '/app') return go(home(me) + location.hash, true);
  const route = ROUTES.find(([re]) => re.test(path));
  if (route && route[3] && !me) {
    sessionStorage.setItem('upik.next', location.pathname + location.search + location.hash);
    return go('/app/login', true);
  }
  if (route && !route[3] && me) return go(home(me), true);
  if (route && route[3] && !route[3].includes(me.role)) return go(home(me), true);
  drawNav(path);
  const main = $('#main');
  let view = null;
  try {
    if (!route) throw new Error('404');
    const mod = await route[1]();
    if (mine !== seq) return;
    main.replaceChildren();
    view = await mod[route[2]](main, path.match(route[0]).slice(1), state);
  } catch (e) {
    if (mine !== seq) return;
    if (!e.status) console.error(e);
    main.replaceChildren(h('h1', null, t('err.title')), h('p', { class: 'alert', role: 'alert' },
      e.message === '404' ? t('err.notfound') : errText(e)));
  }
  if (mine !== seq) {
    view?.destroy?.();
    return;
  }
  state.view = view || {};
  document.title = `${$('h1', main)?.textContent || ''} · UPIK`;
  if (pending) {
    const data = pending;
    pending = null;
    refresh(data);
  }
  if (first) {
    first = false;
    // "Interactive": the first screen is drawn (with its data) and its handlers are attached.
    window.__upikReady = performance.now();
    dispatchEvent(new Event('upik:ready'));
    // The worker's precache would only compete with the first screen for a weak link.
    if ('requestIdleCallback' in window) requestIdleCallback(registerWorker); else setTimeout(registerWorker, 500);
  } else if (!main.contains(document.activeElement)) {
    // Tell screen readers the page changed, as a full navigation would (unless
    // the view already put focus somewhere useful, like a deep-linked form).
    $('h1', main)?.setAttribute('tabindex', '-1');
    $('h1', main)?.focus();
  }
}

// Views call this after a change the list/detail on screen should show. A
// change that arrives while a view is still loading is replayed once it is up.
let pending = null;
export function refresh(data = {}) {
  if (state.view) state.view.onEvent?.(data);
  else pending = data;
}

function drawNav(path) {
  const nav = $('#nav');
  const items = state.me ? NAV[state.me.role] || [] : [];
  nav.hidden = !items.length;
  nav.replaceChildren(...items.map(([href, key]) => {
    const active = path === href || (href.startsWith('/app/manage') && path.startsWith('/app/manage'));
    return h('a', { href, 'aria-current': active ? 'page' : null }, t(key));
  }));
}

function drawHeader() {
  const other = lang === 'id' ? 'en' : 'id';
  const btn = $('#lang');
  btn.textContent = other.toUpperCase();
  btn.setAttribute('aria-label', t('lang.switch'));
  btn.lang = other; // read out in the language it names
  $('#install').textContent = t('install.button');
  $('#skip').textContent = t('skip');
  $('#nav').setAttribute('aria-label', t('nav.label'));
  $('#offline').textContent = t('offline.banner');
  $('#update-text').textContent = t('update.ready');
  $('#update-btn').textContent = t('update.reload');
  // Notifications are built by the worker, which cannot read localStorage.
  store.idb.put('meta', lang, 'lang').catch(() => {});
}

// Live updates: the server pushes a small event; the visible view refetches.
let es = null;
let refreshTimer = 0;
function startLive() {
  if (es || !('EventSource' in window)) return;
  es = new EventSource('/api/v1/events/stream');
  es.addEventListener('complaint', (e) => {
    let data = {};
    try { data = JSON.parse(e.data); } catch { return; }
    // A burst of events (e.g. an admin dispatching ten) should cost one refetch.
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh(data), 250);
  });
}
function stopLive() {
  es?.close();
  es = null;
}

// The CSRF cookie may arrive after login (with the first GET), so the copy the
// worker uses is refreshed whenever the page is about to rely on the queue.
let lastCsrf = null;
export function rememberCsrf() {
  const v = csrf();
  if (v && v !== lastCsrf) store.idb.put('meta', (lastCsrf = v), 'csrf').catch(() => {});
}

export async function flushOutbox() {
  if (!state.me) return { sent: [], pending: 0, failed: 0 };
  rememberCsrf();
  const r = await store.flush(csrf(), state.me.id);
  for (const item of r.sent) {
    toast(t('outbox.sent', { no: item.complaint.tracking_no }));
    if (item.photoError) toast(t('photo.refused', { detail: item.photoError }), 'error');
  }
  if (r.sent.length) refresh({});
  if (r.pending) requestSync();
  return r;
}

export async function requestSync() {
  const reg = await navigator.serviceWorker?.getRegistration();
  // Background Sync lets the worker send even after this tab is closed.
  await reg?.sync?.register('upik-outbox').catch(() => {});
}

function online() {
  $('#offline').hidden = navigator.onLine;
  if (navigator.onLine) flushOutbox().catch(() => {});
}

function wire() {
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || e.defaultPrevented ||
        e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    const u = new URL(a.href);
    if (u.origin !== location.origin || !u.pathname.startsWith('/app/')) return;
    e.preventDefault();
    go(u.pathname + u.search + u.hash);
  });
  addEventListener('popstate', render);
  addEventListener('upik:unauthorized', () => {
    if (!state.me) return;
    setMe(null);
    toast(t('err.auth'), 'error');
    go('/app/login');
  });
  addEventListener('online', online);
  addEventListener('offline', online);
  $('#lang').onclick = async () => {
    await loadLang(lang === 'id' ? 'en' : 'id');
    drawHeader();
    render();
  };
  let deferred = null;
  addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    deferred = e;
    $('#install').hidden = false;
  });
  $('#install').onclick = async () => {
    if (!deferred) return;
    deferred.prompt();
    await deferred.userChoice.catch(() => {});
    deferred = null;
    $('#install').hidden = true;
  };
  addEventListener('appinstalled', () => { $('#install').hidden = true; });
  $('#update-btn').onclick = () => location.reload();
}

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  const hadController = !!sw.controller;
  sw.addEventListener('controllerchange', () => {
    // A new version took over; modules already loaded are the old ones.
    if (hadController) $('#update').hidden = false;
    // First install: refetch what is on screen through the worker, so it is
    // in its cache for the next (maybe offline) visit.
    else refresh({});
  });
  sw.addEventListener('message', (e) => {
    const m = e.data || {};
    if (m.type === 'navigate' && m.url) go(m.url);
    else if (m.type === 'outbox' && m.sent) {
      m.sent.forEach((no) => toast(t('outbox.sent', { no })));
      refresh({});
    } else if (m.type === 'push') refresh(m.data || {});
  });
  // addEventListener (unlike onmessage) does not open the message queue by itself.
  sw.startMessages();
  sw.register('/sw.js').catch(() => {});
}

async function boot() {
  wire();
  let cached = null;
  try { cached = JSON.parse(localStorage.getItem(ME_KEY) || 'null'); } catch { /* corrupt: ignore */ }
  const langP = loadLang();
  const meP = api('/me', { quiet401: true }).then(
    (me) => me,
    // Offline or server trouble: trust the last known user so queued and cached pages still work.
    (e) => (e.status === 401 || e.status === 403 ? null : cached),
  );
  await langP.catch(() => {});
  drawHeader();
  online();
  if (cached) {
    // Draw at once for a returning user; the check above corrects us if the session ended.
    setMe(cached);
    render();
    meP.then((me) => {
      if (!me) { setMe(null); go('/app/login'); } else if (me.id !== cached.id || me.role !== cached.role) { setMe(me); render(); } else setMe(me);
    });
  } else {
    // Nobody was logged in here last time, so the login screen needs no answer
    // from the server; a live session cookie (rare without the cached user) takes over when it shows.
    setMe(null);
    render();
    meP.then((me) => {
      if (!me) return;
      setMe(me);
      const next = sessionStorage.getItem('upik.next');
      sessionStorage.removeItem('upik.next');
      go(next && next.startsWith('/app/') ? next : home(me), true);
    });
  }
  meP.then((me) => {
    if (!me) return;
    flushOutbox().catch(() => {});
    if (window.Notification?.permission === 'granted') import('./push.js').then((p) => p.subscribe()).catch(() => {});
  });
}

boot();
