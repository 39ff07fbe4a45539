import { t } from './i18n.js';
import { api, units, items, errText } from './api.js';
import { h, field, submitting, toast, fill, unitSelect, qs } from './ui.js';
import { withFullName } from './unit-name.js';

// "Kelola → Akun petugas": staff accounts only (never citizens), filtered by
// role, each with edit, deactivate/activate and a one-time reset code.

const ROLES = ['staff', 'pic', 'admin'];
const input = (name, props) => h('input', { name, required: true, ...props });

function createForm(us, reload) {
  const username = input('username', { maxLength: 64, autocomplete: 'off', autocapitalize: 'none' });
  const password = input('password', { type: 'password', minLength: 8, autocomplete: 'new-password' });
  const name = input('name', { maxLength: 120 });
  const role = h('select', { name: 'role' }, ['pic', 'admin'].map((r) => h('option', { value: r }, t(`role.${r}`))));
  const unit = unitSelect(us, null);
  const unitField = field(t('manage.unit'), unit, t('manage.unit.pic'));
  role.onchange = () => { unit.required = role.value === 'pic'; unitField.hidden = role.value !== 'pic'; };
  const form = h('form', { class: 'stack' }, field(t('auth.name'), name), field(t('auth.username'), username),
    field(t('auth.password'), password), field(t('account.role'), role), unitField, h('button', { class: 'btn' }, t('manage.create')));
  form.onsubmit = (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await api('/users', { method: 'POST', body: { username: username.value.trim(), password: password.value, name: name.value.trim(), role: role.value, ...(role.value === 'pic' && { unit_id: Number(unit.value) }) } });
      toast(t('manage.saved'));
      reload();
    });
  };
  return h('details', { class: 'fold create' }, h('summary', null, t('manage.users.add')), form);
}

// The code is shown here once: it is not kept anywhere the page can fetch again.
function resetButton(u) {
  const box = h('div', { class: 'reset-result', role: 'status' });
  const btn = h('button', { type: 'button', class: 'btn ghost' }, t('people.reset'));
  btn.onclick = async () => {
    btn.disabled = true;
    try {
      const r = await api(`/users/${u.id}/reset-code`, { method: 'POST' });
      fill(box, h('p', { class: 'notice reset-code' }, t('people.reset.code'), ' ', h('strong', { class: 'code' }, r.code), ' ',
        t('people.reset.until', { at: new Date(r.expires_at).toLocaleString() }), h('br'), h('span', { class: 'meta' }, t('people.reset.once'))));
    } catch (e) {
      toast(errText(e), 'error');
    } finally {
      btn.disabled = false;
    }
  };
  return [btn, box];
}

function userRow(u, us, reload) {
  const unitOf = us.find((x) => x.id === u.unit_id);
  const name = input('name', { value: u.name, maxLength: 120 });
  const unit = unitSelect(us, u.unit_id);
  const form = h('form', { class: 'stack' }, field(t('auth.name'), name),
    u.role === 'pic' && [field(t('manage.unit'), unit), withFullName(unit)], h('button', { class: 'btn' }, t('manage.save')));
  form.onsubmit = (e) => {
    e.preventDefault();
    submitting(form, async () => {
      await api(`/users/${u.id}`, { method: 'PATCH', body: { name: name.value.trim(), ...(u.role === 'pic' && { unit_id: Number(unit.value) }) } });
      toast(t('manage.saved'));
      reload();
    });
  };
  const toggle = h('button', { type: 'button', class: `btn ghost ${u.is_active ? 'danger' : ''}` }, t(u.is_active ? 'people.deactivate' : 'people.activate'));
  toggle.onclick = async () => {
    toggle.disabled = true;
    try {
      await api(`/users/${u.id}`, { method: 'PATCH', body: { is_active: !u.is_active } });
      toast(t(u.is_active ? 'people.deactivated' : 'people.activated'));
      reload();
    } catch (e) {
      toast(errText(e), 'error');
      toggle.disabled = false;
    }
  };
  return h('li', { class: u.is_active ? 'user' : 'user inactive' }, h('details', { class: 'fold' },
    h('summary', null, h('strong', null, u.name), ' ',
      h('span', { class: 'meta' }, `${u.username} · ${t(`role.${u.role}`)}${unitOf ? ` · ${unitOf.name}` : ''}`),
      !u.is_active && h('span', { class: 'chip ghost' }, t('people.inactive'))),
    form, h('div', { class: 'row-actions' }, toggle, resetButton(u))));
}

export async function usersTab(body, role = 'staff') {
  const [list, us] = await Promise.all([api(`/users?${qs({ role })}`).then(items), units()]);
  const reload = (r = role) => usersTab(body, r).catch((e) => toast(errText(e), 'error'));
  const filter = h('select', { name: 'role', id: 'people-role', value: role },
    ROLES.map((r) => h('option', { value: r }, t(`people.filter.${r}`))));
  filter.onchange = () => reload(filter.value);
  fill(body,
    createForm(us, () => reload()),
    field(t('people.filter'), filter),
    h('ul', { class: 'rows people' }, list.length ? list.map((u) => userRow(u, us, () => reload())) : h('li', { class: 'empty' }, t('people.empty'))));
}
