// Honest notification status: "active" only once the server says it holds
// this device's subscription for the person logged in, checked on every app
// start (Chrome rarely fires `pushsubscriptionchange`), and a test push that
// goes through the normal outbox and reports when it arrived or why not.
import { t } from '../i18n.js';
import { api } from '../api.js';
import { h, fmtDate } from '../ui.js';
import { pushSupported, enablePush, subscribe } from '../push.js';

async function browserSubscription() {
  const reg = await navigator.serviceWorker.ready;
  return reg.pushManager.getSubscription();
}

const storedOnServer = (sub) =>
  api(`/push/subscriptions/status?endpoint=${encodeURIComponent(sub.endpoint)}`).then((r) => !!r?.stored);

// The subscription the server holds for this device, posting it again when the
// browser has one the server lacks (or none at all while permission stands).
// Resolves to the subscription when the server confirms it, else null.
export async function ensureSubscribed() {
  if (!pushSupported() || Notification.permission !== 'granted') return null;
  let sub = await browserSubscription();
  if (sub && await storedOnServer(sub)) return sub;
  sub = await subscribe();
  return (await storedOnServer(sub)) ? sub : null;
}

const POLL_MS = 1000;
const POLL_FOR_MS = 45000;

// Follows one test push until it arrived, failed, or we stop waiting.
function followTest(id, say) {
  const until = Date.now() + POLL_FOR_MS;
  const step = async () => {
    let s;
    try {
      s = await api(`/push/test/${id}`);
    } catch {
      s = null;
    }
    if (s?.received_at || s?.shown_at) return say('push.test.arrived', { at: fmtDate(s.received_at || s.shown_at) }, 'ok');
    if (s && (s.status === 'failed' || s.status === 'no_device')) {
      const gone = s.last_http_status === 404 || s.last_http_status === 410;
      return say(gone ? 'push.test.gone' : 'push.test.failed', { why: s.last_http_status || s.last_error || '?' }, 'bad');
    }
    if (Date.now() > until) return say(s?.sent_at ? 'push.test.sent.noreceipt' : 'push.test.late', { at: fmtDate(s?.sent_at) }, 'bad');
    if (s?.sent_at) say('push.test.sent', { at: fmtDate(s.sent_at) });
    setTimeout(step, POLL_MS);
  };
  step();
}

// The notification section of the account page.
export function pushStatus(me) {
  const box = h('div', { class: 'stack push-status' });
  const line = (key, vars, cls) => h('p', { role: 'status', class: cls ? `push-${cls}` : null }, t(key, vars));

  async function draw() {
    if (!pushSupported()) return box.replaceChildren(line('push.unsupported'));
    const perm = Notification.permission;
    if (perm === 'denied') return box.replaceChildren(line('push.denied'));
    if (perm === 'default') {
      return box.replaceChildren(h('p', null, t(`push.why.${me.role}`)),
        h('button', { type: 'button', class: 'btn', onclick: () => enablePush().then(draw, draw) }, t('push.enable')));
    }
    box.replaceChildren(line('push.checking'));
    let sub = null;
    try {
      sub = await ensureSubscribed();
    } catch {
      sub = null;
    }
    if (!sub) {
      return box.replaceChildren(line('push.notstored', null, 'bad'),
        h('button', { type: 'button', class: 'btn', onclick: draw }, t('push.retry')));
    }
    const result = h('div', { 'aria-live': 'polite' });
    const say = (key, vars, cls) => result.replaceChildren(line(key, vars, cls));
    const test = h('button', { type: 'button', class: 'btn ghost' }, t('push.test'));
    test.onclick = async () => {
      test.disabled = true;
      say('push.test.sending');
      try {
        const r = await api('/push/test', { method: 'POST', body: { endpoint: sub.endpoint } });
        followTest(r.notification_id, say);
      } catch (e) {
        say(e.status === 404 ? 'push.notstored' : 'push.test.failed', { why: e.status || t('err.network') }, 'bad');
      } finally {
        test.disabled = false;
      }
    };
    box.replaceChildren(line('push.on', null, 'ok'), test, result);
  }
  draw();
  return box;
}
