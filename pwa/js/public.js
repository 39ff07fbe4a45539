// The public pages, open to everyone with or without a login: /app/lacak
// (a complaint by its tracking number), /app/publik (answered complaints) and
// /app/statistik (does each unit keep the SOP's times?). Loaded only when one
// of them is opened; a visitor who is not logged in has their menu only.
import { t, tOr, catName } from './i18n.js';
import { ApiError } from './api.js';
import { h, field, fmtDate, fmtDur, chip, kindChip, slaBadge, tickSla, alertBox, qs } from './ui.js';

// GET /api/v1/public<path> -> {data, saved}. saved is null for a fresh
// answer; otherwise {why: 'offline' | 'slow', at: the server's Date of the
// copy shown, or ''}: the worker answered from its cache (no signal, or one
// too slow), or the phone is offline and the browser's HTTP cache answered.
async function publicGet(path) {
  let res;
  try {
    res = await fetch(`/api/v1/public${path}`, { headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (res.headers.get('X-UPIK-Offline')) throw new ApiError(0, 'network');
  // Before the worker controls the page (a first visit) it never sees this
  // answer; keep it where the worker looks, so the page works offline next time.
  if (res.ok && !navigator.serviceWorker?.controller) {
    const copy = res.clone();
    window.caches?.open('upik-api').then((c) => c.put(`/api/v1/public${path}`, copy)).catch(() => {});
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.detail, data?.extra);
  const why = res.headers.get('X-UPIK-Cache') || (navigator.onLine ? null : 'offline');
  return { data, saved: why && { why: why === 'slow' ? 'slow' : 'offline', at: res.headers.get('Date') || '' } };
}

const staleNote = (saved) => saved && h('p', { class: 'notice stale', role: 'status' },
  t(`pub.stale.${saved.why}`, { time: saved.at ? fmtDate(saved.at) : t('pub.stale.earlier') }));

const PAGES = [['/app/lacak', 'pub.nav.track'], ['/app/publik', 'pub.nav.list'], ['/app/statistik', 'pub.nav.stats']];

const publicNav = (current) => h('nav', { class: 'subtabs', 'aria-label': t('pub.nav.label') },
  PAGES.map(([href, key]) => h('a', { href, 'aria-current': href === current ? 'page' : null }, t(key))));

// Someone not logged in came here from the login screen: the way back.
const joinHint = (ctx) => !ctx.me && h('p', { class: 'center' }, t('pub.join'), ' ',
  h('a', { href: '/app/login' }, t('auth.login')), ' · ', h('a', { href: '/app/register' }, t('auth.register.link')));

// An error shown under its field, announced and linked to the control.
function fieldError(control, msg) {
  const id = `${control.id}-e`;
  control.parentElement.querySelector(`#${id}`)?.remove();
  const described = (control.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
  if (!msg) {
    control.removeAttribute('aria-invalid');
    control.setAttribute('aria-describedby', described.join(' '));
    return;
  }
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', [id, ...described].join(' '));
  control.parentElement.append(h('p', { class: 'field-error', id }, msg));
  control.focus();
}

// --- /app/lacak ---------------------------------------------------------

const NUMBER = /^\s*UPIK-(\d{4})-(\d{1,12})\s*$/i;
// People drop the zeros and the capitals: "upik-2026-123" is UPIK-2026-000123.
const normalise = (text) => {
  const m = NUMBER.exec(text);
  return m ? `UPIK-${m[1]}-${m[2].padStart(6, '0')}` : null;
};

export async function track(root, [typed], ctx) {
  const wanted = typed ? decodeURIComponent(typed) : '';
  const input = h('input', {
    name: 'tracking_no', value: wanted, autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: false, placeholder: 'UPIK-2026-000123', enterKeyHint: 'search',
  });
  const form = h('form', { class: 'stack', role: 'search', novalidate: true },
    field(t('track.label'), input, t('track.hint')),
    h('button', { class: 'btn wide' }, t('track.submit')));
  const out = h('div');
  form.onsubmit = (e) => {
    e.preventDefault();
    const no = normalise(input.value);
    if (!no) return fieldError(input, t('track.bad'));
    fieldError(input, null);
    return ctx.go(`/app/lacak/${no}`);
  };
  root.append(publicNav('/app/lacak'), h('h1', null, t('track.title')), h('p', null, t('track.lead')),
    form, out, joinHint(ctx));
  if (!wanted) return undefined;
  const no = normalise(wanted);
  if (!no) {
    fieldError(input, t('track.bad'));
    return undefined;
  }
  input.value = no;
  try {
    const { data, saved } = await publicGet(`/complaints/${encodeURIComponent(no)}`);
    out.replaceChildren(...[staleNote(saved), result(data)].filter(Boolean));
  } catch (e) {
    out.replaceChildren(alertBox(e.status === 404 ? t('track.unknown', { no }) : e));
  }
  const timer = setInterval(() => tickSla(out), 30000);
  return { destroy: () => clearInterval(timer) };
}

// A confidential complaint arrives with title, unit, category and answer
// null; it also shows no deadline or dates beyond its steps.
function result(c) {
  const open = !c.is_confidential;
  const facts = [
    ['track.number', c.tracking_no],
    ['track.status', chip(c.status)],
    open && ['track.unit', c.unit ? c.unit.name : t('track.nounit')],
    open && c.kind && ['track.kind', tOr(`kind.${c.kind}`, c.kind)],
    open && c.category && ['track.category', catName(c.category)],
    open && c.sla_due_at && ['track.due', h('span', null, fmtDate(c.sla_due_at), ' ', slaBadge(c.sla_due_at))],
  ].filter(Boolean);
  return h('section', { class: 'result' },
    h('h2', null, c.title || c.tracking_no),
    !open && h('p', { class: 'notice' }, t('track.confidential')),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v)])),
    h('h3', null, t('track.steps')),
    h('ol', { class: 'timeline' }, c.steps.map((s) => h('li', null,
      h('strong', null, tOr(`event.${s.type}`, s.type)), h('span', { class: 'meta' }, fmtDate(s.at))))),
    c.answer
      ? h('div', { class: 'answer' }, h('h3', null, t('track.answer')),
        h('p', { class: 'meta' }, t('track.answer.at', { time: fmtDate(c.answer.released_at) })),
        h('p', { class: 'pre' }, c.answer.body))
      : open && h('p', { class: 'meta' }, t('track.noanswer')));
}

