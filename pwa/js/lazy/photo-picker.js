// The photo field: type and size are checked the moment a photo is picked
// (against the server's published attachment rules), the message goes under
// the field, and several photos may be chosen, up to the cap.
import { t } from '../i18n.js';
import { h } from '../ui.js';
import { rules, showFieldMessage, clearErrors } from './field-errors.js';
import { shrinkPhoto } from './shrink-photo.js';

// The server's per-complaint cap (attachment_limits.MAX_PER_COMPLAINT; not in /rules yet).
export const MAX_PHOTOS = 10;
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

const mb = (bytes) => (bytes / 1048576).toLocaleString(undefined, { maximumFractionDigits: 1 });

/** {el, input, photos(), clear()}; `id` names the file input (its label's `for`). */
export function photoPicker(id, { max = MAX_PHOTOS } = {}) {
  const input = h('input', { type: 'file', accept: PHOTO_TYPES.join(','), multiple: true, class: 'sr-only', id, name: 'photos' });
  const list = h('ul', { class: 'preview' });
  const count = h('p', { class: 'hint', id: `${id}-n` });
  const chosen = [];
  input.setAttribute('aria-describedby', count.id);

  function draw() {
    list.replaceChildren(...chosen.map((p, i) => {
      const url = URL.createObjectURL(p);
      return h('li', null,
        h('img', { src: url, alt: t('photo.preview.n', { n: i + 1 }), onload: () => URL.revokeObjectURL(url) }),
        h('span', null, t('photo.size', { kb: Math.round(p.size / 1024) })),
        h('button', { type: 'button', class: 'btn ghost', onclick: () => { chosen.splice(i, 1); draw(); } }, t('photo.remove')));
    }));
    count.textContent = t('photo.count', { n: chosen.length, max });
  }

  // Sending waits for photos still being prepared, so a quick tap loses none.
  let busy = Promise.resolve();
  input.onchange = () => { busy = busy.then(take, take); };
  async function take() {
    const picked = [...input.files];
    input.value = ''; // the same file may be picked again after a removal
    if (!picked.length) return;
    const limits = (await rules()).attachment || {};
    const types = (limits.content_types || PHOTO_TYPES).filter((x) => PHOTO_TYPES.includes(x));
    const problems = [];
    count.textContent = t('photo.preparing');
    for (const f of picked) {
      if (chosen.length >= max) { problems.push(t('photo.too.many', { max })); break; }
      if (!types.includes(f.type)) { problems.push(t('photo.bad.type', { name: f.name })); continue; }
      const p = await shrinkPhoto(f);
      if (limits.max_bytes && p.size > limits.max_bytes) {
        problems.push(t('photo.too.big', { name: f.name, max: mb(limits.max_bytes) }));
        continue;
      }
      chosen.push(p);
    }
    draw();
    if (problems.length) showFieldMessage(input, problems.join(' ')); else clearErrors({ x: input });
  }
  draw();
  const el = h('div', { class: 'photos' }, input,
    h('label', { for: id, class: 'btn ghost' }, t('photo.take')), count, list);
  return {
    el, input, photos: () => [...chosen], ready: () => busy,
    clear: () => { chosen.length = 0; draw(); },
    keep: (list) => { chosen.push(...list); draw(); },
  };
}
