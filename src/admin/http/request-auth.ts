import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError } from '../../errors';
import type { AdminServices } from '../admin.factory';
import type { Principal } from '../auth/principal';

export const CSRF_HEADER = 'x-csrf-token';

/** `__Host-` pins the cookie to this host and path / over HTTPS; plain HTTP (development) cannot use it. */
export const sessionCookieName = (secure: boolean) => (secure ? '__Host-slate_session' : 'slate_session');

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(res: Response, services: AdminServices, token: string, expiresAt: Date): void {
  const secure = services.config.cookieSecure;
  res.cookie(sessionCookieName(secure), token, { httpOnly: true, secure, sameSite: 'strict', path: '/', expires: expiresAt });
}

export function clearSessionCookie(res: Response, services: AdminServices): void {
  const secure = services.config.cookieSecure;
  res.clearCookie(sessionCookieName(secure), { httpOnly: true, secure, sameSite: 'strict', path: '/' });
}

/** An API token (Authorization: Bearer) or a session cookie; null when neither is valid. */
export async function authenticate(req: Request, services: AdminServices): Promise<{ principal: Principal; viaCookie: boolean } | null> {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer ([!-~]{1,200})$/.exec(auth);
    const principal = m ? await services.tokens.authenticate(m[1]!) : null;
    return principal ? { principal, viaCookie: false } : null;
  }
  const cookie = readCookie(req, sessionCookieName(services.config.cookieSecure));
  const principal = cookie ? await services.sessions.authenticate(cookie) : null;
  return principal ? { principal, viaCookie: true } : null;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isUnsafe = (method: string) => !SAFE.has(method);

/**
 * CSRF for cookie-authenticated changes, besides SameSite=Strict: the session's token in a header
 * (which a cross-site form or image cannot send) and, where the browser names one, our own Origin.
 */
export function checkCsrf(req: Request, principal: Principal | null, origins: readonly string[]): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.includes(origin)) throw new AppError('csrf_failed', `requests from ${origin.slice(0, 100)} are not accepted`);
  if (!principal) return;
  const sent = req.headers[CSRF_HEADER];
  const want = principal.csrfToken ?? '';
  if (typeof sent !== 'string' || sent.length !== want.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(want))) {
    throw new AppError('csrf_failed', `send the session's CSRF token in the ${CSRF_HEADER} header`);
  }
}
