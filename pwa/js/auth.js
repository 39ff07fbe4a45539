import { t, lang, loadLang } from './i18n.js';
import { api, ApiError } from './api.js';
import { h, field, toast } from './ui.js';
import { unsubscribe } from './push.js';
import { guard } from './lazy/field-errors.js';
import { pushStatus } from './lazy/push-status.js';

const input = (props) => h('input', { required: true, ...props });

function afterLogin(ctx, user) {
  ctx.setMe(user);
  const next = sessionStorage.getItem('upik.next');
  sessionStorage.removeItem('upik.next');
  ctx.go(next && next.startsWith('/app/') ? next : ctx.home(user), true);
}

export function login(root, params, ctx) {
  const user = input({ name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: false });
  const pass = input({ name: 'password', type: 'password', autocomplete: 'current-password' });
  const form = h('form', { class: 'stack' },
    field(t('auth.username'), user),
    field(t('auth.password'), pass),
    h('p', null, h('a', { href: '/app/lupa' }, t('reset.forgot.link'))),
    h('button', { class: 'btn wide' }, t('auth.login')));
  guard(form, 'login', { username: user, password: pass }, () => ({ username: user.value.trim(), password: pass.value }), async () => {
    try {
      const r = await api('/auth/login', { method: 'POST', body: { username: user.value.trim(), password: pass.value }, quiet401: true });
      afterLogin(ctx, r.user);
    } catch (err) {
      throw err instanceof ApiError && err.status === 401 ? t('auth.bad') : err;
    }
  });
  // Shown only while the browser offers installation (not installed yet, criteria met).
  const installHint = h('section', { class: 'notice', hidden: !ctx.install?.available() },
    h('h2', null, t('install.title')), h('p', null, t('install.why')),
    h('button', { type: 'button', class: 'btn', onclick: () => ctx.install.prompt() }, t('install.go')));
  const stopWatching = ctx.install?.watch((offered) => { installHint.hidden = !offered; });
  root.append(
    h('div', { class: 'hero' }, h('h1', null, t('auth.login.title')), h('p', null, t('auth.login.lead'))),
    // First visit: how it works, and what needs no account.
    h('ol', { class: 'how', 'aria-label': t('how.title') },
      h('li', null, t('how.report')), h('li', null, t('how.routed')), h('li', null, t('how.answered'))),
    h('p', { class: 'how-links' }, h('a', { href: '/app/lacak' }, t('how.track')),
      h('a', { href: '/app/publik' }, t('how.list')), h('a', { href: '/app/statistik' }, t('how.stats'))),
    form,
    h('p', { class: 'center' }, t('auth.noaccount'), ' ', h('a', { href: '/app/register' }, t('auth.register.link'))),
    installHint);
  return { destroy: () => stopWatching?.() };
}

export function register(root, params, ctx) {
  const name = input({ name: 'name', autocomplete: 'name', maxLength: 120 });
  const user = input({ name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: false, maxLength: 64 });
  const pass = input({ name: 'password', type: 'password', autocomplete: 'new-password', minLength: 8 });
  const phone = h('input', { name: 'phone', type: 'tel', autocomplete: 'tel', inputMode: 'tel' });
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email' });
  const form = h('form', { class: 'stack' },
    field(t('auth.name'), name),
    field(t('auth.username'), user, t('auth.username.hint')),
    field(t('auth.password'), pass, t('auth.password.hint')),
    field(t('auth.phone'), phone, t('auth.phone.hint')),
    field(t('auth.email'), email),
    h('button', { class: 'btn wide' }, t('auth.register')));
  const body = () => {
    const b = { username: user.value.trim(), password: pass.value, name: name.value.trim() };
    if (phone.value.trim()) b.phone = phone.value.trim();
    if (email.value.trim()) b.email = email.value.trim();
    return b;
  };
  guard(form, 'register', { name, username: user, password: pass, phone, email }, body, async () => {
    const b = body();
    await api('/auth/register', { method: 'POST', body: b });
    const r = await api('/auth/login', { method: 'POST', body: { username: b.username, password: b.password } });
    toast(t('auth.welcome', { name: r.user.name }));
    sessionStorage.setItem('upik.next', '/app/new');
    afterLogin(ctx, r.user);
  });
  root.append(
    h('h1', null, t('auth.register.title')),
    h('p', null, t('auth.register.lead')),
    form,
    h('p', { class: 'center' }, t('auth.haveaccount'), ' ', h('a', { href: '/app/login' }, t('auth.login'))));
}

export async function account(root, params, ctx) {
  const me = ctx.me;
  const pushBox = pushStatus(me);
  const out = h('button', { type: 'button', class: 'btn danger wide' }, t('auth.logout'));
  out.onclick = async () => {
    const queued = (await self.UpikStore.idb.all('outbox')).filter((i) => i.owner === me.id);
    if (queued.length && !confirm(t('auth.logout.queued', { n: queued.length }))) return;
    out.disabled = true;
    // Order matters: the server must forget this device before the session ends.
    await unsubscribe().catch(() => {});
    await api('/auth/logout', { method: 'POST', quiet401: true }).catch(() => {});
    await self.UpikStore.idb.clear('outbox').catch(() => {});
    ctx.setMe(null);
    ctx.go('/app/login');
  };
  const langBtn = h('button', { type: 'button', class: 'btn ghost', lang: lang === 'id' ? 'en' : 'id' }, t('lang.other'));
  langBtn.onclick = async () => {
    await loadLang(lang === 'id' ? 'en' : 'id');
    ctx.go('/app/account', true);
  };
  root.append(
    h('h1', null, t('account.title')),
    h('dl', { class: 'facts' },
      h('dt', null, t('auth.name')), h('dd', null, me.name),
      h('dt', null, t('auth.username')), h('dd', null, me.username),
      h('dt', null, t('account.role')), h('dd', null, t(`role.${me.role}`))),
    h('h2', null, t('push.title')), pushBox,
    h('h2', null, t('lang.title')), langBtn,
    h('h2', null, t('account.session')), out);
}
