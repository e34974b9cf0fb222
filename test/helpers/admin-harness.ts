import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Device } from '../../src/db/stores';
import { SoftAuthenticator } from './soft-authenticator';
import { createTestSlate, type TestSlate } from './test-slate';

/** PUBLIC_URL of the test Slate: the WebAuthn origin, and `slate.test` the relying party ID. */
export const ORIGIN = 'https://slate.test';

export interface StaffClient {
  email: string;
  cookie: string;
  csrf: string;
  authn: SoftAuthenticator;
  /** A request carrying the session cookie, CSRF token and Origin like the console sends them. */
  req(method: 'get' | 'post' | 'patch' | 'delete', path: string): request.Test;
  /** A fresh passkey confirmation (step-up). */
  stepUp(): Promise<void>;
}

export interface AdminHarness {
  slate: TestSlate;
  /** An API token (made as the CLI makes it): `Authorization: Bearer`. */
  token(role: string, scope?: string): Promise<string>;
  /** As `token`, a request with it. */
  asToken(token: string, method: 'get' | 'post' | 'patch' | 'delete', path: string): request.Test;
  /** Invited from the CLI, redeemed over HTTP with a software passkey: a signed-in member of staff. */
  staff(role: string, scope?: string): Promise<StaffClient>;
  /** An enrolled Apple device in a school's grade (placed directly in the database). */
  device(school: string, grade?: number, extra?: Partial<Device>): Promise<Device>;
  close(): Promise<void>;
}

/** A Slate with the example organisation (profiles/organisation.yaml) for admin API tests. */
export async function startAdmin(env: Record<string, string> = {}): Promise<AdminHarness> {
  const slate = await createTestSlate({ PUBLIC_URL: ORIGIN, AUTH_RATE_LIMIT: '100000', ...env }, { importOrg: true });
  const http = () => request(slate.express);
  const unit = async (code: string) => (await slate.s.org.getByCode(code))!;
  return {
    slate,
    token: async (role, scope) => (await slate.services.admin.tokens.create(null, { name: `${role}-${scope ?? 'root'}`, role, scope, ttlMs: 86_400_000 })).token,
    asToken: (token, method, path) => http()[method](path).set('Authorization', `Bearer ${token}`),
    staff: async (role, scope) => {
      const email = `${role}.${randomBytes(3).toString('hex')}@schule.example`;
      const invite = await slate.services.admin.staff.invite(null, { email, role, scope });
      const token = invite.url.split('#')[1]!;
      const authn = new SoftAuthenticator(ORIGIN, 'slate.test');
      const opts = await http().post('/api/v1/auth/invites/options').send({ token }).expect(200);
      const done = await http().post('/api/v1/auth/invites/verify').set('Origin', ORIGIN)
        .send({ token, challengeId: opts.body.challengeId, response: authn.register(opts.body.options), displayName: email }).expect(201);
      const cookie = sessionCookie(done.headers['set-cookie']);
      const client: StaffClient = {
        email, cookie, csrf: done.body.csrfToken, authn,
        req: (method, path) => http()[method](path).set('Cookie', client.cookie).set('X-CSRF-Token', client.csrf).set('Origin', ORIGIN),
        stepUp: async () => {
          const o = await client.req('post', '/api/v1/auth/step-up/options').send({}).expect(200);
          await client.req('post', '/api/v1/auth/step-up/verify').send({ challengeId: o.body.challengeId, response: authn.assert(o.body.options) }).expect(200);
        },
      };
      return client;
    },
    device: async (school, grade = 3, extra = {}) => {
      const s = await unit(school);
      const g = await unit(`${school}-${grade}`);
      const serial = `SER${randomBytes(4).toString('hex').toUpperCase()}`;
      return slate.s.devices.create({
        platform: 'apple', udid: `UDID-${randomBytes(8).toString('hex').toUpperCase()}`, serialNumber: serial, name: `iPad ${serial}`,
        schoolId: s.id, gradeId: g.id, state: 'enrolled', enrolledAt: new Date(), lastSeenAt: new Date(), ...extra,
      });
    },
    close: () => slate.dispose(),
  };
}

/** `name=value` of the session cookie from Set-Cookie headers. */
export function sessionCookie(setCookie: string[] | string | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = all.find((x) => x.includes('slate_session='));
  if (!c) throw new Error(`no session cookie in ${JSON.stringify(all)}`);
  return c.split(';')[0]!;
}
