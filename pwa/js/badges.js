import { t } from './i18n.js';
import { h } from './ui.js';

// What the latest status change of a complaint means for staff, from the
// server's `last_step` (staff only): a returned draft, a reopened case, a
// decline by a unit. One place, so the inbox, the triage queue and the
// complaint page say it with the same words.

export const isReturned = (c) => c.status === 'routed' && c.last_step?.type === 'return';
export const isReopened = (c) => c.status === 'routed' && c.last_step?.type === 'reply';
export const isDeclined = (c) => c.status === 'received' && c.last_step?.type === 'decline';

export function stepBadge(c) {
  if (isReturned(c)) return h('span', { class: 'chip badge returned' }, t('badge.returned'));
  if (isReopened(c)) return h('span', { class: 'chip badge reopened' }, t('badge.reopened'));
  return null;
}

// "Ditolak DISDUKCAPIL: <alasan>" on the triage card and the complaint page.
export function declinedLine(c) {
  if (!isDeclined(c)) return null;
  return h('p', { class: 'declined' },
    h('strong', null, t('badge.declined', { unit: c.last_step.unit_code || '—' })), ' ', c.last_step.note || '');
}
