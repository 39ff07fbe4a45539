import { t, tOr, catName } from './i18n.js';
import { api, units } from './api.js';
import { h, field, fmtDate, chip, kindChip, slaBadge, tickSla, submitting, toast, alertBox, fill, unitSelect, suggestedUnit } from './ui.js';
import { pushCard } from './push.js';
import { stepBadge, declinedLine, isReturned, isReopened } from './badges.js';
import { answerPhotoForm } from './answer-photo.js';
import { withFullName } from './unit-name.js';
import { reporterPanel } from './lazy/reporter-panel.js';
import { similarHint } from './similar.js';
import { templatePicker } from './template-picker.js';

const textarea = (name, props) => h('textarea', { name, rows: 4, required: true, maxLength: 5000, ...props });

// A form whose submit POSTs one action, then redraws the complaint (or goes
// to `then`, when the caller will no longer see it).
function actionForm(ctx, cls, controls, label, send, done, then) {
  const form = h('form', { class: `stack ${cls}` }, controls, h('button', { class: 'btn' }, label));
  form.onsubmit = (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await send();
      if (done) toast(done);
      if (then) ctx.go(then); else ctx.refresh({});
    });
  };
  return form;
}

const fold = (summary, id, ...kids) => h('details', { class: 'fold', id }, h('summary', null, summary), ...kids);

function facts(c, me) {
  const rows = [
    ['detail.tracking', c.tracking_no],
    ['detail.category', catName(c.category) || t('detail.none')],
    ['detail.unit', c.unit?.name || (c.suggested_unit ? t('detail.suggested', { name: c.suggested_unit.name }) : t('detail.none'))],
    ['detail.created', fmtDate(c.created_at)],
  ];
  if (c.status === 'routed' && c.sla_due_at) rows.push(['detail.due', [fmtDate(c.sla_due_at), ' ', slaBadge(c.sla_due_at)]]);
  if (me.role !== 'citizen') {
    // The API leaves the reporter out when a PIC may not see it; say so rather than show a blank.
    rows.push(['detail.reporter', c.reporter ? c.reporter.name : t('detail.hidden')]);
    // Present only when the server lets this officer call the reporter (admin; PIC of an open complaint).
    if (c.reporter?.phone) rows.push(['detail.phone', h('a', { href: `tel:${c.reporter.phone.replace(/[^\d+]/g, '')}`, class: 'phone' }, c.reporter.phone)]);
  }
  const flags = [c.is_anonymous && t('detail.anon'), c.is_confidential && t('detail.conf')].filter(Boolean);
  if (flags.length) rows.push(['detail.privacy', flags.join(', ')]);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v)]));
}

function attachments(c) {
  if (!c.attachments?.length) return null;
  return h('section', null, h('h2', null, t('detail.photos')),
    h('div', { class: 'thumbs' }, c.attachments.map((a, i) => {
      const href = `/api/v1/attachments/${a.id}`;
      const label = t('detail.attachment', { n: i + 1 });
      return h('a', { href, target: '_blank', rel: 'noopener' },
        a.content_type?.startsWith('image/') ? h('img', { src: href, alt: label, loading: 'lazy', width: 160, height: 120 }) : label);
    })));
}

function place(c) {
  const l = c.location;
  if (!l || l.lat == null) return null;
  const map = `https://www.openstreetmap.org/?mlat=${l.lat}&mlon=${l.lon}#map=17/${l.lat}/${l.lon}`;
  return h('p', null, h('strong', null, t('detail.location'), ': '), l.address ? `${l.address} ` : '',
    h('a', { href: map, target: '_blank', rel: 'noopener' }, t('detail.map')));
}

const latest = (c, kind) => (c.messages || []).filter((m) => m.kind === kind).at(-1);

function conversation(c) {
  const msgs = (c.messages || []).filter((m) => m.kind !== 'answer');
  if (!msgs.length) return null;
  return h('section', null, h('h2', null, t('detail.messages')),
    h('ul', { class: 'msgs' }, msgs.map((m) => h('li', { class: `msg ${m.kind}` },
      h('span', { class: 'meta' }, tOr(`msg.${m.kind}`, m.kind), ' · ', tOr(`role.${m.author_role}`, m.author_role || ''), ' · ', fmtDate(m.created_at)),
      h('p', { class: 'pre' }, m.body)))));
}

