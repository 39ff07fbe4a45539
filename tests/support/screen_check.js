(() => {
  // Evaluated in the page by conftest.check_screen(); returns a list of problems.
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[hidden],details:not([open]) > :not(summary)');
  };
  const name = (el) => el.id && el.id + ' ' || el.className || el.tagName;
  // 1. Every control has an accessible name.
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden') continue;
    const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
      || (el.tagName === 'BUTTON' && el.textContent.trim());
    if (!labelled) problems.push(`no label: ${el.outerHTML.slice(0, 80)}`);
  }
  // 2. Touch targets of at least 44 px (text links inside sentences are exempt, WCAG 2.5.8).
  for (const el of document.querySelectorAll('button, select, textarea, input:not(.sr-only):not([type=checkbox]):not([type=radio]), .tabs a, a.btn, a.card, summary, .stars label, .subtabs a, a.back')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 43.5 || r.width < 43.5) problems.push(`small target ${Math.round(r.width)}x${Math.round(r.height)}: ${name(el)}`);
  }
  // 3. Nothing wider than the phone.
  if (document.documentElement.scrollWidth > innerWidth + 1) problems.push(`horizontal scroll: ${document.documentElement.scrollWidth}px`);
  // 4. Text contrast AA (4.5:1, 3:1 for large text), against the nearest opaque background.
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const bgOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || seen.has(el) || !visible(el) || el.closest('svg, .sr-only, .toast')) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const fg = rgb(s.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(bgOf(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: "${n.textContent.trim().slice(0, 30)}"`);
  }
  return problems;
})
