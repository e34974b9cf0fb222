import { z } from 'zod';
import { duration, positiveInt } from './schema';

/** The admin API (/api/v1): staff sign-in with passkeys, sessions, API tokens, limits. */
export const adminEnv = {
  /** WebAuthn relying party ID (a domain); default: the host name of PUBLIC_URL. */
  WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9.-]{1,253}$/i, 'expected a domain name such as mdm.example.org').optional(),
  /** Origins a passkey ceremony may come from (comma-separated); default: the origin of PUBLIC_URL. */
  WEBAUTHN_ORIGINS: z.string().optional(),
  /** Name of the relying party shown by the authenticator. */
  WEBAUTHN_RP_NAME: z.string().max(64).default('Slate'),
  /** A staff session ends after this long without a request. */
  SESSION_IDLE_TIMEOUT: duration('30m'),
  /** A staff session ends this long after sign-in, however busy. */
  SESSION_ABSOLUTE_TIMEOUT: duration('12h'),
  /** Wipe, clear passcode, bulk destructive actions and token creation need a passkey assertion at most this old. */
  STEP_UP_MAX_AGE: duration('5m'),
  /** Session cookie with the Secure attribute; default: on when PUBLIC_URL is https. */
  SESSION_COOKIE_SECURE: z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
    .transform((s) => ['1', 'true', 'yes', 'on'].includes(s)).optional(),
  /** Lifetime of a staff invite link. */
  ADMIN_INVITE_TTL: duration('72h'),
  /** Longest lifetime an API token may be given. */
  API_TOKEN_MAX_TTL: duration('366d'),
  /** Requests per minute and client address on the sign-in, invite and token endpoints. */
  AUTH_RATE_LIMIT: positiveInt(20),
  /** Largest admin API request body, in bytes. */
  ADMIN_BODY_LIMIT: positiveInt(65536),
};

type AdminEnv = z.infer<z.ZodObject<typeof adminEnv>>;

export interface AdminConfig {
  rpId: string;
  rpName: string;
  origins: string[];
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  stepUpMaxAgeMs: number;
  cookieSecure: boolean;
  inviteTtlMs: number;
  apiTokenMaxTtlMs: number;
  authRateLimit: number;
  bodyLimit: number;
}

export function adminConfig(e: AdminEnv, publicUrl: string): AdminConfig {
  const url = new URL(publicUrl);
  return {
    rpId: e.WEBAUTHN_RP_ID ?? url.hostname,
    rpName: e.WEBAUTHN_RP_NAME,
    origins: e.WEBAUTHN_ORIGINS ? e.WEBAUTHN_ORIGINS.split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean) : [url.origin],
    sessionIdleMs: e.SESSION_IDLE_TIMEOUT,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_TIMEOUT,
    stepUpMaxAgeMs: e.STEP_UP_MAX_AGE,
    cookieSecure: e.SESSION_COOKIE_SECURE ?? url.protocol === 'https:',
    inviteTtlMs: e.ADMIN_INVITE_TTL,
    apiTokenMaxTtlMs: e.API_TOKEN_MAX_TTL,
    authRateLimit: e.AUTH_RATE_LIMIT,
    bodyLimit: e.ADMIN_BODY_LIMIT,
  };
}