function timeline(c) {
  if (!c.events?.length) return null;
  return h('section', null, fold(t('detail.timeline'), null,
    h('ol', { class: 'timeline' }, c.events.map((e) => h('li', null,
      h('strong', null, tOr(`event.${e.type}`, e.type)),
      h('span', { class: 'meta' }, tOr(`role.${e.actor_role}`, e.actor_role || ''), ' · ', fmtDate(e.at)))))));
}

const adminNote = (c) => (c.messages || []).filter((m) => m.kind === 'note' && m.author_role === 'admin').at(-1);

function answerBlock(c, me) {
  const a = latest(c, 'answer');
  // Admins see the draft in the review form; show the published block to everyone else.
  if (!a || (me.role === 'admin' && c.status === 'answered')) return null;
  if (me.role !== 'citizen' && isReturned(c)) {
    // A returned draft is not the official answer: the admin's reason comes first.
    const note = adminNote(c);
    return h('section', { class: 'answer returned' }, h('h2', null, t('detail.answer.returned')),
      note && h('p', { class: 'notice' }, h('strong', null, t('pic.returned')), ' ', note.body),
      h('p', { class: 'pre' }, a.body), h('p', { class: 'meta' }, fmtDate(a.created_at)));
  }
  const title = c.status === 'answered' ? t('detail.answer.draft') : t('detail.answer');
  return h('section', { class: 'answer' }, h('h2', null, title),
    h('p', { class: 'pre' }, a.body), h('p', { class: 'meta' }, fmtDate(a.created_at)));
}

// After a reply reopened the case, the reporter's new words are what the unit reads first.
function reopenedTop(c, me) {
  if (me.role === 'citizen' || !isReopened(c)) return null;
  const r = latest(c, 'reply');
  return r && h('section', { class: 'notice reopened' }, h('h2', null, t('detail.reopened')),
    h('p', { class: 'pre' }, r.body), h('p', { class: 'meta' }, fmtDate(r.created_at)));
}

function picPanel(ctx, c, id) {
  const hint = ['routed', 'answered'].includes(c.status) ? similarHint(c) : null;
  if (c.status !== 'routed') return [hint];
  const answer = textarea('answer', { id: 'answer', rows: 6 });
  const reason = textarea('reason', { rows: 3 });
  // The admin's latest word: why it came back, or what to look at when dispatched.
  // (A return's note sits on top of the returned draft instead.)
  const note = !isReturned(c) && adminNote(c);
  return [
    note && h('p', { class: 'notice' }, h('strong', null, t('pic.note')), ' ', note.body),
    hint,
    h('h2', null, t('pic.answer.title')),
    actionForm(ctx, 'answer', [templatePicker(c, answer), field(t('pic.answer.label'), answer, t('pic.answer.hint'))], t('pic.answer.submit'),
      () => api(`/complaints/${id}/answer`, { method: 'POST', body: { body: answer.value.trim() } }), t('pic.answer.sent')),
    fold(t('pic.photo.title'), 'answer-photo', answerPhotoForm(id, () => ctx.refresh({}))),
    fold(t('pic.decline.title'), 'decline', actionForm(ctx, 'decline', field(t('pic.decline.label'), reason, t('pic.decline.hint')),
      t('pic.decline.submit'), () => api(`/complaints/${id}/decline`, { method: 'POST', body: { reason: reason.value.trim() } }), t('pic.decline.sent'), '/app/inbox')),
  ];
}

async function adminPanel(ctx, c, id) {
  const similar = ['received', 'routed', 'answered'].includes(c.status)
    ? similarHint(c, { merge: true, onMerged: () => ctx.refresh({}) }) : null;
  return [similar, ...(await adminActions(ctx, c, id))];
}