// --- /app/publik --------------------------------------------------------

const KINDS = ['keluhan', 'pertanyaan', 'informasi', 'saran'];
// The server refuses these (a search could confirm a masked phone or NIK); say why before asking it.
const LONG_NUMBER = /\d[\d .-]{3,}\d/;

const card = (c) => h('li', { class: 'card' },
  h('span', { class: 'meta' }, c.tracking_no, ' · ', t('pub.answered', { time: fmtDate(c.answer?.released_at || c.updated_at) })),
  h('a', { class: 'title', href: `/app/lacak/${c.tracking_no}` }, c.title),
  h('span', { class: 'chips' }, kindChip(c.kind), c.unit && h('span', { class: 'meta' }, c.unit.name)),
  c.answer && h('p', { class: 'excerpt clamp' }, c.answer.body));

export async function publicList(root, params, ctx) {
  const asked = new URLSearchParams(location.search);
  const q = h('input', { type: 'search', name: 'q', value: asked.get('q') || '', maxLength: 100, enterKeyHint: 'search' });
  const unit = h('select', { name: 'unit_id' }, h('option', { value: '' }, t('pub.unit.all')));
  const kind = h('select', { name: 'kind', value: KINDS.includes(asked.get('kind')) ? asked.get('kind') : '' },
    h('option', { value: '' }, t('pub.kind.all')), KINDS.map((k) => h('option', { value: k }, tOr(`kind.${k}`, k))));
  const form = h('form', { class: 'stack filters', role: 'search', novalidate: true },
    field(t('pub.q'), q),
    h('div', { class: 'pair' }, field(t('pub.unit'), unit), field(t('pub.kind'), kind)),
    h('button', { class: 'btn' }, t('pub.search')));
  const note = h('div');
  const list = h('ul', { class: 'cards', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'btn ghost wide', hidden: true }, t('pub.more'));
  let cursor = null;
  let applied = {}; // the filters of the list on screen: "more" pages through these, not half-typed ones
  let seq = 0;

  const filters = () => ({ q: q.value.trim(), unit_id: unit.value, kind: kind.value });
  async function load(next, f) {
    const mine = ++seq;
    if (!next) {
      if (LONG_NUMBER.test(f.q)) return fieldError(q, t('pub.q.bad'));
      fieldError(q, null);
      // No "more" of the old list while the new one is on its way.
      more.hidden = true;
    }
    list.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await publicGet(`/complaints?${qs({ ...f, cursor: next })}`);
    } catch (e) {
      if (mine !== seq) return undefined;
      list.removeAttribute('aria-busy');
      if (e.status === 400 && e.extra?.[0]?.key === 'q') return fieldError(q, t('pub.q.bad'));
      note.replaceChildren(alertBox(e));
      // A failed "more" keeps what is shown; a failed search must not show the old results.
      if (!next) list.replaceChildren();
      return undefined;
    }
    if (mine !== seq) return undefined;
    list.removeAttribute('aria-busy');
    const { data, saved } = page;
    const rows = data.items.map(card);
    note.replaceChildren(...[staleNote(saved)].filter(Boolean));
    if (next) list.append(...rows);
    else list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'empty' }, t('pub.empty'))]));
    applied = f;
    cursor = data.next_cursor;
    more.hidden = !cursor;
    return undefined;
  }
  // The filters live in the address, so a search can be shared and Back returns to it.
  function search() {
    const f = filters();
    history.replaceState(null, '', `/app/publik${qs(f) ? `?${qs(f)}` : ''}`);
    return load(null, f);
  }
  form.onsubmit = (e) => {
    e.preventDefault();
    search();
  };
  unit.onchange = search;
  kind.onchange = search;
  more.onclick = async () => {
    more.disabled = true;
    await load(cursor, applied);
    more.disabled = false;
  };

  root.append(publicNav('/app/publik'), h('h1', null, t('pub.title')), h('p', null, t('pub.lead')),
    form, note, list, more, joinHint(ctx));
  // Units come from the public statistics (units.list needs a login): only
  // units that have had complaints, which are the ones worth filtering by.
  const unitsP = publicGet('/stats').then(({ data }) => {
    unit.append(...data.units.map((u) => h('option', { value: u.unit.id }, u.unit.name)));
    unit.value = asked.get('unit_id') || '';
  }, () => {});
  // The first page need not wait for the unit names: it filters by the address's unit_id.
  await Promise.all([load(null, { ...filters(), unit_id: asked.get('unit_id') || '' }), unitsP]);
}

