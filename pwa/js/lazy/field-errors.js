// Errors at the field. The rules come from GET /api/v1/rules, which the
// server generates from the Structs it validates with, so the browser checks
// exactly what the server will check. Server refusals (400/409) are mapped to
// the field by `extra[].key` and `extra[].rule`; the person reads plain words
// under the field, never the validator's text, and nothing typed is cleared.
import { t, tOr } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { h, submitting } from '../ui.js';

let rulesP = null;
// Once per page; the service worker keeps the answer for offline starts.
export function rules() {
  rulesP ||= api('/rules').catch(() => { rulesP = null; return { forms: {}, attachment: null }; });
  return rulesP;
}

// The plain sentence for one refusal: a field-specific text when we have one,
// else the rule's general text, else a neutral one. Never the server's English.
export function ruleText(key, rule, limit) {
  const vars = { n: limit ?? '' };
  const s = tOr(`fe.${key}.${rule}`, null) ?? tOr(`fe.rule.${rule}`, null) ?? t('fe.rule.invalid');
  return s.replace(/\{n\}/g, vars.n);
}

const chars = (s) => [...s].length; // msgspec counts code points, not UTF-16 units

// The first broken rule of one field, as {key, rule, limit}, or null.
export function checkValue(key, rule, value) {
  const v = typeof value === 'string' ? value : value ?? null;
  const empty = v == null || v === '' || (Array.isArray(v) && !v.length);
  if (empty) return rule.required || rule.not_blank ? { key, rule: 'required' } : null;
  if (typeof v === 'string') {
    if (rule.not_blank && !v.trim()) return { key, rule: 'required' };
    if (rule.min_length != null && chars(v) < rule.min_length) return { key, rule: 'min_length', limit: rule.min_length };
    if (rule.max_length != null && chars(v) > rule.max_length) return { key, rule: 'max_length', limit: rule.max_length };
    if (rule.no_nul && v.includes('\0')) return { key, rule: 'no_nul' };
    if (rule.pattern) {
      let re = null;
      try { re = new RegExp(rule.pattern, 'u'); } catch { re = null; }
      if (re && !re.test(v)) return { key, rule: 'pattern' };
    }
    if (rule.choices && !rule.choices.includes(v)) return { key, rule: 'choice' };
  }
  if (typeof v === 'number') {
    if (rule.minimum != null && v < rule.minimum) return { key, rule: 'minimum', limit: rule.minimum };
    if (rule.maximum != null && v > rule.maximum) return { key, rule: 'maximum', limit: rule.maximum };
  }
  return null;
}

// Every broken rule of `values` ({key: value}) against the form's published rules.
export async function checkForm(formName, values) {
  const form = (await rules()).forms?.[formName];
  if (!form) return [];
  return Object.entries(values)
    .map(([key, value]) => form.fields?.[key] && checkValue(key, form.fields[key], value))
    .filter(Boolean);
}

// Where the message of field `key` goes: after the control (or its wrapper).
function slot(control) {
  const id = `${control.id || (control.id = `fe${Math.random().toString(36).slice(2, 8)}`)}-e`;
  let box = document.getElementById(id);
  if (!box) {
    box = h('p', { class: 'field-error', id, role: 'alert' });
    (control.closest('.field, .check, fieldset') || control).after(box);
  }
  return box;
}

const focusable = (c) => (c.tagName === 'FIELDSET' ? c.querySelector('input, select, textarea') : c);

function mark(control, on, boxId) {
  const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== boxId);
  if (on) ids.push(boxId);
  if (ids.length) control.setAttribute('aria-describedby', ids.join(' ')); else control.removeAttribute('aria-describedby');
  for (const c of control.tagName === 'FIELDSET' ? control.querySelectorAll('input') : [control]) {
    if (on) c.setAttribute('aria-invalid', 'true'); else c.removeAttribute('aria-invalid');
  }
}

export function clearErrors(controls) {
  for (const c of Object.values(controls)) {
    const box = document.getElementById(`${c.id}-e`);
    if (box) { box.remove(); mark(c, false, box.id); }
  }
}

// Shows each error under its field; returns the errors no field could take.
export function showErrors(controls, errors, focus = true) {
  clearErrors(controls);
  const left = [];
  let first = null;
  for (const e of errors) {
    const control = controls[e.key] || controls[String(e.key || '').split('.')[0]];
    if (!control) { left.push(e); continue; }
    const box = slot(control);
    if (box.textContent) continue; // one message per field: the first rule broken
    box.textContent = e.text || ruleText(e.key, e.rule, e.limit);
    mark(control, true, box.id);
    // Focus goes to the bad field highest on the screen, whatever order the rules came in.
    if (!first || first.compareDocumentPosition(control) & Node.DOCUMENT_POSITION_PRECEDING) first = control;
  }
  if (focus && first) focusable(first)?.focus();
  return left;
}

// A message shown under one field by the caller (e.g. a photo check).
export const showFieldMessage = (control, text) => showErrors({ x: control }, [{ key: 'x', text }], false);

// The form-level sentence for a refusal no field could take.
export function refusalText(e) {
  const first = e?.extra?.[0];
  return first?.rule ? ruleText(first.key || 'form', first.rule, first.limit) : t('fe.rule.invalid');
}

/**
 * Wires a form: the browser's own (English) bubbles are off, the rules of
 * `formName` are checked before `send` runs, and a 400/409 from `send` lands
 * under its field. `values()` returns {key: value} of what will be sent;
 * `controls` maps the same keys to the elements.
 */
export function guard(form, formName, controls, values, send) {
  form.noValidate = true;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitting(form, async () => {
      const bad = await checkForm(formName, values());
      if (showErrors(controls, bad).length < bad.length) return;
      clearErrors(controls);
      try {
        await send();
      } catch (e) {
        if (e instanceof ApiError && (e.status === 400 || e.status === 409 || e.status === 422)) {
          const errs = (e.extra || []).map((x) => ({ key: x.key, rule: x.rule, limit: x.limit }));
          if (errs.length && showErrors(controls, errs).length < errs.length) return;
          // A 409 naming no field: the complaint moved on (e.g. someone acted first).
          throw e.status === 409 && !errs.some((x) => x.key) ? t('fe.state') : refusalText(e);
        }
        throw e; // network, auth, server: said above the button, the text stays in the fields
      }
    });
  });
}
