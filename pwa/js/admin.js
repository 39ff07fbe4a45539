import { t, tOr } from './i18n.js';
import { api, units, items, errText } from './api.js';
import { h, field, check, submitting, alertBox, fmtDur, toast, fill, unitSelect } from './ui.js';
import { usersTab } from './people.js';
import { unitRow } from './org-edit.js';
import { holidaysTab } from './holidays.js';
import { templatesTab } from './templates.js';

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const k of kids.flat()) if (k != null) el.append(k);
  return el;
}

const W = 340;
const LABEL_H = 16;
const BAR_W = 200;
const pct = (x) => (x == null ? '—' : `${Math.round(x <= 1 ? x * 100 : x)}%`);
const dur = (x) => (x == null ? '—' : fmtDur(x));

// Median and p90 per SOP step as bars, the standard as a dashed line: the
// admin sees at a glance which step overruns and by how much. The scale is
// logarithmic (seconds): on a linear one a step of minutes vanished next to
// a standard of hours; steps stay comparable with each other, and a step
// that took any time at all keeps a visible sliver.
function stepChart(steps, summary) {
  const max = Math.max(1, ...steps.flatMap((st) => [st.p90_seconds || 0, (st.standard_seconds || 0) * 1.15]));
  // Values sit in their own column on the right, so the standard line never crosses them.
  const x = (v) => (v > 0 ? Math.max(3, Math.round((Math.log1p(v) / Math.log1p(max)) * BAR_W)) : 0);
  const rowH = LABEL_H + 34;
  const rows = steps.map((st, i) => {
    const std = st.standard_seconds;
    return s('g', { transform: `translate(0 ${i * rowH})` },
      s('text', { x: 0, y: 12, class: 'lbl' }, `${tOr(`step.${st.step}`, st.step)} · n=${st.count} · ${pct(st.within_standard)} ${t('dash.within')}`),
      s('rect', { x: 0, y: LABEL_H + 3, width: x(st.median_seconds || 0), height: 12, class: 'med' }),
      s('text', { x: BAR_W + 8, y: LABEL_H + 13, class: 'val' }, `${t('dash.median')} ${dur(st.median_seconds)}`),
      s('rect', { x: 0, y: LABEL_H + 18, width: x(st.p90_seconds || 0), height: 12, class: 'p90' }),
      s('text', { x: BAR_W + 8, y: LABEL_H + 28, class: 'val' }, `p90 ${dur(st.p90_seconds)}`),
      std ? s('line', { x1: x(std), x2: x(std), y1: LABEL_H, y2: LABEL_H + 32, class: 'std' }) : null);
  });
  const text = steps.map((st) => `${tOr(`step.${st.step}`, st.step)}: ${t('dash.median')} ${dur(st.median_seconds)}, p90 ${dur(st.p90_seconds)}, ${t('dash.standard')} ${dur(st.standard_seconds)}`).join('; ');
  return s('svg', { viewBox: `0 0 ${W} ${Math.max(rowH, steps.length * rowH)}`, class: 'chart', role: 'img', 'aria-label': `${summary}: ${text}` }, rows);
}

function countChart(rows, summary) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowH = 26;
  return s('svg', { viewBox: `0 0 ${W} ${Math.max(rowH, rows.length * rowH)}`, class: 'chart', role: 'img',
    'aria-label': `${summary}: ${rows.map((r) => `${r.label} ${r.value}`).join(', ')}` },
  rows.map((r, i) => s('g', { transform: `translate(0 ${i * rowH})` },
    s('text', { x: 0, y: 16, class: 'lbl' }, r.label.length > 20 ? `${r.label.slice(0, 19)}…` : r.label),
    s('rect', { x: 140, y: 5, width: Math.max(2, Math.round((r.value / max) * (W - 180))), height: 14, class: r.cls || 'med' }),
    s('text', { x: 146 + Math.round((r.value / max) * (W - 180)), y: 16, class: 'val' }, String(r.value)))));
}

