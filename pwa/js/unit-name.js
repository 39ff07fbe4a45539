import { h } from './ui.js';

// A closed <select> cuts a long unit name at 360 px and no CSS makes it wrap;
// the line under it spells out the chosen unit in full, and wraps.
export function withFullName(sel) {
  const line = h('p', { class: 'unit-full', 'aria-hidden': 'true' });
  const paint = () => {
    const opt = sel.selectedOptions[0];
    line.textContent = sel.value && opt ? opt.textContent : '';
  };
  sel.addEventListener('change', paint);
  paint();
  return line;
}
