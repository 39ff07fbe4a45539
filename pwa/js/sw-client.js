// The page's side of the service worker: registering it, its messages, the
// "new version" banner and the install button.
import { t } from './i18n.js';
import { $, toast } from './ui.js';
import { go, refresh } from './router.js';

// The browser's offer to install, kept for the header button and for views
// (the login screen's "Pasang aplikasi" hint) through the view context.
let deferred = null;
const installWatchers = new Set();
function offer(e) {
  deferred = e;
  $('#install').hidden = !e;
  installWatchers.forEach((cb) => cb(!!e));
}
export const install = {
  available: () => !!deferred,
  // cb(available) on every change; returns the function that stops it.
  watch(cb) {
    installWatchers.add(cb);
    return () => installWatchers.delete(cb);
  },
  async prompt() {
    if (!deferred) return;
    const e = deferred;
    e.prompt();
    await e.userChoice.catch(() => {});
    offer(null);
  },
};

export function wireInstallAndUpdate() {
  addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    offer(e);
  });
  $('#install').onclick = install.prompt;
  addEventListener('appinstalled', () => offer(null));
  $('#update-btn').onclick = () => location.reload();
}

// The worker's precache would only compete with the first screen for a weak link.
export function registerWorkerWhenIdle() {
  if ('requestIdleCallback' in window) requestIdleCallback(registerWorker); else setTimeout(registerWorker, 500);
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
