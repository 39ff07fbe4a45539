import { t, catName } from './i18n.js';
import { api, units, errText } from './api.js';
import { h, fmtDate, kindChip, slaBadge, tickSla, pagedList, alertBox, qs, toast, complaintCard, unitSelect, suggestedUnit } from './ui.js';
import { pushCard } from './push.js';
import { stepBadge, declinedLine } from './badges.js';
import { withFullName } from './unit-name.js';
import { similarHint } from './similar.js';

const excerpt = (s, n = 160) => (s.length > n ? `${s.slice(0, n).trimEnd()}…` : s);

// A queue screen: heading, the push ask, and a paged list that refetches on live events.
async function queue(root, { title, lead, status, card, empty, pushWhy, sort }) {
  const errBox = h('div');
  const paged = pagedList({
    url: (cursor) => `/complaints?${qs({ status, limit: 30, cursor })}`,
    render: card, empty, sort, onError: (e) => errBox.replaceChildren(alertBox(e)),
  });
  const load = () => paged.reload().then(() => errBox.replaceChildren(), (e) => errBox.replaceChildren(alertBox(e)));
  root.append(h('h1', null, title), h('p', null, lead), pushCard(pushWhy) || '', errBox, paged.el);
  await load();
  const timer = setInterval(() => tickSla(root), 30000);
  return { onEvent: load, destroy: () => clearInterval(timer) };
}

const bySla = (a, b) => Date.parse(a.sla_due_at || 0) - Date.parse(b.sla_due_at || 0);

export function inbox(root) {
  return queue(root, {
    title: t('inbox.title'), lead: t('inbox.lead'), status: 'routed', empty: t('inbox.empty'),
    pushWhy: 'push.why.pic', sort: bySla,
    card: (c) => h('li', null, h('a', { class: 'card', href: `/app/complaints/${c.id}` },
      h('span', { class: 'meta' }, c.tracking_no, ' · ', fmtDate(c.created_at)),
      h('strong', { class: 'title' }, c.title),
      h('span', { class: 'excerpt' }, excerpt(c.body || '')),
      h('span', { class: 'chips' }, stepBadge(c), c.sla_due_at && slaBadge(c.sla_due_at), kindChip(c.kind)))),
  });
}

export async function triage(root) {
  let list = [];
  try { list = await units(); } catch (e) { root.append(alertBox(e)); }
  return queue(root, {
    title: t('triage.title'), lead: t('triage.lead'), status: 'received', empty: t('triage.empty'),
    pushWhy: 'push.why.admin',
    card: (c) => {
      const sel = unitSelect(list, suggestedUnit(c));
      sel.setAttribute('aria-label', t('triage.unit.for', { no: c.tracking_no }));
      const go = h('button', { type: 'button', class: 'btn' }, t('triage.dispatch'));
      // One tap: the suggested unit is already selected.
      go.onclick = async () => {
        if (!sel.value) return sel.focus();
        go.disabled = true;
        try {
          await api(`/complaints/${c.id}/dispatch`, { method: 'POST', body: { unit_id: Number(sel.value) } });
          toast(t('triage.dispatched.to', { no: c.tracking_no, unit: sel.selectedOptions[0].textContent }));
          li.remove();
        } catch (e) {
          toast(errText(e), 'error');
          go.disabled = false;
        }
      };
      const li = h('li', { class: 'card triage' },
        h('a', { href: `/app/complaints/${c.id}`, class: 'title' }, c.title),
        h('span', { class: 'meta' }, c.tracking_no, ' · ', fmtDate(c.created_at)),
        h('span', { class: 'chips' }, kindChip(c.kind), c.category && h('span', { class: 'chip ghost' }, catName(c.category))),
        declinedLine(c),
        h('span', { class: 'excerpt' }, excerpt(c.body || '')),
        h('div', { class: 'dispatch' }, sel, go),
        withFullName(sel),
        similarHint(c, { merge: true, limit: 3, onMerged: () => li.remove() }),
        h('a', { href: `/app/complaints/${c.id}#reject`, class: 'small' }, t('triage.more')));
      return li;
    },
  });
}

export function review(root) {
  return queue(root, {
    title: t('review.queue.title'), lead: t('review.queue.lead'), status: 'answered', empty: t('review.empty'),
    pushWhy: 'push.why.admin',
    card: (c) => {
      const li = complaintCard(c);
      li.firstChild.href = `/app/complaints/${c.id}#review`;
      li.firstChild.append(h('span', { class: 'meta' }, t('review.unit', { unit: c.unit?.name || '—' })));
      return li;
    },
  });
}
