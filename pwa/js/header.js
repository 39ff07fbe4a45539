// The bar and banners around the views: language switch, offline notice, the
// static texts of index.html in the current language.
import './outbox.js';
import { t, lang, loadLang } from './i18n.js';
import { $ } from './ui.js';

const store = self.UpikStore;

export function drawHeader() {
  const other = lang === 'id' ? 'en' : 'id';
  const btn = $('#lang');
  btn.textContent = other.toUpperCase();
  btn.setAttribute('aria-label', t('lang.switch'));
  btn.lang = other; // read out in the language it names
  $('#install').textContent = t('install.button');
  $('#skip').textContent = t('skip');
  $('#nav').setAttribute('aria-label', t('nav.label'));
  $('#offline').textContent = t('offline.banner');
  $('#update-text').textContent = t('update.ready');
  $('#update-btn').textContent = t('update.reload');
  // Notifications are built by the worker, which cannot read localStorage.
  store.idb.put('meta', lang, 'lang').catch(() => {});
}

// `redraw` shows the current screen again in the new language.
export function wireLanguageSwitch(redraw) {
  $('#lang').onclick = async () => {
    await loadLang(lang === 'id' ? 'en' : 'id');
    drawHeader();
    redraw();
  };
}

export function showConnection() {
  $('#offline').hidden = navigator.onLine;
}

export function watchConnection() {
  addEventListener('online', showConnection);
  addEventListener('offline', showConnection);
}
