import request from 'supertest';
import { ORIGIN, sessionCookie, startAdmin, type AdminHarness } from '../../helpers/admin-harness';
import { SoftAuthenticator } from '../../helpers/soft-authenticator';

/**
 * Passkeys, sessions and tokens over HTTP, with a software authenticator (WebAuthn Level 2
 * §6.1/§6.5 data built by hand): registration from an invite, sign-in, step-up, and every
 * forged, replayed or stale credential refused with its code and nothing changed.
 */
describe('admin API: passkeys, sessions, tokens', () => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdmin();
  }, 60_000);
  afterAll(() => h?.close());

  const http = () => request(h.slate.express);
  const inviteToken = async (email: string, role = 'school_it', scope = 'gs-bildstock') => (await h.slate.services.admin.staff.invite(null, { email, role, scope })).url.split('#')[1]!;
  const staffCount = async () => Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM staff'))!.n);

  it('redeems an invite with a new passkey: a session cookie (httpOnly, Secure, SameSite=Strict) and the CSRF token', async () => {
    const token = await inviteToken('it.bildstock@schule.example');
    const authn = new SoftAuthenticator(ORIGIN, 'slate.test');
    const opts = await http().post('/api/v1/auth/invites/options').send({ token }).expect(200);
    expect(opts.body.options).toMatchObject({ rp: { id: 'slate.test' }, authenticatorSelection: { userVerification: 'required' } });
    const done = await http().post('/api/v1/auth/invites/verify').send({ token, challengeId: opts.body.challengeId, response: authn.register(opts.body.options), displayName: 'IT Bildstock' });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ email: 'it.bildstock@schule.example', role: 'school_it', scope: 'gs-bildstock' });
    const raw = ([] as string[]).concat(done.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-slate_session='))!;
    expect(raw).toMatch(/HttpOnly/);
    expect(raw).toMatch(/Secure/);
    expect(raw).toMatch(/SameSite=Strict/);
    const me = await http().get('/api/v1/auth/session').set('Cookie', sessionCookie(done.headers['set-cookie'])).expect(200);
    expect(me.body.email).toBe('it.bildstock@schule.example');
    // The invite is used up.
    expect((await http().post('/api/v1/auth/invites/options').send({ token })).body.error).toBe('invite_invalid');
  });

  it('first start: an invite for the first administrator, who names their own e-mail; none once one exists', async () => {
    const fresh = await startAdmin();
    try {
      const invite = (await fresh.slate.services.admin.staff.firstAdminInvite())!;
      expect(invite).toMatchObject({ role: 'authority_admin', scope: 'rvsbr', email: '' });
      const token = invite.url.split('#')[1]!;
      const authn = new SoftAuthenticator(ORIGIN, 'slate.test');
      const opts = await request(fresh.slate.express).post('/api/v1/auth/invites/options').send({ token }).expect(200);
      const send = (extra: object) => request(fresh.slate.express).post('/api/v1/auth/invites/verify').send({ token, challengeId: opts.body.challengeId, response: authn.register(opts.body.options), displayName: 'Leitung IT', ...extra });
      expect((await send({})).body.error).toBe('validation_failed');
      const opts2 = await request(fresh.slate.express).post('/api/v1/auth/invites/options').send({ token }).expect(200);
      const done = await request(fresh.slate.express).post('/api/v1/auth/invites/verify')
        .send({ token, challengeId: opts2.body.challengeId, response: authn.register(opts2.body.options), displayName: 'Leitung IT', email: 'leitung@rvsbr.example' });
      expect([done.status, done.body.role, done.body.scope]).toEqual([201, 'authority_admin', 'rvsbr']);
      expect(await fresh.slate.services.admin.staff.firstAdminInvite()).toBeNull();
    } finally {
      await fresh.close();
    }
  });

  it('refuses expired and unknown invites (invite_invalid, 410) and creates nobody', async () => {
    const before = await staffCount();
    const token = await inviteToken('late@schule.example');
    await h.slate.db.run('UPDATE staff_invites SET expires_at = ? WHERE email = ?', [new Date(Date.now() - 1000), 'late@schule.example']);
    const r = await http().post('/api/v1/auth/invites/options').send({ token });
    expect([r.status, r.body.error]).toEqual([410, 'invite_invalid']);
    expect((await http().post('/api/v1/auth/invites/options').send({ token: 'x'.repeat(43) })).body.error).toBe('invite_invalid');
    expect(await staffCount()).toBe(before);
  });

  it('refuses a registration without user verification, from another origin, or for another challenge', async () => {
    const before = await staffCount();
    const token = await inviteToken('careful@schule.example');
    const noUv = new SoftAuthenticator(ORIGIN, 'slate.test');
    noUv.userVerified = false;
    for (const [authn, origin] of [[noUv, ORIGIN], [new SoftAuthenticator(ORIGIN, 'slate.test'), 'https://evil.example']] as const) {
      const opts = await http().post('/api/v1/auth/invites/options').send({ token }).expect(200);
      const r = await http().post('/api/v1/auth/invites/verify').send({ token, challengeId: opts.body.challengeId, response: authn.register(opts.body.options, { origin }), displayName: 'x' });
      expect([r.status, r.body.error]).toEqual([401, 'webauthn_failed']);
    }
    const opts = await http().post('/api/v1/auth/invites/options').send({ token }).expect(200);
    const r = await http().post('/api/v1/auth/invites/verify').send({ token, challengeId: opts.body.challengeId, response: new SoftAuthenticator(ORIGIN, 'slate.test').register({ challenge: 'b3RoZXItY2hhbGxlbmdl' }), displayName: 'x' });
    expect(r.body.error).toBe('webauthn_failed');
    expect(await staffCount()).toBe(before);
  });

  it('signs in with the passkey; a replayed or forged assertion and a reused challenge are refused', async () => {
    const staff = await h.staff('helpdesk', 'gs-holz');
    const opts = await http().post('/api/v1/auth/sign-in/options').send({}).expect(200);
    const assertion = staff.authn.assert(opts.body.options);
    const ok = await http().post('/api/v1/auth/sign-in/verify').send({ challengeId: opts.body.challengeId, response: assertion });
    expect([ok.status, ok.body.email]).toEqual([200, staff.email]);
    // The same response again: its challenge is used.
    const replay = await http().post('/api/v1/auth/sign-in/verify').send({ challengeId: opts.body.challengeId, response: assertion });
    expect([replay.status, replay.body.error]).toEqual([401, 'webauthn_failed']);
    // The same response against a fresh challenge: the signature covers the old one.
    const fresh = await http().post('/api/v1/auth/sign-in/options').send({}).expect(200);
    expect((await http().post('/api/v1/auth/sign-in/verify').send({ challengeId: fresh.body.challengeId, response: assertion })).body.error).toBe('webauthn_failed');
    // A signature by another key for this credential id.
    const forger = new SoftAuthenticator(ORIGIN, 'slate.test');
    const o3 = await http().post('/api/v1/auth/sign-in/options').send({}).expect(200);
    const f = forger.assert(o3.body.options);
    expect((await http().post('/api/v1/auth/sign-in/verify').send({ challengeId: o3.body.challengeId, response: { ...f, id: staff.authn.id, rawId: staff.authn.id } })).body.error).toBe('webauthn_failed');
    // A cloned authenticator whose counter went backwards.
    const o4 = await http().post('/api/v1/auth/sign-in/options').send({}).expect(200);
    const stale = staff.authn.assert(o4.body.options, { counter: 1 });
    expect((await http().post('/api/v1/auth/sign-in/verify').send({ challengeId: o4.body.challengeId, response: stale })).body.error).toBe('webauthn_failed');
  });

  it('ends sessions by sign-out and after the idle timeout', async () => {
    const staff = await h.staff('auditor', 'heusweiler');
    await staff.req('get', '/api/v1/auth/session').expect(200);
    await h.slate.db.run('UPDATE staff_sessions SET last_seen_at = ? WHERE staff_id = (SELECT id FROM staff WHERE email = ?)', [new Date(Date.now() - 31 * 60_000), staff.email]);
    expect((await staff.req('get', '/api/v1/auth/session')).body.error).toBe('unauthenticated');
    const other = await h.staff('auditor', 'heusweiler');
    await other.req('post', '/api/v1/auth/sign-out').send({}).expect(204);
    expect((await other.req('get', '/api/v1/auth/session')).status).toBe(401);
  });

  it('needs the CSRF header and our Origin for changes made with a session cookie', async () => {
    const staff = await h.staff('school_it', 'gs-bildstock');
    const noHeader = await http().post('/api/v1/auth/step-up/options').set('Cookie', staff.cookie).send({});
    expect([noHeader.status, noHeader.body.error]).toEqual([403, 'csrf_failed']);
    const foreign = await http().post('/api/v1/auth/step-up/options').set('Cookie', staff.cookie).set('X-CSRF-Token', staff.csrf).set('Origin', 'https://evil.example').send({});
    expect(foreign.body.error).toBe('csrf_failed');
    await staff.req('post', '/api/v1/auth/step-up/options').send({}).expect(200);
  });

  it('keeps several passkeys per person; the last one cannot be removed', async () => {
    const staff = await h.staff('school_it', 'gs-holz');
    const second = new SoftAuthenticator(ORIGIN, 'slate.test');
    const o = await staff.req('post', '/api/v1/auth/passkeys/options').send({}).expect(200);
    await staff.req('post', '/api/v1/auth/passkeys/verify').send({ challengeId: o.body.challengeId, response: second.register(o.body.options), name: 'Security key' }).expect(201);
    const list = await staff.req('get', '/api/v1/auth/passkeys').expect(200);
    expect(list.body.items).toHaveLength(2);
    // The new one signs in too.
    const s = await http().post('/api/v1/auth/sign-in/options').send({});
    expect((await http().post('/api/v1/auth/sign-in/verify').send({ challengeId: s.body.challengeId, response: second.assert(s.body.options) })).status).toBe(200);
    await staff.req('delete', `/api/v1/auth/passkeys/${staff.authn.id}`).expect(204);
    const last = await staff.req('delete', `/api/v1/auth/passkeys/${second.id}`);
    expect([last.status, last.body.error]).toEqual([409, 'conflict']);
  });

  it('API tokens: revoked, expired and malformed ones are unauthenticated; last use is recorded', async () => {
    const token = await h.token('auditor', 'sulzbach');
    await h.asToken(token, 'get', '/api/v1/devices').expect(200);
    const [row] = await h.slate.db.rows<{ id: string; last_used_at: unknown }>("SELECT id, last_used_at FROM api_tokens WHERE name = 'auditor-sulzbach'");
    expect(row!.last_used_at).not.toBeNull();
    await h.slate.db.run('UPDATE api_tokens SET expires_at = ? WHERE id = ?', [new Date(Date.now() - 1000), row!.id]);
    expect((await h.asToken(token, 'get', '/api/v1/devices')).body.error).toBe('unauthenticated');
    const admin = await h.staff('authority_admin');
    const t2 = await h.token('helpdesk', 'sulzbach');
    const id = (await admin.req('get', '/api/v1/tokens').expect(200)).body.items.find((t: { name: string }) => t.name === 'helpdesk-sulzbach').id;
    await admin.req('delete', `/api/v1/tokens/${id}`).expect(204);
    expect((await h.asToken(t2, 'get', '/api/v1/devices')).status).toBe(401);
    expect((await h.asToken('slate_not-a-token', 'get', '/api/v1/devices')).status).toBe(401);
  });

  it('creating a token needs a fresh passkey confirmation; API tokens can never create one', async () => {
    const admin = await h.staff('municipality_admin', 'heusweiler');
    await h.slate.db.run('UPDATE staff_sessions SET step_up_at = ? WHERE staff_id = (SELECT id FROM staff WHERE email = ?)', [new Date(Date.now() - 6 * 60_000), admin.email]);
    const stale = await admin.req('post', '/api/v1/tokens').send({ name: 'sync', role: 'helpdesk', scope: 'gs-holz', ttl: '30d' });
    expect([stale.status, stale.body.error]).toEqual([403, 'step_up_required']);
    await admin.stepUp();
    const made = await admin.req('post', '/api/v1/tokens').send({ name: 'sync', role: 'helpdesk', scope: 'gs-holz', ttl: '30d' }).expect(201);
    expect(made.body.token).toMatch(/^slate_/);
    await h.asToken(made.body.token, 'get', '/api/v1/devices?school=gs-holz').expect(200);
    const byToken = await h.asToken(await h.token('authority_admin'), 'post', '/api/v1/tokens').send({ name: 'x', role: 'helpdesk', ttl: '1d' });
    expect(byToken.body.error).toBe('step_up_required');
    // Nobody grants more than they hold, nor outside their scope.
    expect((await admin.req('post', '/api/v1/tokens').send({ name: 'y', role: 'authority_admin', ttl: '1d' })).body.error).toBe('forbidden');
    expect((await admin.req('post', '/api/v1/tokens').send({ name: 'y', role: 'helpdesk', scope: 'gs-bildstock', ttl: '1d' })).status).toBe(404);
  });

  it('rate-limits sign-in attempts per client address', async () => {
    const limited = await startAdmin({ AUTH_RATE_LIMIT: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await request(limited.slate.express).post('/api/v1/auth/sign-in/options').send({})).status);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
