import { t, locale } from './i18n.js';
import { api, cachedGet, errText } from './api.js';

// Builds DOM nodes directly (never parsed HTML), so text from the server can never become markup.
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const k of kids.flat(Infinity)) {
    if (k != null && k !== false) el.append(k instanceof Node ? k : String(k));
  }
  // Properties after children: a <select>'s value needs its options first.
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && !k.includes('-') && k !== 'form' && k !== 'list') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// replaceChildren() that accepts nested arrays and skips null/false, like h().
export const fill = (el, ...kids) => el.replaceChildren(...kids.flat(Infinity).filter((k) => k != null && k !== false));

let uid = 0;
// A visible <label> for every control; the hint is linked for screen readers.
export function field(label, control, hint) {
  const id = control.id || (control.id = `f${++uid}`);
  const kids = [h('label', { for: id }, label), control];
  if (hint) {
    const hid = `${id}-h`;
    control.setAttribute('aria-describedby', hid);
    kids.push(h('p', { class: 'hint', id: hid }, hint));
  }
  return h('div', { class: 'field' }, kids);
}

export function check(label, control, hint) {
  const id = control.id || (control.id = `f${++uid}`);
  const hid = `${id}-h`;
  if (hint) control.setAttribute('aria-describedby', hid);
  return h('div', { class: 'check' }, control, h('label', { for: id }, label),
    hint && h('p', { class: 'hint', id: hid }, hint));
}

export function toast(msg, kind = 'info') {
  const box = $('#toast');
  const item = h('p', { class: `toast ${kind}` }, msg);
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 7000 : 4500);
}

export const alertBox = (e) =>
  h('p', { class: 'alert', role: 'alert' }, typeof e === 'string' ? e : errText(e));

// Disables the button while `work` runs, shows the error next to the form.
export async function submitting(form, work) {
  const btns = form.querySelectorAll('button');
  const box = form.querySelector('.form-error') || form.appendChild(h('div', { class: 'form-error' }));
  box.replaceChildren();
  btns.forEach((b) => { b.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } catch (e) {
    box.replaceChildren(alertBox(e));
    return undefined;
  } finally {
    btns.forEach((b) => { b.disabled = false; });
    form.removeAttribute('aria-busy');
  }
}

export const fmtDate = (iso) =>
  iso ? new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '';

export function fmtDur(sec) {
  sec = Math.max(0, Math.round(sec));
  const d = Math.floor(sec / 86400);
  const hh = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  if (d) return t('dur.dh', { d, h: hh });
  if (hh) return t('dur.hm', { h: hh, m });
  return m ? t('dur.m', { m }) : t('dur.s', { s: sec });
}

export const chip = (status) => h('span', { class: `chip s-${status}` }, t(`status.${status}`));
export const kindChip = (kind) => kind && h('span', { class: 'chip kind' }, t(`kind.${kind}`));

// Countdown to the SLA deadline; refreshed by tickSla() while on screen.
export function slaBadge(due) {
  const el = h('span', { class: 'sla', 'data-due': due });
  paintSla(el);
  return el;
}

function paintSla(el) {
  const left = (Date.parse(el.dataset.due) - Date.now()) / 1000;
  el.textContent = left >= 0 ? t('sla.left', { d: fmtDur(left) }) : t('sla.over', { d: fmtDur(-left) });
  el.classList.toggle('late', left < 0);
  el.classList.toggle('soon', left >= 0 && left < 3600);
}

export const tickSla = (root) => root.querySelectorAll('.sla[data-due]').forEach(paintSla);

export function complaintCard(c, extra) {
  return h('li', null,
    h('a', { class: 'card', href: `/app/complaints/${c.id}` },
      h('span', { class: 'meta' }, c.tracking_no, ' · ', fmtDate(c.created_at)),
      h('strong', { class: 'title' }, c.title),
      h('span', { class: 'chips' }, chip(c.status), kindChip(c.kind),
        c.status === 'routed' && c.sla_due_at && slaBadge(c.sla_due_at))),
    extra);
}

// One "load more" list used by every queue: cursor paging over the contract's
// {items, next_cursor}. The first page is painted from the worker's cache when
// it has one, then replaced by the network answer: on a weak signal the list
// is readable at once instead of after a round trip.
export function pagedList({ url, render, empty, sort, onError }) {
  const list = h('ul', { class: 'cards' });
  const more = h('button', { type: 'button', class: 'btn ghost', hidden: true }, t('list.more'));
  const box = h('div', null, list, more);
  let cursor = null;
  let painted = false;
  function draw(r, reset) {
    const rows = (sort ? [...(r.items || [])].sort(sort) : r.items || []).map(render);
    if (reset) list.replaceChildren(...rows); else list.append(...rows);
    if (reset && !rows.length) list.append(h('li', { class: 'empty' }, empty));
    cursor = r.next_cursor || null;
    more.hidden = !cursor;
    painted = true;
  }
  async function reload() {
    const first = url(null);
    if (!painted) {
      const saved = await cachedGet(first);
      if (saved) {
        draw(saved, true);
        api(first).then((r) => draw(r, true), onError);
        return;
      }
    }
    draw(await api(first), true);
  }
  more.onclick = () => api(url(cursor)).then((r) => draw(r, false), (e) => toast(errText(e), 'error'));
  return { el: box, reload };
}

// The unit picker of the complaint page, the triage queue and the admin forms.
export function unitSelect(list, selected) {
  return h('select', { name: 'unit_id', required: true, value: selected ? String(selected) : '' },
    h('option', { value: '' }, t('unit.choose')),
    list.map((u) => h('option', { value: u.id }, `${u.code} — ${u.name}`)));
}

export const suggestedUnit = (c) => c.category?.unit_id || c.suggested_unit?.id || null;

export const qs = (o) =>
  new URLSearchParams(Object.entries(o).filter(([, v]) => v != null && v !== '')).toString();
