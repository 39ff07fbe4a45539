// The unit picker shared by the complaint page, the triage queue and the admin forms.
import { t } from './i18n.js';
import { h } from './ui.js';

export function unitSelect(list, selected) {
  return h('select', { name: 'unit_id', required: true, value: selected ? String(selected) : '' },
    h('option', { value: '' }, t('unit.choose')),
    list.map((u) => h('option', { value: u.id }, `${u.code} — ${u.name}`)));
}

export const suggestedUnit = (c) => c.category?.unit_id || c.suggested_unit?.id || null;
