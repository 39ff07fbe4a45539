import { t } from './i18n.js';
import { api } from './api.js';
import { h, field, submitting, toast } from './ui.js';

// A unit's row in "Kelola → Unit": its name and kind can be corrected (PATCH);
// the code stays, as complaints and reports refer to it.
export function unitRow(u, reload) {
  const name = h('input', { name: 'name', required: true, maxLength: 200, value: u.name });
  const kind = h('select', { name: 'kind', value: u.kind }, ['skpd', 'vertical'].map((k) => h('option', { value: k }, t(`unitkind.${k}`))));
  const form = h('form', { class: 'stack' }, field(t('manage.name'), name), field(t('manage.unitkind'), kind),
    h('button', { class: 'btn' }, t('manage.save')));
  form.onsubmit = (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await api(`/units/${u.id}`, { method: 'PATCH', body: { name: name.value.trim(), kind: kind.value } });
      toast(t('manage.saved'));
      reload();
    });
  };
  return h('li', null, h('details', { class: 'fold' },
    h('summary', null, h('strong', null, u.name), ' ', h('span', { class: 'meta' }, `${u.code} · ${t(`unitkind.${u.kind}`)}`)),
    form));
}