const legend = () => h('p', { class: 'legend' },
  h('span', { class: 'key med' }), t('dash.median'), ' ', h('span', { class: 'key p90' }), 'p90 ',
  h('span', { class: 'key std' }), t('dash.standard'), ' · ', t('dash.scale'));

// The start of this month, quarter or year on the phone's own calendar, as
// an ISO time with its offset (the server reads whole UTC months from its
// running counts and the few hours between from the rows).
const PERIODS = ['all', 'month', 'quarter', 'year'];
function periodStart(period, now = new Date()) {
  if (period === 'all') return null;
  const month = period === 'month' ? now.getMonth() : period === 'quarter' ? now.getMonth() - (now.getMonth() % 3) : 0;
  const start = new Date(now.getFullYear(), month, 1);
  const off = -start.getTimezoneOffset();
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${start.getFullYear()}-${pad(start.getMonth() + 1)}-01T00:00:00${off >= 0 ? '+' : '-'}${pad(off / 60)}:${pad(off % 60)}`;
}

export async function dashboard(root) {
  const box = h('div');
  const period = h('select', { name: 'period' }, PERIODS.map((k) => h('option', { value: k }, t(`dash.period.${k}`))));
  const download = h('a', { class: 'btn ghost', href: '/api/v1/complaints/export.csv', download: 'pengaduan.csv' }, t('dash.export'));
  const query = () => {
    const since = periodStart(period.value);
    return since ? `?since=${encodeURIComponent(since)}` : '';
  };
  period.onchange = () => load();
  async function load() {
    let st;
    // A plain link: the browser streams the file to disk with the session
    // cookie, however many rows there are.
    download.href = `/api/v1/complaints/export.csv${query()}`;
    try { st = await api(`/stats${query()}`); } catch (e) { return box.replaceChildren(alertBox(e)); }
    const byStatus = Object.entries(st.by_status || {});
    const total = byStatus.reduce((n, [, v]) => n + v, 0);
    const unitsWithSteps = (st.units || []).filter((u) => u.steps?.some((x) => x.count));
    fill(box,
      h('ul', { class: 'tiles' },
        h('li', null, h('strong', null, total), t('dash.total')),
        byStatus.map(([k, v]) => h('li', { class: `s-${k}` }, h('strong', null, v), t(`status.${k}`)))),
      h('h2', null, t('dash.steps')), legend(),
      (st.steps || []).length ? stepChart(st.steps, t('dash.steps')) : h('p', null, t('dash.nodata')),
      h('h2', null, t('dash.kinds')),
      countChart(Object.entries(st.by_kind || {}).map(([k, v]) => ({ label: t(`kind.${k}`), value: v })), t('dash.kinds')),
      h('h2', null, t('dash.units')),
      countChart((st.by_unit || []).map((u) => ({ label: u.code || u.name, value: u.count })), t('dash.units')),
      h('h2', null, t('dash.perunit')),
      unitsWithSteps.length ? unitsWithSteps.map((u) => h('section', { class: 'unit-steps' },
        h('h3', null, u.name), stepChart(u.steps.filter((x) => x.count), u.name))) : h('p', null, t('dash.nodata')));
  }
  root.append(h('h1', null, t('dash.title')),
    h('div', { class: 'row period' }, field(t('dash.period'), period), h('p', null, download)), box);
  await load();
  return { onEvent: load };
}

const TABS = ['units', 'users', 'categories', 'holidays', 'templates'];

export async function manage(root, [tab], ctx) {
  root.append(h('h1', null, t('manage.title')),
    h('nav', { class: 'subtabs', 'aria-label': t('manage.title') }, TABS.map((k) =>
      h('a', { href: `/app/manage/${k}`, 'aria-current': k === tab ? 'page' : null }, t(`manage.${k}`)))));
  const body = h('div');
  root.append(body);
  const draw = { units: unitsTab, users: usersTab, categories: categoriesTab, holidays: holidaysTab,
    templates: (el) => templatesTab(el, ctx.me) }[tab];
  const load = () => draw(body).catch((e) => body.replaceChildren(alertBox(e)));
  await load();
  return { onEvent: () => {} };
}

const input = (name, props) => h('input', { name, required: true, ...props });

function createForm(title, controls, send, done) {
  const form = h('form', { class: 'stack' }, controls, h('button', { class: 'btn' }, t('manage.create')));
  form.onsubmit = (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await send();
      toast(t('manage.saved'));
      done();
    });
  };
  return h('details', { class: 'fold create' }, h('summary', null, title), form);
}

async function unitsTab(body) {
  const list = await units(true);
  const code = input('code', { maxLength: 32, autocapitalize: 'characters' });
  const name = input('name', { maxLength: 200 });
  const kind = h('select', { name: 'kind' }, ['skpd', 'vertical'].map((k) => h('option', { value: k }, t(`unitkind.${k}`))));
  fill(body,
    createForm(t('manage.units.add'), [field(t('manage.code'), code), field(t('manage.name'), name), field(t('manage.unitkind'), kind)],
      () => api('/units', { method: 'POST', body: { code: code.value.trim(), name: name.value.trim(), kind: kind.value } }),
      () => unitsTab(body)),
    h('ul', { class: 'rows' }, list.map((u) => unitRow(u, () => units(true).then(() => unitsTab(body))))));
}

const splitKw = (v) => v.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);

function categoryEditor(c, us, reload) {
  const name = input('name', { value: c.name, maxLength: 200 });
  const kw = h('textarea', { name: 'keywords', rows: 3, value: (c.keywords || []).join(', ') });
  const unit = unitSelect(us, c.unit_id);
  const auto = h('input', { type: 'checkbox', name: 'auto_dispatch', checked: !!c.auto_dispatch });
  const form = h('form', { class: 'stack' },
    field(t('manage.name'), name), field(t('manage.keywords'), kw, t('manage.keywords.hint')),
    field(t('manage.unit'), unit), check(t('manage.auto'), auto, t('manage.auto.hint')),
    h('button', { class: 'btn' }, t('manage.save')));
  form.onsubmit = (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await api(`/categories/${c.id}`, { method: 'PATCH', body: { name: name.value.trim(), keywords: splitKw(kw.value), unit_id: Number(unit.value), auto_dispatch: auto.checked } });
      toast(t('manage.saved'));
      reload();
    });
  };
  const unitCode = us.find((u) => u.id === c.unit_id)?.code || '—';
  return h('li', null, h('details', { class: 'fold' },
    h('summary', null, h('strong', null, c.name), ' ', h('span', { class: 'meta' },
      `${c.code} → ${unitCode} · ${t('manage.kwcount', { n: (c.keywords || []).length })}${c.auto_dispatch ? ` · ${t('manage.auto.short')}` : ''}`)),
    form));
}

async function categoriesTab(body) {
  const [list, us] = await Promise.all([api('/categories').then(items), units()]);
  const reload = () => categoriesTab(body).catch((e) => toast(errText(e), 'error'));
  const code = input('code', { maxLength: 32 });
  const name = input('name', { maxLength: 200 });
  const kw = h('textarea', { name: 'keywords', rows: 3 });
  const unit = unitSelect(us, null);
  const auto = h('input', { type: 'checkbox', name: 'auto_dispatch' });
  fill(body,
    createForm(t('manage.categories.add'), [field(t('manage.code'), code), field(t('manage.name'), name),
      field(t('manage.keywords'), kw, t('manage.keywords.hint')), field(t('manage.unit'), unit), check(t('manage.auto'), auto, t('manage.auto.hint'))],
    () => api('/categories', { method: 'POST', body: { code: code.value.trim(), name: name.value.trim(), keywords: splitKw(kw.value), unit_id: Number(unit.value), auto_dispatch: auto.checked } }),
    reload),
    h('ul', { class: 'rows' }, list.map((c) => categoryEditor(c, us, reload))));
}
