// Strings live in /i18n/<lang>.json so translators never touch code.
export let lang = localStorage.getItem('upik.lang') === 'en' ? 'en' : 'id';
let dict = {};

export async function loadLang(next = lang) {
  const res = await fetch(`/i18n/${next}.json`);
  dict = await res.json();
  lang = next;
  localStorage.setItem('upik.lang', next);
  document.documentElement.lang = next;
}

export function t(key, vars) {
  let s = dict[key];
  if (s == null) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] ?? m));
  return s;
}

// Falls back to `fallback` (e.g. the raw server value) for keys we lack.
export const tOr = (key, fallback) => (key in dict ? dict[key] : fallback);

export const locale = () => (lang === 'en' ? 'en-GB' : 'id-ID');

// Seeded categories have English names in en.json (`cat.<CODE>`); the server's
// name is the Indonesian one, and the fallback for a category added later.
export const catName = (c) => (c ? (lang === 'en' ? tOr(`cat.${c.code}`, c.name) : c.name) : '');
