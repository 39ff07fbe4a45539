// A visible count under a long text field, with a warning before the limit,
// instead of a `maxlength` that silently cuts what the person typed.
import { t } from '../i18n.js';
import { h } from '../ui.js';

const WARN_AT = 0.9;

/** Returns the counter element; put it after the field. `max` in characters (code points). */
export function charCounter(control, max) {
  const out = h('p', { class: 'counter', id: `${control.id}-c` });
  control.removeAttribute('maxlength');
  const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  control.setAttribute('aria-describedby', [...ids, out.id].join(' '));
  const draw = () => {
    const n = [...control.value].length;
    const over = n > max;
    out.textContent = over ? t('count.over', { n, max, extra: n - max })
      : n >= max * WARN_AT ? t('count.near', { n, max, left: max - n }) : t('count.n', { n, max });
    out.classList.toggle('warn', n >= max * WARN_AT && !over);
    out.classList.toggle('over', over);
  };
  control.addEventListener('input', draw);
  draw();
  return out;
}
