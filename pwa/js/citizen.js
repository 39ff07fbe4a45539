import './outbox.js';
import { t, catName } from './i18n.js';
import { api, items, ApiError } from './api.js';
import { h, field, check, toast, fmtDate, complaintCard, pagedList, alertBox, qs } from './ui.js';
import { pushCard } from './push.js';
import { guard } from './lazy/field-errors.js';
import { photoPicker } from './lazy/photo-picker.js';
import { charCounter } from './lazy/char-counter.js';

const store = self.UpikStore;
const KINDS = ['keluhan', 'pertanyaan', 'informasi', 'saran'];
let cachedCats = null;
const categories = () => (cachedCats ||= api('/categories').then(items, () => { cachedCats = null; return []; }));

export async function newComplaint(root, params, ctx) {
  const title = h('input', { name: 'title', required: true, autocomplete: 'off' });
  const body = h('textarea', { name: 'body', required: true, rows: 5 });
  const kind = h('select', { name: 'kind' },
    h('option', { value: '' }, t('new.kind.auto')),
    KINDS.map((k) => h('option', { value: k }, t(`kind.${k}`))));
  const cat = h('select', { name: 'category' }, h('option', { value: '' }, t('new.cat.auto')));
  const guess = h('p', { class: 'guess', 'aria-live': 'polite' });
  const anon = h('input', { type: 'checkbox', name: 'anonymous' });
  const conf = h('input', { type: 'checkbox', name: 'confidential' });

  const pics = photoPicker('photo');

  let coords = null;
  const where = h('p', { class: 'hint', 'aria-live': 'polite' });
  const address = h('input', { name: 'address', maxLength: 300, autocomplete: 'street-address' });
  const locBtn = h('button', { type: 'button', class: 'btn ghost' }, t('loc.add'));
  locBtn.onclick = () => {
    if (!navigator.geolocation) return (where.textContent = t('loc.unsupported'));
    where.textContent = t('loc.finding');
    navigator.geolocation.getCurrentPosition((p) => {
      coords = { lat: +p.coords.latitude.toFixed(6), lon: +p.coords.longitude.toFixed(6) };
      where.textContent = t('loc.got', { lat: coords.lat, lon: coords.lon, acc: Math.round(p.coords.accuracy) });
    }, () => { where.textContent = t('loc.failed'); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  };

  // Category picked by the person wins; until then the server's suggestion fills it.
  let catTouched = false;
  cat.onchange = () => { catTouched = true; };
  categories().then((list) => cat.append(...list.map((c) => h('option', { value: c.id }, catName(c)))));

  let timer = 0;
  let ctrl = null;
  let suggestOff = false;
  const suggest = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = `${title.value} ${body.value}`.trim();
      if (suggestOff || text.length < 8 || !navigator.onLine) return;
      ctrl?.abort();
      ctrl = new AbortController();
      try {
        const res = await fetch(`/api/v1/categories/suggest?${qs({ text: text.slice(0, 1000) })}`, { signal: ctrl.signal });
        if (res.status === 404) { suggestOff = true; return; } // backend without the extension
        if (!res.ok) return;
        const s = await res.json();
        const parts = [];
        if (s.kind) parts.push(t(`kind.${s.kind}`));
        if (s.category) {
          parts.push(catName(s.category));
          if (!catTouched) cat.value = String(s.category.id);
        }
        guess.textContent = parts.length ? t('new.guess', { what: parts.join(' · ') }) : '';
      } catch { /* aborted or offline: the suggestion is only a nicety */ }
    }, 600);
  };
  title.oninput = suggest;
  body.oninput = suggest;

  const bodyField = field(t('new.body'), body, t('new.body.hint'));
  bodyField.append(charCounter(body, 5000));
  const form = h('form', { class: 'stack' },
    field(t('new.title'), title, t('new.title.hint')),
    bodyField,
    guess,
    field(t('new.kind'), kind),
    field(t('new.cat'), cat),
    h('fieldset', null, h('legend', null, t('new.privacy')),
      check(t('new.anon'), anon, t('new.anon.hint')),
      check(t('new.conf'), conf, t('new.conf.hint'))),
    h('fieldset', null, h('legend', null, t('photo.legend')),
      pics.el),
    h('fieldset', null, h('legend', null, t('loc.legend')),
      locBtn, where, field(t('loc.address'), address, t('loc.address.hint'))),
    h('p', { class: 'hint', hidden: navigator.onLine }, t('new.offline')),
    h('button', { class: 'btn wide' }, t('new.submit')));

  const payloadOf = () => {
    const payload = { title: title.value.trim(), body: body.value.trim(), is_anonymous: anon.checked, is_confidential: conf.checked };
    if (kind.value) payload.kind = kind.value;
    if (cat.value) payload.category_id = Number(cat.value);
    const addr = address.value.trim();
    if (coords) payload.location = addr ? { ...coords, address: addr } : coords;
    else if (addr) payload.body += `\n\n${t('loc.address')}: ${addr}`;
    return payload;
  };
  guard(form, 'complaint', { title, body, kind, category_id: cat, location: address }, () => {
    const { title: ti, body: bo } = payloadOf();
    return { title: ti, body: bo };
  }, async () => {
    await pics.ready();
    // Everything goes through the queue, so "send now" and "send later" are one path.
    const item = await ctx.outbox.enqueue(payloadOf(), pics.photos());
    const r = navigator.onLine ? await ctx.outbox.flush() : (ctx.outbox.requestSync(), null);
    const after = await store.idb.get('outbox', item.key);
    if (after?.error) {
      await store.idb.del('outbox', item.key);
      throw new ApiError(400, after.error, after.errorExtra);
    }
    const done = r?.sent.find((x) => x.key === item.key);
    if (done) return ctx.go(`/app/complaints/${done.complaint.id}`);
    if (after) toast(t('outbox.queued'));
    ctx.go('/app/complaints');
  });

  root.append(h('h1', null, t('new.heading')), h('p', null, t('new.lead')), form);
  return { destroy: () => { clearTimeout(timer); ctrl?.abort(); } };
}

