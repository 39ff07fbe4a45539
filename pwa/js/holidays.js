// "Kelola" → Hari libur: the holidays of a year, adding one and removing one.
// A change moves the answer deadlines already running (the server does that).
import { t, locale } from './i18n.js';
import { api, errText } from './api.js';
import { h, field, submitting, toast, fill } from './ui.js';

const dayName = (iso) => new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'long' })
  .format(new Date(`${iso}T00:00:00`));

export async function holidaysTab(body, year = new Date().getFullYear()) {
  const list = await api(`/holidays?year=${year}`);
  const reload = (y = year) => holidaysTab(body, y).catch((e) => toast(errText(e), 'error'));
  const years = [year - 1, year, year + 1];
  const pick = h('select', { name: 'year', value: String(year) }, years.map((y) => h('option', { value: y }, y)));
  pick.onchange = () => reload(Number(pick.value));
  const date = h('input', { name: 'date', type: 'date', required: true, min: `${year - 1}-01-01` });
  const name = h('input', { name: 'name', required: true, maxLength: 200 });
  const add = h('form', { class: 'stack' }, field(t('hol.date'), date), field(t('hol.name'), name),
    h('button', { class: 'btn' }, t('manage.create')));
  add.onsubmit = (e) => {
    e.preventDefault();
    submitting(add, async () => {
      await api('/holidays', { method: 'POST', body: { date: date.value, name: name.value.trim() } });
      toast(t('hol.added'));
      reload(Number(date.value.slice(0, 4)));
    });
  };
  const rows = list.map((d) => {
    const del = h('button', { type: 'button', class: 'btn small danger' }, t('manage.delete'));
    del.setAttribute('aria-label', t('hol.delete', { name: d.name, date: d.date }));
    const li = h('li', null, h('strong', null, d.name), h('span', { class: 'meta' }, dayName(d.date)), del);
    del.onclick = async () => {
      del.disabled = true;
      try {
        await api(`/holidays/${d.date}`, { method: 'DELETE' });
        toast(t('hol.deleted'));
        reload();
      } catch (e) {
        toast(errText(e), 'error');
        del.disabled = false;
      }
    };
    return li;
  });
  fill(body,
    h('p', null, t('hol.lead')),
    field(t('hol.year'), pick),
    h('details', { class: 'fold create' }, h('summary', null, t('hol.add')), add),
    list.length ? h('ul', { class: 'rows holidays' }, rows) : h('p', null, t('hol.empty', { year })));
}
