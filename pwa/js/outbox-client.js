// The page's side of the complaint queue (outbox.js): everything goes through
// the queue, the page sends it while open, Background Sync after it closes.
import './outbox.js';
import { t } from './i18n.js';
import { csrf } from './api.js';
import { toast } from './ui.js';
import { me, rememberCsrf } from './session.js';
import { refresh } from './router.js';

const store = self.UpikStore;

export function enqueue(payload, photo) {
  rememberCsrf();
  return store.enqueue(payload, photo, csrf(), me().id);
}

export async function flushOutbox() {
  const user = me();
  if (!user) return { sent: [], pending: 0, failed: 0 };
  rememberCsrf();
  const r = await store.flush(csrf(), user.id);
  for (const item of r.sent) {
    toast(t('outbox.sent', { no: item.complaint.tracking_no }));
    if (item.photoError) toast(t('photo.refused.plain'), 'error');
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

export function flushWhenOnline() {
  const check = () => {
    if (navigator.onLine) flushOutbox().catch(() => {});
  };
  addEventListener('online', check);
  addEventListener('offline', check);
}
