import { h, notice, replace } from '../dom.js';
import { errorNotice } from '../errors.js';
import { t } from '../i18n.js';
import { inviteOptions, passkeysSupported, redeemInvite } from '../passkeys.js';

/** Challenges live 5 minutes on the server; older options are fetched again before the ceremony. */
const OPTIONS_FRESH_MS = 4 * 60_000;

/**
 * An invite link (`/console/invite#TOKEN`): the token rides in the fragment, which browsers never
 * send to a server. The invitee names themselves and registers a passkey; that signs them in.
 */
export function invitePage(main, { signedIn, hash }) {
  const token = hash;
  const section = h('section', { class: 'narrow' }, h('h1', {}, t('invite.title')));
  replace(main, section);
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return void section.append(notice('error', t('invite.missing')));
  if (!passkeysSupported()) return void section.append(notice('error', t('webauthn.unsupported')));

  let ceremony = null;
  let fetchedAt = 0;
  const fresh = async () => {
    if (!ceremony || Date.now() - fetchedAt > OPTIONS_FRESH_MS) {
      ceremony = await inviteOptions(token);
      fetchedAt = Date.now();
    }
    return ceremony;
  };
  const status = h('div', { id: 'status' });
  let abandoned = false;

  fresh().then((c) => {
    if (abandoned) return;
    // The invite names the address, or leaves it to the invitee (the first administrator).
    const named = typeof c.options.user?.name === 'string' && c.options.user.name.includes('@') ? c.options.user.name : null;
    const displayName = h('input', { id: 'display-name', name: 'displayName', required: true, maxlength: 200, autocomplete: 'name' });
    const email = named ? null : h('input', { id: 'email', name: 'email', type: 'email', required: true, maxlength: 254, autocomplete: 'email' });
    const passkeyName = h('input', { id: 'passkey-name', name: 'passkeyName', maxlength: 100 });
    const button = h('button', { type: 'submit', id: 'create-passkey', class: 'primary' }, t('invite.button'));
    const submit = async (e) => {
      e.preventDefault();
      button.disabled = true;
      replace(status, notice('info', t('webauthn.busy')));
      try {
        const details = { displayName: displayName.value.trim() };
        if (email) details.email = email.value.trim();
        if (passkeyName.value.trim()) details.passkeyName = passkeyName.value.trim();
        const session = await redeemInvite(token, await fresh(), details);
        signedIn(session);
      } catch (err) {
        ceremony = null; // a challenge is used up by any attempt
        replace(status, errorNotice(err));
        button.disabled = false;
      }
    };
    section.append(
      h('p', {}, t('invite.intro')),
      named ? h('p', { id: 'invite-email' }, t('invite.for', { email: named })) : null,
      h('form', { onsubmit: submit, class: 'stack' },
        h('label', {}, t('invite.displayName'), displayName),
        email ? h('label', {}, t('invite.email'), email) : null,
        h('label', {}, t('invite.passkeyName'), passkeyName),
        button,
      ),
      status,
    );
  }, (err) => section.append(errorNotice(err)));
  return () => (abandoned = true);
}
