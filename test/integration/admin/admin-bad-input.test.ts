import request from 'supertest';
import { ORIGIN, startAdmin, type AdminHarness, type StaffClient } from '../../helpers/admin-harness';

/**
 * Bad input gets a 4xx with `{error, message, fields?}` and changes nothing: invalid JSON, wrong
 * types, unknown fields, oversized bodies, bad cursors and query parameters. Headers are hardened.
 */
describe('admin API: bad input', () => {
  let h: AdminHarness;
  let admin: StaffClient;
  beforeAll(async () => {
    h = await startAdmin({ ADMIN_BODY_LIMIT: '4096' });
    admin = await h.staff('authority_admin');
  }, 60_000);
  afterAll(() => h?.close());

  const unchanged = async <T>(fn: () => Promise<T>): Promise<T> => {
    const before = await h.slate.stores.auditLog.head(h.slate.db);
    const units = await h.slate.s.org.count();
    const r = await fn();
    expect(await h.slate.stores.auditLog.head(h.slate.db)).toEqual(before);
    expect(await h.slate.s.org.count()).toBe(units);
    return r;
  };
  const post = (body: string, type = 'application/json') => admin.req('post', '/api/v1/org/units').set('Content-Type', type).send(body);

  it('invalid JSON → 400 json_invalid', async () => {
    const r = await unchanged(() => post('{"code": "x",'));
    expect([r.status, r.body.error]).toEqual([400, 'json_invalid']);
  });

  it('a form post (not JSON) → 400 json_invalid: no cross-site form can reach a handler', async () => {
    const r = await unchanged(() => post('code=x&kind=school', 'application/x-www-form-urlencoded'));
    expect(r.body.error).toBe('json_invalid');
  });

  it('wrong types and unknown fields → 400 validation_failed naming each field', async () => {
    const r = await unchanged(() => post(JSON.stringify({ code: 'gs-neu', kind: 'school', name: 42, parent: 'heusweiler', admin: true })));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'validation_failed', fields: { name: expect.any(String), admin: 'unknown field' } });
    const q = await h.asToken(await h.token('auditor'), 'get', '/api/v1/devices?limit=abc&colour=blue');
    expect(q.body).toMatchObject({ error: 'validation_failed', fields: { limit: expect.any(String), colour: 'unknown field' } });
  });

  it('an oversized body → 413 payload_too_large', async () => {
    const r = await unchanged(() => post(JSON.stringify({ code: 'gs-neu', kind: 'school', name: 'x'.repeat(5000), parent: 'heusweiler' })));
    expect([r.status, r.body.error]).toEqual([413, 'payload_too_large']);
  });

  it('bad cursors → 400 cursor_invalid', async () => {
    const token = await h.token('auditor');
    for (const c of ['%%%', 'bm90LWpzb24', Buffer.from(JSON.stringify({ k: "1' OR 1=1" })).toString('base64url')]) {
      const r = await h.asToken(token, 'get', `/api/v1/devices?cursor=${encodeURIComponent(c)}`);
      expect([c, r.status, r.body.error]).toEqual([c, 400, 'cursor_invalid']);
    }
  });

  it('a body where none is taken, and an unknown id in the path', async () => {
    const token = await h.token('auditor');
    expect((await h.asToken(token, 'get', '/api/v1/devices/not-a-device')).status).toBe(404);
    const r = await unchanged(() => admin.req('post', '/api/v1/auth/sign-out').send({ please: true }));
    expect(r.body).toMatchObject({ error: 'validation_failed', fields: { please: 'unknown field' } });
  });

  it('pages devices with a cursor', async () => {
    for (let i = 0; i < 5; i++) await h.device('gs-holz');
    const token = await h.token('school_it', 'gs-holz');
    const first = await h.asToken(token, 'get', '/api/v1/devices?limit=3').expect(200);
    expect(first.body.items).toHaveLength(3);
    const second = await h.asToken(token, 'get', `/api/v1/devices?limit=3&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...first.body.items, ...second.body.items].map((d: { id: string }) => d.id)).size).toBe(5);
  });

  it('sends security headers and no stack traces', async () => {
    const r = await request(h.slate.express).get('/api/v1/devices');
    expect(r.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'cache-control': 'no-store' });
    expect(r.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(r.headers['strict-transport-security']).toBeDefined();
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+/);
    // A session cookie on the wrong origin's request is refused before any handler runs.
    expect((await request(h.slate.express).post('/api/v1/auth/sign-in/options').set('Origin', 'https://evil.example').send({})).body.error).toBe('csrf_failed');
    expect((await request(h.slate.express).post('/api/v1/auth/sign-in/options').set('Origin', ORIGIN).send({})).status).toBe(200);
  });
});
