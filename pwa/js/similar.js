// "Mungkin sama dengan …": the complaints that look like the same problem, on
// the triage card and the complaint page; an admin merges with one tap.
import { t } from './i18n.js';
import { api, ApiError, errText } from './api.js';
import { h, toast } from './ui.js';

// A triage page asks for up to 30 cards at once; three at a time keeps the
// phone's connection free for what the admin taps.
const PARALLEL = 3;
let running = 0;
const waiting = [];
async function limited(work) {
  if (running >= PARALLEL) await new Promise((go) => waiting.push(go));
  running += 1;
  try { return await work(); } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

const distance = (m) => (m == null ? '' : m < 1000 ? ` · ${m} m` : ` · ${(m / 1000).toFixed(1)} km`);

const MERGEABLE = ['received', 'routed', 'answered'];

export function mergeError(e, into) {
  if (e instanceof ApiError && e.status === 409) return t('similar.merge.409', { into: into.tracking_no });
  if (e instanceof ApiError && e.status === 404) return t('similar.merge.404');
  return errText(e);
}

// `c` the complaint shown; `merge` true when the viewer may merge it (admin);
// `onMerged(into)` after a merge went through.
export function similarHint(c, { merge = false, limit = 5, onMerged } = {}) {
  const box = h('div', { class: 'similar', hidden: true, 'aria-live': 'polite' });
  limited(() => api(`/complaints/${c.id}/similar`)).then((found) => {
    const shown = (found || []).slice(0, limit);
    if (!shown.length) return;
    box.hidden = false;
    box.replaceChildren(...shown.map((s) => row(c, s, merge && MERGEABLE.includes(c.status), onMerged)));
  }, () => {}); // a hint that cannot load is simply not shown
  return box;
}

function row(c, s, canMerge, onMerged) {
  const other = s.complaint;
  const why = (s.reasons || []).map((r) => t(`similar.reason.${r}`)).join(', ');
  const line = h('p', { class: 'similar-row' },
    t('similar.maybe'), ' ',
    h('a', { href: `/app/complaints/${other.id}` }, other.tracking_no), distance(s.distance_m),
    h('span', { class: 'meta' }, ` — ${other.title}`, why && ` (${why})`));
  if (!canMerge) return line;
  const btn = h('button', { type: 'button', class: 'btn small ghost merge' }, t('similar.merge'));
  btn.setAttribute('aria-label', t('similar.merge.into', { no: c.tracking_no, into: other.tracking_no }));
  btn.onclick = async () => {
    btn.disabled = true;
    try {
      await api(`/complaints/${c.id}/merge`, { method: 'POST', body: { into: other.id } });
      toast(t('similar.merged', { no: c.tracking_no, into: other.tracking_no }));
      onMerged?.(other);
    } catch (e) {
      toast(mergeError(e, other), 'error');
      btn.disabled = false;
    }
  };
  line.append(' ', btn);
  return line;
}
