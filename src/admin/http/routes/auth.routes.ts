import { z } from 'zod';
import type { AdminServices } from '../../admin.factory';
import type { AuthenticationResponseJSON, Ceremony, RegistrationResponseJSON } from '../../auth/passkey.service';
import type { Principal } from '../../auth/principal';
import type { StaffMember } from '../../auth/staff.service';
import { clearSessionCookie, setSessionCookie } from '../request-auth';
import { route, type RouteDef } from '../route';
import { ceremony, idParams, noBody, nullableTimestamp, timestamp, webauthnResponse } from '../schemas';

const TAG = 'Sign-in and passkeys';

const sessionView = z.object({
  staffId: z.string(), email: z.string(), role: z.string(), scope: z.string().describe('code of the scope unit'),
  csrfToken: z.string().describe('send it in the X-CSRF-Token header with every change made with this session'),
  stepUpValidUntil: nullableTimestamp.describe('until when wipe, clear passcode, bulk destructive actions and token creation are allowed'),
});
const passkey = z.object({ id: z.string(), name: z.string(), deviceType: z.string(), backedUp: z.boolean(), createdAt: timestamp, lastUsedAt: nullableTimestamp });

/** The browser hands the options to WebAuthn as they are; the API describes them as an object. */
const opaque = (c: Ceremony<object>) => c as { challengeId: string; options: Record<string, unknown> };

function view(p: Principal, stepUpMaxAgeMs: number) {
  return {
    staffId: p.id, email: p.label, role: p.role, scope: p.scopeCode, csrfToken: p.csrfToken ?? '',
    stepUpValidUntil: p.stepUpAt ? new Date(p.stepUpAt.getTime() + stepUpMaxAgeMs) : null,
  };
}

export function authRoutes(s: AdminServices): RouteDef[] {
  const maxAge = s.config.stepUpMaxAgeMs;
  const signedIn = async (member: StaffMember, ip: string | null, res: Parameters<typeof setSessionCookie>[0]) => {
    const started = await s.sessions.start(member, ip);
    setSessionCookie(res, s, started.token, started.expiresAt);
    return view(started.principal, maxAge);
  };
  return [
    route({
      method: 'post', path: '/auth/invites/options', tag: TAG, access: 'public', rateLimited: true,
      summary: 'Start redeeming an invite: passkey registration options',
      body: z.strictObject({ token: z.string().max(200).describe('from the fragment of the invite link') }), response: ceremony,
      handle: async ({ body }) => opaque(await s.passkeys.inviteOptions(body.token)),
    }),
    route({
      method: 'post', path: '/auth/invites/verify', tag: TAG, access: 'public', rateLimited: true, status: 201,
      summary: 'Redeem an invite with the new passkey; signs in',
      body: z.strictObject({
        token: z.string().max(200), challengeId: z.string().max(64), response: webauthnResponse,
        displayName: z.string().min(1).max(200), email: z.email().max(254).optional().describe('only when the invite names none'),
        passkeyName: z.string().min(1).max(100).optional(),
      }),
      response: sessionView,
      handle: async ({ body, ip, res }) => {
        const member = await s.passkeys.redeemInvite({ ...body, response: body.response as unknown as RegistrationResponseJSON }, ip);
        return signedIn(member, ip, res);
      },
    }),
    route({
      method: 'post', path: '/auth/sign-in/options', tag: TAG, access: 'public', rateLimited: true,
      summary: 'Start a passkey sign-in', body: noBody, response: ceremony, handle: async () => opaque(await s.passkeys.signInOptions()),
    }),
    route({
      method: 'post', path: '/auth/sign-in/verify', tag: TAG, access: 'public', rateLimited: true,
      summary: 'Finish a passkey sign-in; sets the session cookie',
      body: z.strictObject({ challengeId: z.string().max(64), response: webauthnResponse }), response: sessionView,
      handle: async ({ body, ip, res }) => signedIn(await s.passkeys.signIn(body.challengeId, body.response as unknown as AuthenticationResponseJSON), ip, res),
    }),
    route({
      method: 'get', path: '/auth/session', tag: TAG, access: 'session', summary: 'The current session', response: sessionView,
      handle: async ({ principal }) => view(principal, maxAge),
    }),
    route({
      method: 'post', path: '/auth/sign-out', tag: TAG, access: 'session', summary: 'End the session', body: noBody, response: null,
      handle: async ({ principal, ip, res }) => {
        await s.sessions.signOut(principal, ip);
        clearSessionCookie(res, s);
      },
    }),
    route({
      method: 'post', path: '/auth/step-up/options', tag: TAG, access: 'session', summary: 'Start a passkey confirmation (step-up)',
      body: noBody, response: ceremony, handle: async ({ principal }) => opaque(await s.passkeys.stepUpOptions(principal)),
    }),
    route({
      method: 'post', path: '/auth/step-up/verify', tag: TAG, access: 'session', summary: 'Finish a passkey confirmation',
      body: z.strictObject({ challengeId: z.string().max(64), response: webauthnResponse }),
      response: z.object({ stepUpValidUntil: timestamp }),
      handle: async ({ principal, body, ip }) => {
        const at = await s.passkeys.stepUp(principal, body.challengeId, body.response as unknown as AuthenticationResponseJSON, ip);
        return { stepUpValidUntil: new Date(at.getTime() + maxAge) };
      },
    }),
    route({
      method: 'get', path: '/auth/passkeys', tag: TAG, access: 'session', summary: 'Your passkeys', response: z.object({ items: z.array(passkey) }),
      handle: async ({ principal }) => ({ items: await s.passkeys.list(principal) }),
    }),
    route({
      method: 'post', path: '/auth/passkeys/options', tag: TAG, access: 'session', summary: 'Start registering another passkey',
      body: noBody, response: ceremony, handle: async ({ principal }) => opaque(await s.passkeys.addOptions(principal)),
    }),
    route({
      method: 'post', path: '/auth/passkeys/verify', tag: TAG, access: 'session', status: 201, summary: 'Register another passkey',
      body: z.strictObject({ challengeId: z.string().max(64), response: webauthnResponse, name: z.string().min(1).max(100) }), response: passkey,
      handle: async ({ principal, body, ip }) => s.passkeys.add(principal, body.challengeId, body.response as unknown as RegistrationResponseJSON, body.name, ip),
    }),
    route({
      method: 'delete', path: '/auth/passkeys/:id', tag: TAG, access: 'session', summary: 'Remove one of your passkeys (not the last)',
      params: idParams, response: null, handle: async ({ principal, params, ip }) => s.passkeys.remove(principal, params.id, ip),
    }),
  ];
}
