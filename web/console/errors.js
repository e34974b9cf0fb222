import { t } from './i18n.js';
import { notice } from './dom.js';

const KNOWN = new Set([
  'invite_invalid', 'webauthn_failed', 'passkey_cancelled', 'rate_limited', 'forbidden', 'not_found', 'step_up_required',
  'confirmation_mismatch', 'network',
]);

/** What a person should read for an API or passkey error: known codes in their language, else the server's message. */
export function errorText(err) {
  const code = err?.code;
  if (KNOWN.has(code)) return t(`err.${code}`);
  if (code === 'validation_failed' || code === 'conflict') return t(`err.${code}`, { message: err.message });
  return t('err.generic', { message: err?.message ?? String(err) });
}

export const errorNotice = (err) => notice('error', errorText(err));
