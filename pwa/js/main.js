// Boots the app: wires the modules together and draws the first screen.
// Nothing imports this module; views get what they need through the router's context.
import { loadLang } from './i18n.js';
import { api } from './api.js';
import { rememberedMe, setMe, onSessionChange } from './session.js';
import { startRouter, render, go, home, refresh } from './router.js';
import { startLive, stopLive } from './live.js';
import { drawHeader, showConnection, watchConnection, wireLanguageSwitch } from './header.js';
import { enqueue, flushOutbox, requestSync, flushWhenOnline } from './outbox-client.js';
import { wireInstallAndUpdate, registerWorkerWhenIdle, install } from './sw-client.js';

// Once per start and per login: the server must still hold this device's
// subscription for whoever is logged in (Chrome rarely fires pushsubscriptionchange).
let pushCheckedFor = null;
function checkPush(user) {
  if (!user || user.id === pushCheckedFor || window.Notification?.permission !== 'granted') return;
  pushCheckedFor = user.id;
  import('./lazy/push-status.js').then((p) => p.ensureSubscribed()).catch(() => { pushCheckedFor = null; });
}

function wire() {
  onSessionChange((user) => {
    drawHeader();
    if (user) startLive(refresh); else stopLive();
    if (!user) pushCheckedFor = null; else checkPush(user);
  });
  startRouter({ outbox: { enqueue, flush: flushOutbox, requestSync }, install }, registerWorkerWhenIdle);
  watchConnection();
  flushWhenOnline();
  wireLanguageSwitch(render);
  wireInstallAndUpdate();
}

async function boot() {
  wire();
  const cached = rememberedMe();
  const langP = loadLang();
  const meP = api('/me', { quiet401: true }).then(
    (user) => user,
    // Offline or server trouble: trust the last known user so queued and cached pages still work.
    (e) => (e.status === 401 || e.status === 403 ? null : cached),
  );
  await langP.catch(() => {});
  drawHeader();
  showConnection();
  if (cached) {
    // Draw at once for a returning user; the check above corrects us if the session ended.
    setMe(cached);
    render();
    meP.then((user) => {
      if (!user) { setMe(null); go('/app/login'); } else if (user.id !== cached.id || user.role !== cached.role) { setMe(user); render(); } else setMe(user);
    });
  } else {
    // Nobody was logged in here last time, so the login screen needs no answer
    // from the server; a live session cookie (rare without the cached user) takes over when it shows.
    setMe(null);
    render();
    meP.then((user) => {
      if (!user) return;
      setMe(user);
      const next = sessionStorage.getItem('upik.next');
      sessionStorage.removeItem('upik.next');
      go(next && next.startsWith('/app/') ? next : home(user), true);
    });
  }
  meP.then((user) => {
    if (!user) return;
    flushOutbox().catch(() => {});
    checkPush(user);
  });
}

boot();
