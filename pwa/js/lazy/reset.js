// "Lupa kata sandi?": ask for a code (/app/lupa) and use it (/app/reset).
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { h, field, toast } from '../ui.js';
import { guard } from './field-errors.js';

const input = (props) => h('input', { required: true, autocapitalize: 'none', spellcheck: false, ...props });

export function forgot(root, params, ctx) {
  const who = input({ name: 'who', autocomplete: 'username' });
  const done = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'stack' },
    field(t('reset.who'), who, t('reset.who.hint')),
    h('button', { class: 'btn wide' }, t('reset.ask')));
  // An e-mail address or a username; the answer is the same whether or not the account exists.
  const body = () => {
    const v = who.value.trim();
    return v.includes('@') ? { email: v } : { username: v };
  };
  // Empty is checked in `send`, with words about "username or e-mail".
  guard(form, 'forgot', { username: who, email: who, who }, () => (who.value.trim() ? body() : {}), async () => {
      // Neither field is required alone (exactly one is), so the empty case is ours to say.
      if (!who.value.trim()) throw new ApiError(400, 'who', [{ key: 'who', rule: 'required' }]);
      await api('/auth/forgot', { method: 'POST', body: body() });
      done.replaceChildren(h('p', { class: 'notice', role: 'status' }, t('reset.asked')),
        h('p', null, h('a', { href: `/app/reset${body().username ? `?username=${encodeURIComponent(body().username)}` : ''}` }, t('reset.have.code'))));
    });
  root.append(h('h1', null, t('reset.forgot.title')), h('p', null, t('reset.forgot.lead')), form, done,
    h('p', { class: 'center' }, h('a', { href: '/app/reset' }, t('reset.have.code')), ' · ', h('a', { href: '/app/login' }, t('auth.login'))));
}

export function reset(root, params, ctx) {
  const q = new URLSearchParams(location.search);
  const user = input({ name: 'username', autocomplete: 'username', value: q.get('username') || '' });
  const code = input({ name: 'code', autocomplete: 'one-time-code', autocapitalize: 'characters' });
  const pass = input({ name: 'new_password', type: 'password', autocomplete: 'new-password' });
  const form = h('form', { class: 'stack' },
    field(t('auth.username'), user),
    field(t('reset.code'), code, t('reset.code.hint')),
    field(t('reset.new'), pass, t('auth.password.hint')),
    h('button', { class: 'btn wide' }, t('reset.submit')));
  const body = () => ({ username: user.value.trim(), code: code.value.trim(), new_password: pass.value });
  guard(form, 'reset', { username: user, code, new_password: pass }, body, async () => {
    await api('/auth/reset', { method: 'POST', body: body() });
    toast(t('reset.done'));
    ctx.go('/app/login');
  });
  root.append(h('h1', null, t('reset.title')), h('p', null, t('reset.lead')), form,
    h('p', { class: 'center' }, h('a', { href: '/app/lupa' }, t('reset.ask.again'))));
  (user.value ? code : user).focus();
}
