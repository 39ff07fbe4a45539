// The answer box's template picker: the unit's and the global templates, with
// {nomor}, {judul} and {unit} filled in here; the text stays editable.
import { t } from './i18n.js';
import { api } from './api.js';
import { h, field } from './ui.js';

export const fillTemplate = (body, c) => body
  .replaceAll('{nomor}', c.tracking_no || '')
  .replaceAll('{judul}', c.title || '')
  .replaceAll('{unit}', c.unit?.name || '');

export function templatePicker(c, textarea) {
  const sel = h('select', { name: 'template' }, h('option', { value: '' }, t('tpl.choose')));
  const wrap = field(t('tpl.label'), sel, t('tpl.hint'));
  wrap.hidden = true;
  let list = [];
  let lastFilled = null;
  const unit = c.unit?.id ? `?unit_id=${c.unit.id}` : '';
  api(`/templates${unit}`).then((r) => {
    list = r || [];
    if (!list.length) return;
    sel.append(...list.map((tp) => h('option', { value: tp.id }, tp.title)));
    wrap.hidden = false;
  }, () => {});
  sel.onchange = () => {
    const tp = list.find((x) => String(x.id) === sel.value);
    if (!tp) return;
    const text = fillTemplate(tp.body, c);
    const typed = textarea.value.trim();
    // Replace an empty box or the previous template; never throw away the PIC's own words.
    textarea.value = !typed || textarea.value === lastFilled ? text : `${textarea.value.trimEnd()}\n\n${text}`;
    lastFilled = textarea.value;
    textarea.focus();
  };
  return wrap;
}
