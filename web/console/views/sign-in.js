import { h, notice, replace } from '../dom.js';
import { errorNotice } from '../errors.js';
import { t } from '../i18n.js';
import { passkeysSupported, signIn } from '../passkeys.js';

/** Sign-in with a passkey: the authenticator offers the accounts it holds for this site. */
export function signInPage(main, { signedIn, signedOut, expired }) {
  const status = h('div', { id: 'status' });
  if (signedOut) status.append(notice('ok', t('signIn.signedOut')));
  if (expired) status.append(notice('info', t('signIn.expired')));
  const button = h('button', { type: 'submit', id: 'sign-in', class: 'primary' }, t('signIn.button'));
  const submit = async (e) => {
    e.preventDefault();
    button.disabled = true;
    replace(status, notice('info', t('webauthn.busy')));
    try {
      signedIn(await signIn());
    } catch (err) {
      replace(status, errorNotice(err));
      button.disabled = false;
    }
  };
  replace(main,
    h('section', { class: 'narrow' },
      h('h1', {}, t('signIn.title')),
      h('p', {}, t('signIn.intro')),
      passkeysSupported() ? h('form', { onsubmit: submit }, button) : notice('error', t('webauthn.unsupported')),
      status,
    ),
  );
}
