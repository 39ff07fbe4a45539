import { t, tOr } from './i18n.js';
import { api, units } from './api.js';
import { h, field, fmtDate, chip, kindChip, slaBadge, tickSla, submitting, toast, alertBox, fill, unitSelect, suggestedUnit } from './ui.js';
import { pushCard } from './push.js';
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
    ['detail.category', c.category?.name || t('detail.none')],
    ['detail.unit', c.unit?.name || (c.suggested_unit ? t('detail.suggested', { name: c.suggested_unit.name }) : t('detail.none'))],
    ['detail.created', fmtDate(c.created_at)],
  ];
  if (c.status === 'routed' && c.sla_due_at) rows.push(['detail.due', [fmtDate(c.sla_due_at), ' ', slaBadge(c.sla_due_at)]]);
  if (me.role !== 'citizen') {
    // The API leaves the reporter out when a PIC may not see it; say so rather than show a blank.
    rows.push(['detail.reporter', c.reporter ? c.reporter.name : t('detail.hidden')]);
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

function answerBlock(c, me) {
  const a = latest(c, 'answer');
  // Admins see the draft in the review form; show the published block to everyone else.
  if (!a || (me.role === 'admin' && c.status === 'answered')) return null;
  const title = c.status === 'answered' ? t('detail.answer.draft') : t('detail.answer');
  return h('section', { class: 'answer' }, h('h2', null, title),
    h('p', { class: 'pre' }, a.body), h('p', { class: 'meta' }, fmtDate(a.created_at)));
}

function citizenPanel(ctx, c, id) {
  const out = [];
  if (c.status === 'released') {
    const comment = h('textarea', { name: 'comment', rows: 2, maxLength: 1000 });
    const stars = h('div', { class: 'stars' }, [1, 2, 3, 4, 5].map((n) => {
      const r = h('input', { type: 'radio', name: 'score', value: n, id: `score-${n}`, required: true, class: 'sr-only' });
      return [r, h('label', { for: `score-${n}`, title: t(`rate.${n}`) }, h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'sr-only' }, t(`rate.${n}`)))];
    }));
    out.push(h('h2', null, t('rate.title')), actionForm(ctx, 'rate',
      [h('fieldset', null, h('legend', null, t('rate.legend')), stars), field(t('rate.comment'), comment)],
      t('rate.submit'),
      () => api(`/complaints/${id}/rating`, { method: 'POST', body: { score: Number(stars.querySelector('input:checked')?.value), ...(comment.value.trim() && { comment: comment.value.trim() }) } }),
      t('rate.thanks')));
  }
  if (c.rating) {
    out.push(h('p', { class: 'rated' }, t('rate.given', { score: c.rating.score }), ' ',
      h('span', { 'aria-hidden': 'true' }, '★'.repeat(c.rating.score) + '☆'.repeat(5 - c.rating.score))));
  }
  if (!['closed', 'rejected'].includes(c.status)) {
    const body = textarea('reply', { rows: 3 });
    const hint = c.status === 'released' ? t('reply.reopen') : t('reply.hint');
    out.push(h('h2', null, t(c.status === 'released' ? 'reply.title.released' : 'reply.title')),
      actionForm(ctx, 'reply', field(t('reply.label'), body, hint), t('reply.submit'),
        () => api(`/complaints/${id}/replies`, { method: 'POST', body: { body: body.value.trim() } }), t('reply.sent')));
  }
  return out;
}

function picPanel(ctx, c, id) {
  const hint = ['routed', 'answered'].includes(c.status) ? similarHint(c) : null;
  if (c.status !== 'routed') return [hint];
  const answer = textarea('answer', { id: 'answer', rows: 6 });
  const reason = textarea('reason', { rows: 3 });
  // The admin's latest word: why it came back, or what to look at when dispatched.
  const note = (c.messages || []).filter((m) => m.kind === 'note' && m.author_role === 'admin').at(-1);
  const returned = c.events?.at(-1)?.type === 'return';
  return [
    note && h('p', { class: 'notice' }, h('strong', null, t(returned ? 'pic.returned' : 'pic.note')), ' ', note.body),
    hint,
    h('h2', null, t('pic.answer.title')),
    actionForm(ctx, 'answer', [templatePicker(c, answer), field(t('pic.answer.label'), answer, t('pic.answer.hint'))], t('pic.answer.submit'),
      () => api(`/complaints/${id}/answer`, { method: 'POST', body: { body: answer.value.trim() } }), t('pic.answer.sent')),
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
      actionForm(ctx, 'dispatch', [field(t('triage.unit'), sel, suggestedUnit(c) && t('triage.unit.suggested')), field(t('triage.note'), note)],
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
        me.role !== 'citizen' && c.kind_source === 'system' && h('span', { class: 'chip ghost' }, t('detail.kind.system'))),
      facts(c, me),
      h('section', null, h('h2', null, t('detail.body')), h('p', { class: 'pre' }, c.body)),
      attachments(c), place(c),
      answerBlock(c, me),
      conversation(c), timeline(c));
    // Rebuild the action forms only when the status moved, so a live refresh
    // never wipes an answer someone is half-way through typing.
    if (c.status !== shownStatus) {
      shownStatus = c.status;
      const parts = me.role === 'citizen' ? citizenPanel(ctx, c, id) : me.role === 'pic' ? picPanel(ctx, c, id) : await adminPanel(ctx, c, id);
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