// --- /app/statistik -----------------------------------------------------

// Bars are SVG built with DOM calls: no library, and nothing inline for the CSP.
const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...kids.filter((k) => k !== false));
  return el;
}

const W = 320;
const BAR = 190;
const ROW = 62;
const pct = (share) => Math.round(share * 100);

// Each step on its own scale, the standard at the middle of the bar: a step
// of minutes and one of days are both readable, and a bar past the middle
// line is late. A median beyond twice the standard is drawn to the end.
function stepRow(st, i) {
  const std = st.standard_seconds || 1;
  const known = st.count > 0 && st.median_seconds != null;
  const median = known ? Math.max(2, Math.round(Math.min(st.median_seconds / (2 * std), 1) * BAR)) : 0;
  const onTime = known && st.within_standard != null ? Math.round(st.within_standard * BAR) : 0;
  const y = i * ROW;
  return s('g', { transform: `translate(0 ${y})` },
    s('text', { x: 0, y: 12, class: 'lbl' }, t('stats.step', { step: tOr(`step.${st.step}`, st.step), std: fmtDur(std) })),
    s('rect', { x: 0, y: 20, width: BAR, height: 12, class: 'track' }),
    known && s('rect', { x: 0, y: 20, width: median, height: 12, class: st.median_seconds > std ? 'med late' : 'med' }),
    s('line', { x1: BAR / 2, x2: BAR / 2, y1: 17, y2: 35, class: 'std' }),
    s('text', { x: BAR + 6, y: 30, class: 'val' }, known ? fmtDur(st.median_seconds) : t('stats.nodata')),
    s('rect', { x: 0, y: 40, width: BAR, height: 12, class: 'track' }),
    known && s('rect', { x: 0, y: 40, width: onTime, height: 12, class: 'ontime' }),
    s('text', { x: BAR + 6, y: 50, class: 'val' }, known && st.within_standard != null ? t('stats.ontime', { p: pct(st.within_standard) }) : ''));
}

function said(st) {
  const name = tOr(`step.${st.step}`, st.step);
  if (!st.count || st.median_seconds == null) return `${name}: ${t('stats.nodata')}`;
  return t('stats.said', { step: name, d: fmtDur(st.median_seconds), std: fmtDur(st.standard_seconds), p: pct(st.within_standard || 0), n: st.count });
}

const chart = (steps) => s('svg', {
  viewBox: `0 0 ${W} ${steps.length * ROW}`, class: 'chart', role: 'img', 'aria-label': steps.map(said).join('; '),
}, ...steps.map(stepRow));

const unitCard = (u) => h('li', { class: 'card' },
  h('h2', null, u.unit.name),
  h('p', { class: 'meta' }, t('stats.counts', { total: u.counts.total, answered: u.counts.answered, open: u.counts.open })),
  u.steps.length ? chart(u.steps) : h('p', { class: 'meta' }, t('stats.nodata')));

const legend = () => h('p', { class: 'legend' }, [['med', 'stats.key.median'], ['std', 'stats.key.std'], ['ontime', 'stats.key.ontime']]
  .map(([cls, key]) => [h('span', null, h('span', { class: `key ${cls}` }), t(key)), ' ']));

export async function publicStats(root, params, ctx) {
  const box = h('div');
  root.append(publicNav('/app/statistik'), h('h1', null, t('stats.title')), h('p', null, t('stats.lead')), box, joinHint(ctx));
  try {
    const { data, saved } = await publicGet('/stats');
    const units = data.units.filter((u) => u.counts.total || u.steps.some((st) => st.count));
    box.replaceChildren(...[staleNote(saved), legend(),
      units.length ? h('ul', { class: 'cards' }, units.map(unitCard)) : h('p', { class: 'empty' }, t('stats.none'))].filter(Boolean));
  } catch (e) {
    box.replaceChildren(alertBox(e));
  }
}
