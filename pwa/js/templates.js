// Managing answer templates: an admin the global ones and any unit's, a PIC
// its own unit's ("Kelola" → Templat, and the PIC's own Templat screen).
import { t } from './i18n.js';
import { api, units } from './api.js';
import { h, field, submitting, toast, fill, alertBox } from './ui.js';

const GLOBAL = '';

function unitChoice(us, selected) {
  return h('select', { name: 'unit_id', value: selected == null ? GLOBAL : String(selected) },
    h('option', { value: GLOBAL }, t('tpl.global')),
    us.map((u) => h('option', { value: u.id }, `${u.code} — ${u.name}`)));
}

function controls(me, us, tp = {}) {
  const title = h('input', { name: 'title', required: true, maxLength: 200, value: tp.title || '' });
  const body = h('textarea', { name: 'body', required: true, rows: 5, maxLength: 5000, value: tp.body || '' });
  const unit = me.role === 'admin' ? unitChoice(us, tp.unit_id ?? null) : null;
  const payload = () => ({
    title: title.value.trim(),
    body: body.value.trim(),
    ...(unit && { unit_id: unit.value === GLOBAL ? null : Number(unit.value) }),
  });
  return {
    fields: [field(t('tpl.title'), title), field(t('tpl.body'), body, t('tpl.placeholders')),
      unit && field(t('manage.unit'), unit)],
    payload,
  };
}

function form(fieldsList, label, send) {
  const f = h('form', { class: 'stack' }, fieldsList, h('button', { class: 'btn' }, label));
  f.onsubmit = (e) => {
    e.preventDefault();
    submitting(f, send);
  };
  return f;
}

export async function templatesTab(body, me) {
  const [list, us] = await Promise.all([api('/templates'), units()]);
  const reload = () => templatesTab(body, me).catch((e) => body.replaceChildren(alertBox(e)));
  const unitName = (id) => (id == null ? t('tpl.global') : us.find((u) => u.id === id)?.name || '');
  const add = controls(me, us);
  const create = form(add.fields, t('manage.create'), async () => {
    await api('/templates', { method: 'POST', body: add.payload() });
    toast(t('manage.saved'));
    reload();
  });
  const rows = list.map((tp) => {
    const edit = controls(me, us, tp);
    const del = h('button', { type: 'button', class: 'btn danger' }, t('manage.delete'));
    const editForm = form([edit.fields, del], t('manage.save'), async () => {
      await api(`/templates/${tp.id}`, { method: 'PATCH', body: edit.payload() });
      toast(t('manage.saved'));
      reload();
    });
    del.onclick = () => submitting(editForm, async () => {
      await api(`/templates/${tp.id}`, { method: 'DELETE' });
      toast(t('manage.deleted'));
      reload();
    });
    return h('li', null, h('details', { class: 'fold' },
      h('summary', null, h('strong', null, tp.title), ' ', h('span', { class: 'meta' }, unitName(tp.unit_id))),
      editForm));
  });
  fill(body,
    h('details', { class: 'fold create' }, h('summary', null, t('tpl.add')), create),
    list.length ? h('ul', { class: 'rows templates' }, rows) : h('p', null, t('tpl.empty')));
}

// The PIC's own screen: the same list, for its unit.
export async function templates(root, params, ctx) {
  const body = h('div');
  root.append(h('h1', null, t('tpl.screen')), h('p', null, t('tpl.lead')), body);
  await templatesTab(body, ctx.me).catch((e) => body.replaceChildren(alertBox(e)));
  return { onEvent: () => {} };
}
