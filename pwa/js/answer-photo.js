import { t } from './i18n.js';
import { api } from './api.js';
import { h, field, submitting, toast } from './ui.js';

// A PIC adds a photo to the answer being written (the result of the work,
// say). The server keeps it from the reporter until the answer is released.
export function answerPhotoForm(id, done) {
  const file = h('input', { type: 'file', name: 'file', accept: 'image/jpeg,image/png,image/webp,application/pdf', required: true });
  const form = h('form', { class: 'stack answer-photo' },
    field(t('pic.photo.label'), file, t('pic.photo.hint')),
    h('button', { class: 'btn ghost' }, t('pic.photo.submit')));
  form.onsubmit = (e) => {
    e.preventDefault();
    submitting(form, async () => {
      const body = new FormData();
      body.append('file', file.files[0]);
      await api(`/complaints/${id}/attachments`, { method: 'POST', body });
      toast(t('pic.photo.sent'));
      form.reset();
      done();
    });
  };
  return form;
}