function queuedCard(item, reload, outbox) {
  const failed = !!item.error;
  const retry = async () => {
    item.error = null;
    await store.idb.put('outbox', item);
    await outbox.flush().catch(() => {});
    reload();
  };
  const drop = async () => {
    if (!confirm(t('outbox.drop.confirm'))) return;
    await store.idb.del('outbox', item.key);
    reload();
  };
  return h('li', null, h('div', { class: 'card queued' },
    h('span', { class: 'meta' }, t('outbox.saved', { at: fmtDate(item.created_at) })),
    h('strong', { class: 'title' }, item.payload.title),
    h('span', { class: 'chips' }, h('span', { class: `chip ${failed ? 's-rejected' : 's-queued'}` },
      t(failed ? 'outbox.failed' : item.complaint ? 'outbox.photo' : 'outbox.waiting'))),
    failed && h('p', { class: 'alert' }, t('outbox.refused.plain')),
    failed && h('div', { class: 'row' },
      h('button', { type: 'button', class: 'btn ghost', onclick: retry }, t('outbox.retry')),
      h('button', { type: 'button', class: 'btn ghost', onclick: drop }, t('outbox.drop')))));
}

export async function myComplaints(root, params, ctx) {
  const queue = h('ul', { class: 'cards' });
  const errBox = h('div');
  const paged = pagedList({
    url: (cursor) => `/complaints?${qs({ limit: 20, cursor })}`,
    render: (c) => complaintCard(c), empty: t('mine.empty'),
    onError: (e) => errBox.replaceChildren(alertBox(e)),
  });
  async function load() {
    // Queue and list in parallel: both are local reads on a returning visit.
    const queued = store.idb.all('outbox').catch(() => []).then((all) => {
      queue.replaceChildren(...all.filter((i) => i.owner === ctx.me.id).map((i) => queuedCard(i, load, ctx.outbox)));
    });
    try {
      await paged.reload();
      errBox.replaceChildren();
    } catch (e) {
      errBox.replaceChildren(alertBox(e));
    }
    await queued;
  }
  root.append(
    h('div', { class: 'head' }, h('h1', null, t('mine.title')), h('a', { class: 'btn', href: '/app/new' }, t('mine.new'))),
    pushCard('push.why.citizen') || '',
    errBox, queue, paged.el);
  await load();
  return { onEvent: load };
}
