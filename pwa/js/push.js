import { api } from './api.js';
import { t } from './i18n.js';
import { h } from './ui.js';

export const pushSupported = () =>
  'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

// Loaded when first needed: the first screen has no use for it.
async function keyBytes(b64u) {
  await import('./push-key.js');
  return self.UpikPushKey.decode(b64u);
}

const sameKey = (a, b) => a && a.byteLength === b.byteLength && new Uint8Array(a).every((x, i) => x === b[i]);

// Only ever called from a click: browsers (and people) punish a cold prompt.
export async function enablePush() {
  const perm = await Notification.requestPermission();
  if (perm !== 'granted') throw new Error(perm);
  return subscribe();
}

// Binds this browser's subscription to whoever is logged in now.
export async function subscribe() {
  const reg = await navigator.serviceWorker.ready;
  const { public_key: pk } = await api('/push/key');
  const key = await keyBytes(pk);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options?.applicationServerKey, key)) {
    // The server's VAPID key changed: the old subscription can no longer be used.
    await sub.unsubscribe();
    sub = null;
  }
  sub ||= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  await api('/push/subscriptions', { method: 'POST', body: sub.toJSON() });
  return sub;
}

export async function unsubscribe() {
  const reg = await navigator.serviceWorker?.getRegistration();
  const sub = await reg?.pushManager?.getSubscription();
  if (!sub) return;
  await api('/push/subscriptions', { method: 'DELETE', body: { endpoint: sub.endpoint } }).catch(() => {});
  await sub.unsubscribe().catch(() => {});
}

// The one-sentence ask, shown in context; the permission prompt follows the tap.
export function pushCard(reasonKey) {
  const later = Number(localStorage.getItem('upik.pushLater') || 0);
  if (!pushSupported() || Notification.permission !== 'default' || Date.now() - later < 3 * 864e5) return null;
  const say = (key) => card.replaceChildren(h('p', { role: 'status' }, t(key)));
  const card = h('section', { class: 'notice' },
    h('p', null, t(reasonKey)),
    h('div', { class: 'row' },
      h('button', {
        type: 'button', class: 'btn',
        onclick: () => enablePush().then(() => say('push.on'), (e) => say(e.message === 'denied' ? 'push.denied' : 'push.failed')),
      }, t('push.enable')),
      h('button', {
        type: 'button', class: 'btn ghost',
        onclick: () => { localStorage.setItem('upik.pushLater', String(Date.now())); card.remove(); },
      }, t('push.later'))));
  return card;
}
