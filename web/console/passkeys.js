import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '/console/vendor/simplewebauthn/index.js';
import { api, ApiError, setCsrfToken } from './api.js';

/**
 * The passkey ceremonies against the admin API. The server makes the options (challenge stored
 * server-side, single use) and checks the authenticator's answer; the browser only relays.
 */
export const passkeysSupported = () => browserSupportsWebAuthn();

/** The authenticator said no (cancelled, timed out, no matching passkey): not the server's error. */
function relay(err) {
  if (err instanceof ApiError) return err;
  return new ApiError(0, { error: 'passkey_cancelled', message: String(err?.message ?? err) });
}

async function assert(optionsPath, verifyPath) {
  const { challengeId, options } = await api('POST', optionsPath);
  let response;
  try {
    response = await startAuthentication({ optionsJSON: options });
  } catch (err) {
    throw relay(err);
  }
  return api('POST', verifyPath, { challengeId, response });
}

/** Sign-in with a discoverable passkey; returns the session (its CSRF token is kept for later changes). */
export async function signIn() {
  const session = await assert('/auth/sign-in/options', '/auth/sign-in/verify');
  setCsrfToken(session.csrfToken);
  return session;
}

/** A fresh passkey confirmation for wipe and other destructive actions. */
export function stepUp() {
  return assert('/auth/step-up/options', '/auth/step-up/verify');
}

/** Registration options for an invite: also proves the link is still good before anyone types. */
export function inviteOptions(token) {
  return api('POST', '/auth/invites/options', { token });
}

/** Registers the new passkey with the invite; signs in. */
export async function redeemInvite(token, ceremony, details) {
  let response;
  try {
    response = await startRegistration({ optionsJSON: ceremony.options });
  } catch (err) {
    throw relay(err);
  }
  const session = await api('POST', '/auth/invites/verify', { token, challengeId: ceremony.challengeId, response, ...details });
  setCsrfToken(session.csrfToken);
  return session;
}
