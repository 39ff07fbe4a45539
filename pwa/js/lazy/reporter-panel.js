// What the reporter can do on the complaint page: rate the answer, keep
// talking after rating (a reply on `closed` reopens it, contract v2 "Status
// graph additions"), reopen with a reason after a 1–2 star rating, and add
// photos while the complaint is open.
import { t } from '../i18n.js';
import { api } from '../api.js';
import { h, field, toast } from '../ui.js';
import { guard, showFieldMessage } from './field-errors.js';
import { charCounter } from './char-counter.js';
import { photoPicker } from './photo-picker.js';

const OPEN = ['received', 'routed', 'answered', 'released'];
const REPLY_OK = [...OPEN, 'closed'];
// The server's per-complaint cap (attachment_limits.MAX_PER_COMPLAINT).
const MAX_ATTACHMENTS = 10;

function form(cls, controls, label) {
  return h('form', { class: `stack ${cls}` }, controls, h('button', { class: 'btn' }, label));
}

function ratingForm(ctx, id) {
  const comment = h('textarea', { name: 'comment', rows: 2 });
  const stars = h('fieldset', { class: 'stars-set' }, h('legend', null, t('rate.legend')),
    h('div', { class: 'stars' }, [1, 2, 3, 4, 5].map((n) => {
      const r = h('input', { type: 'radio', name: 'score', value: n, id: `score-${n}`, class: 'sr-only' });
      return [r, h('label', { for: `score-${n}`, title: t(`rate.${n}`) }, h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'sr-only' }, t(`rate.${n}`)))];
    })));
  const commentField = field(t('rate.comment'), comment);
  commentField.append(charCounter(comment, 1000));
  const f = form('rate', [stars, commentField], t('rate.submit'));
  const values = () => {
    const score = stars.querySelector('input:checked')?.value;
    return { score: score ? Number(score) : null, ...(comment.value.trim() && { comment: comment.value.trim() }) };
  };
  guard(f, 'rating', { score: stars, comment }, values, async () => {
    await api(`/complaints/${id}/rating`, { method: 'POST', body: values() });
    toast(t('rate.thanks'));
    ctx.refresh({});
  });
  return [h('h2', null, t('rate.title')), f];
}

function replyForm(ctx, c, id) {
  const low = c.status === 'closed' && c.rating && c.rating.score <= 2;
  const body = h('textarea', { name: 'reply', rows: 3, required: true });
  const reopening = ['released', 'closed'].includes(c.status);
  const bodyField = field(t(low ? 'reopen.label' : 'reply.label'), body, t(reopening ? 'reply.reopen' : 'reply.hint'));
  bodyField.append(charCounter(body, 5000));
  const f = form('reply', bodyField, t(low ? 'reopen.submit' : 'reply.submit'));
  guard(f, 'reply', { body }, () => ({ body: body.value.trim() }), async () => {
    await api(`/complaints/${id}/replies`, { method: 'POST', body: { body: body.value.trim() } });
    toast(t(reopening ? 'reopen.sent' : 'reply.sent'));
    body.value = '';
    ctx.refresh({});
  });
  const heading = low ? 'reopen.title' : c.status === 'closed' ? 'reply.title.closed' : c.status === 'released' ? 'reply.title.released' : 'reply.title';
  return [h('h2', null, t(heading)), low && h('p', null, t('reopen.lead')), f];
}

function morePhotos(ctx, c, id) {
  const room = MAX_ATTACHMENTS - (c.attachments?.length || 0);
  if (room <= 0) return [];
  const pics = photoPicker('more-photos', { max: room });
  const f = form('add-photos', h('fieldset', null, h('legend', null, t('photo.more.legend')), pics.el), t('photo.more.submit'));
  f.noValidate = true;
  f.onsubmit = async (e) => {
    e.preventDefault();
    await pics.ready();
    const list = pics.photos();
    if (!list.length) return showFieldMessage(pics.input, t('photo.none'));
    const btn = f.querySelector('button:not([type=button])');
    btn.disabled = true;
    let sent = 0;
    try {
      for (const p of list) {
        const fd = new FormData();
        fd.append('file', p, `foto.${(p.type || 'image/jpeg').split('/')[1]}`);
        await api(`/complaints/${id}/attachments`, { method: 'POST', body: fd });
        sent++;
      }
      pics.clear();
      toast(t('photo.more.sent', { n: sent }));
      ctx.refresh({});
    } catch (err) {
      // The photos not sent stay picked, so a retry sends only those.
      const rest = list.slice(sent);
      pics.clear();
      pics.keep(rest);
      showFieldMessage(pics.input, err.status === 0 ? t('err.network') : err.status === 409 ? t('photo.too.many', { max: MAX_ATTACHMENTS }) : t('photo.refused.plain'));
    } finally {
      btn.disabled = false;
    }
  };
  return [h('h2', null, t('photo.more.title')), f];
}

export function reporterPanel(ctx, c, id) {
  const out = [];
  if (c.status === 'released') out.push(...ratingForm(ctx, id));
  if (c.rating) {
    out.push(h('p', { class: 'rated' }, t('rate.given', { score: c.rating.score }), ' ',
      h('span', { 'aria-hidden': 'true' }, '★'.repeat(c.rating.score) + '☆'.repeat(5 - c.rating.score))));
  }
  if (REPLY_OK.includes(c.status)) out.push(...replyForm(ctx, c, id));
  if (OPEN.includes(c.status)) out.push(...morePhotos(ctx, c, id));
  return out;
}