async function adminActions(ctx, c, id) {
  if (c.status === 'received') {
    const sel = unitSelect(await units(), suggestedUnit(c));
    const note = h('textarea', { name: 'note', rows: 2, maxLength: 1000 });
    const reason = textarea('reason', { rows: 3 });
    return [
      h('h2', null, t('triage.dispatch.title')),
      actionForm(ctx, 'dispatch', [field(t('triage.unit'), sel, suggestedUnit(c) && t('triage.unit.suggested')), withFullName(sel), field(t('triage.note'), note)],
        t('triage.dispatch'), () => api(`/complaints/${id}/dispatch`, { method: 'POST', body: { unit_id: Number(sel.value), ...(note.value.trim() && { note: note.value.trim() }) } }), t('triage.dispatched')),
      fold(t('triage.reject.title'), 'reject', actionForm(ctx, 'reject', field(t('triage.reject.label'), reason, t('triage.reject.hint')),
        t('triage.reject'), () => api(`/complaints/${id}/reject`, { method: 'POST', body: { reason: reason.value.trim() } }), t('triage.rejected'))),
    ];
  }
  if (c.status === 'answered') {
    const original = latest(c, 'answer')?.body || '';
    const body = textarea('body', { id: 'review', rows: 8, value: original });
    const note = textarea('note', { rows: 3 });
    return [
      h('h2', null, t('review.title')),
      h('p', null, t('review.lead', { unit: c.unit?.name || '' })),
      actionForm(ctx, 'release', field(t('review.label'), body, t('review.hint')), t('review.release'), () => {
        const edited = body.value.trim();
        // Only an edit is sent, so the record shows whether the admin changed the PIC's words.
        return api(`/complaints/${id}/release`, { method: 'POST', body: edited && edited !== original.trim() ? { body: edited } : {} });
      }, t('review.released')),
      fold(t('review.return.title'), 'return', actionForm(ctx, 'return', field(t('review.return.label'), note, t('review.return.hint')),
        t('review.return'), () => api(`/complaints/${id}/return`, { method: 'POST', body: { note: note.value.trim() } }), t('review.returned'))),
    ];
  }
  return [];
}

export async function detail(root, [id], ctx) {
  const me = ctx.me;
  const info = h('div');
  const panel = h('div', { class: 'panel' });
  let shownStatus = null;
  let timer = 0;

  async function load() {
    let c;
    try {
      c = await api(`/complaints/${id}`);
    } catch (e) {
      info.replaceChildren(alertBox(e));
      panel.replaceChildren();
      shownStatus = null;
      return;
    }
    fill(info,
      h('h1', null, c.title),
      h('p', { class: 'chips' }, chip(c.status), kindChip(c.kind),
        me.role !== 'citizen' && c.kind_source === 'system' && h('span', { class: 'chip ghost' }, t('detail.kind.system')),
        me.role !== 'citizen' && stepBadge(c)),
      me.role === 'admin' && declinedLine(c),
      reopenedTop(c, me),
      facts(c, me),
      h('section', null, h('h2', null, t('detail.body')), h('p', { class: 'pre' }, c.body)),
      attachments(c), place(c),
      answerBlock(c, me),
      conversation(c), timeline(c));
    // Rebuild the action forms only when the status moved, so a live refresh
    // never wipes an answer someone is half-way through typing.
    if (c.status !== shownStatus) {
      shownStatus = c.status;
      const parts = me.role === 'citizen' ? reporterPanel(ctx, c, id) : me.role === 'pic' ? picPanel(ctx, c, id) : await adminPanel(ctx, c, id);
      fill(panel, parts);
      // Deep links from a notification action (#answer, #review, #reject) land on the form.
      const target = location.hash.length > 1 ? panel.querySelector(location.hash.replace(/[^#\w-]/g, '')) : null;
      if (target?.tagName === 'DETAILS') target.open = true;
      (target?.tagName === 'DETAILS' ? target.querySelector('textarea') : target)?.focus();
    }
  }

  root.append(h('a', { class: 'back', href: ctx.home(me) }, '← ', t('detail.back')),
    info, panel, me.role === 'citizen' ? pushCard('push.why.citizen') || '' : '');
  await load();
  timer = setInterval(() => tickSla(root), 30000);
  return {
    onEvent: (d) => (!d.complaint_id || String(d.complaint_id) === id ? load() : null),
    destroy: () => clearInterval(timer),
  };
}
