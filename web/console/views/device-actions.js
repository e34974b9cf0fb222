import { api } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { errorNotice } from '../errors.js';
import { t } from '../i18n.js';
import { stepUp } from '../passkeys.js';

/** Mirrors the server's role matrix (src/admin/rbac/roles.ts) only to hide buttons; the server decides. */
const MAY_ACT = new Set(['authority_admin', 'municipality_admin', 'school_it', 'helpdesk']);
const MAY_WIPE = new Set(['authority_admin', 'municipality_admin', 'school_it']);

/**
 * Lock, lost mode on/off and wipe for one device. Each opens a small form; the answer (a queued
 * command) is reported in `status` and `changed()` reloads the page's data.
 */
export function deviceActions(device, { session, status, changed }) {
  if (!MAY_ACT.has(session.role) || device.platform !== 'apple') return null;
  const panel = h('div', { class: 'action-form', id: 'action-form' });
  const id = encodeURIComponent(device.id);

  const run = async (button, method, path, body) => {
    button.disabled = true;
    try {
      const r = await api(method, `/devices/${id}/${path}`, body);
      replace(panel);
      replace(status, notice('ok', t('action.queued', { type: r.requestType })));
      changed();
    } catch (err) {
      replace(status, errorNotice(err));
    } finally {
      button.disabled = false;
    }
  };
  const field = (name, key, optional, attrs = {}) => h('label', {}, `${t(key)}${optional ? ` ${t('action.optional')}` : ''}`, h('input', { name, id: `action-${name}`, ...attrs }));
  const form = (name, fields, submitText, onsubmit) => h('form', { class: 'stack', id: `${name}-form`, onsubmit },
    fields, h('div', { class: 'row' },
      h('button', { type: 'submit', class: name === 'wipe' ? 'danger' : 'primary', id: `${name}-send` }, submitText),
      h('button', { type: 'button', onclick: () => replace(panel) }, t('action.cancel'))));
  const values = (f, names) => Object.fromEntries(names.map((n) => [n, f.elements[n].value.trim()]).filter(([, v]) => v !== ''));

  const lock = () => replace(panel, form('lock', [field('message', 'action.message', true, { maxlength: 500 }), field('phoneNumber', 'action.phone', true, { maxlength: 40, type: 'tel' })],
    t('action.lock'), (e) => {
      e.preventDefault();
      run(e.submitter ?? e.target, 'POST', 'lock', values(e.target, ['message', 'phoneNumber']));
    }));

  const lostOn = () => replace(panel, form('lost-mode', [
    field('message', 'action.message', false, { maxlength: 500 }), field('phoneNumber', 'action.phone', false, { maxlength: 40, type: 'tel' }),
    field('footnote', 'action.footnote', true, { maxlength: 200 }),
  ], t('action.lostOn'), (e) => {
    e.preventDefault();
    const body = values(e.target, ['message', 'phoneNumber', 'footnote']);
    if (!body.message && !body.phoneNumber) return replace(status, notice('error', t('action.lostNeedsOne')));
    run(e.submitter ?? e.target, 'POST', 'lost-mode', body);
  }));

  const wipe = () => {
    if (!device.serialNumber) return replace(status, notice('error', t('action.wipeNoSerial')));
    replace(panel,
      notice('error', t('action.wipeWarning', { serial: device.serialNumber })),
      form('wipe', [field('confirmSerial', 'action.wipeSerial', false, { autocomplete: 'off', spellcheck: 'false', required: true, maxlength: 64 })],
        t('action.wipeConfirm'), async (e) => {
          e.preventDefault();
          const button = e.submitter ?? e.target;
          const confirmSerial = e.target.elements.confirmSerial.value.trim();
          if (confirmSerial.toUpperCase() !== device.serialNumber.toUpperCase()) return replace(status, notice('error', t('err.confirmation_mismatch')));
          button.disabled = true;
          replace(status, notice('info', t('webauthn.busy')));
          try {
            // The API takes a wipe only within minutes of a passkey assertion: ask for one now.
            await stepUp();
          } catch (err) {
            button.disabled = false;
            return replace(status, errorNotice(err));
          }
          run(button, 'POST', 'wipe', { confirmSerial });
        }));
  };

  const lostOff = (e) => run(e.currentTarget, 'DELETE', 'lost-mode');
  return h('section', { class: 'actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, t('device.actions')),
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'action-lock', onclick: lock }, t('action.lock')),
      device.state === 'lost'
        ? h('button', { type: 'button', id: 'action-lost-off', onclick: lostOff }, t('action.lostOff'))
        : h('button', { type: 'button', id: 'action-lost-on', onclick: lostOn }, t('action.lostOn')),
      MAY_WIPE.has(session.role) ? h('button', { type: 'button', id: 'action-wipe', class: 'danger', onclick: wipe }, t('action.wipe')) : null,
    ),
    panel,
  );
}
