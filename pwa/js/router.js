// Which screen a URL shows, who may see it, and the context every view gets.
import { t } from './i18n.js';
import { errText } from './api.js';
import { h, $, toast } from './ui.js';
import { me, setMe } from './session.js';

const HOME = { citizen: '/app/complaints', pic: '/app/inbox', admin: '/app/triage' };
const PUBLIC_TAB = ['/app/publik', 'nav.public'];
const NAV = {
  citizen: [['/app/new', 'nav.new'], ['/app/complaints', 'nav.mine'], PUBLIC_TAB, ['/app/account', 'nav.account']],
  pic: [['/app/inbox', 'nav.inbox'], ['/app/templates', 'nav.templates'], PUBLIC_TAB, ['/app/account', 'nav.account']],
  admin: [['/app/triage', 'nav.triage'], ['/app/review', 'nav.review'], ['/app/dashboard', 'nav.dashboard'],
    ['/app/manage/units', 'nav.manage'], PUBLIC_TAB, ['/app/account', 'nav.account']],
};
// The public pages (tracking, answered list, statistics) share one tab.
const PUBLIC_PAGE = /^\/app\/(lacak|publik|statistik)(\/|$)/;

const auth = () => import('./auth.js');
const citizen = () => import('./citizen.js');
const staff = () => import('./staff.js');
const admin = () => import('./admin.js');
const publicPages = () => import('./public.js');
const ALL = ['citizen', 'pic', 'admin'];
const ANYONE = 'anyone';
// [pattern, module, export, roles allowed (null = logged out only, ANYONE = with or without a login)]
const ROUTES = [
  [/^\/app\/login$/, auth, 'login', null],
  [/^\/app\/register$/, auth, 'register', null],
  [/^\/app\/lupa$/, () => import('./lazy/reset.js'), 'forgot', ANYONE],
  [/^\/app\/reset$/, () => import('./lazy/reset.js'), 'reset', ANYONE],
  [/^\/app\/account$/, auth, 'account', ALL],
  [/^\/app\/new$/, citizen, 'newComplaint', ['citizen']],
  [/^\/app\/complaints$/, citizen, 'myComplaints', ['citizen']],
  [/^\/app\/complaints\/(\d+)$/, () => import('./detail.js'), 'detail', ALL],
  [/^\/app\/inbox$/, staff, 'inbox', ['pic']],
  [/^\/app\/triage$/, staff, 'triage', ['admin']],
  [/^\/app\/review$/, staff, 'review', ['admin']],
  [/^\/app\/dashboard$/, admin, 'dashboard', ['admin']],
  [/^\/app\/manage\/(units|users|categories|holidays|templates)$/, admin, 'manage', ['admin']],
  [/^\/app\/templates$/, () => import('./templates.js'), 'templates', ['pic']],
  [/^\/app\/lacak(?:\/([^/]+))?$/, publicPages, 'track', ANYONE],
  [/^\/app\/publik$/, publicPages, 'publicList', ANYONE],
  [/^\/app\/statistik$/, publicPages, 'publicStats', ANYONE],
];
// Old links (the "Rahasia" hint, printed receipts) said /app/track.
const OLD_TRACK = /^\/app\/track(?=\/|$)/;

export const home = (user) => (user ? HOME[user.role] || '/app/account' : '/app/login');

export function go(path, replace = false) {
  history[replace ? 'replaceState' : 'pushState'](null, '', path);
  render();
}

// A view is called as `view(root, urlParams, ctx)` and may return {onEvent, destroy}.
// ctx is all it knows of the app, so views never import the router or the boot.
let ctx = null;
let onFirstScreen = () => {};

// `services` join the view context (e.g. {outbox}); `firstScreen` runs once the
// first screen is interactive.
export function startRouter(services, firstScreen) {
  ctx = { ...services, go, home, refresh, setMe, get me() { return me(); } };
  onFirstScreen = firstScreen;
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
    if (!me()) return;
    setMe(null);
    toast(t('err.auth'), 'error');
    go('/app/login');
  });
}

let shown = null;
let seq = 0;
let first = true;
export async function render() {
  const mine = ++seq;
  shown?.destroy?.();
  shown = null;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const user = me();
  if (path === '/' || path === '/app') return go(home(user) + location.hash, true);
  if (OLD_TRACK.test(path)) return go(path.replace(OLD_TRACK, '/app/lacak') + location.search, true);
  const route = ROUTES.find(([re]) => re.test(path));
  const roles = route?.[3];
  if (route && roles !== ANYONE) {
    if (roles && !user) {
      sessionStorage.setItem('upik.next', location.pathname + location.search + location.hash);
      return go('/app/login', true);
    }
    if (!roles && user) return go(home(user), true);
    if (roles && !roles.includes(user.role)) return go(home(user), true);
  }
  drawNav(path);
  const main = $('#main');
  let view = null;
  try {
    if (!route) throw new Error('404');
    const mod = await route[1]();
    if (mine !== seq) return;
    main.replaceChildren();
    view = await mod[route[2]](main, path.match(route[0]).slice(1), ctx);
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
  shown = view || {};
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
    onFirstScreen();
  } else if (!main.contains(document.activeElement)) {
    // Tell screen readers the page changed, as a full navigation would (unless
    // the view already put focus somewhere useful, like a deep-linked form).
    $('h1', main)?.setAttribute('tabindex', '-1');
    $('h1', main)?.focus();
  }
}

// Called after a change the list/detail on screen should show. A change that
// arrives while a view is still loading is replayed once it is up.
let pending = null;
export function refresh(data = {}) {
  if (shown) shown.onEvent?.(data);
  else pending = data;
}

function drawNav(path) {
  const nav = $('#nav');
  const user = me();
  const items = user ? NAV[user.role] || [] : [];
  nav.hidden = !items.length;
  nav.replaceChildren(...items.map(([href, key]) => {
    const active = path === href || (href.startsWith('/app/manage') && path.startsWith('/app/manage')) ||
      (href === PUBLIC_TAB[0] && PUBLIC_PAGE.test(path));
    return h('a', { href, 'aria-current': active ? 'page' : null }, t(key));
  }));
}
