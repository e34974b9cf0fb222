import request from 'supertest';
import { startAdmin, type AdminHarness } from '../../helpers/admin-harness';
import { servedApiRoutes } from '../../helpers/served-routes';

/**
 * The OpenAPI 3.1 document at /api/v1/openapi.json is true: it lists exactly the routes the
 * router serves, each with its path parameters, a success response and the error shape; the
 * docs page renders it. (Responses are parsed through the same schemas on every request, so the
 * other integration tests also prove each answered body matches the document.)
 */
describe('admin API: OpenAPI document', () => {
  let h: AdminHarness;
  let doc: { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string; required: boolean }[]; responses: Record<string, unknown>; security: unknown[]; requestBody?: unknown }>>; components: { schemas: Record<string, unknown> } };
  beforeAll(async () => {
    h = await startAdmin();
    doc = (await request(h.slate.express).get('/api/v1/openapi.json').expect(200)).body;
  }, 60_000);
  afterAll(() => h?.close());

  it('describes exactly the routes that are served', () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
    const api = servedApiRoutes(h.slate.express).map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}')).sort();
    expect(doc.openapi).toBe('3.1.0');
    expect(api.length).toBeGreaterThan(40);
    expect(documented).toEqual(api);
  });

  it('gives every operation its path parameters, a success response, the error shape and its security', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect([where, op.parameters.filter((p) => p.in === 'path').map((p) => p.name)]).toEqual([where, names]);
        expect([where, Object.keys(op.responses).some((c) => /^2\d\d$/.test(c))]).toEqual([where, true]);
        expect([where, op.responses['404']]).toEqual([where, expect.objectContaining({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })]);
        if (method === 'get') expect([where, op.requestBody]).toEqual([where, undefined]);
        const isPublic = path.startsWith('/auth/invites') || path.startsWith('/auth/sign-in') || path === '/openapi.json';
        expect([where, op.security.length === 0]).toEqual([where, isPublic]);
      }
    }
    expect(doc.components.schemas.Error).toMatchObject({ type: 'object', required: ['error', 'message'] });
  });

  it('answers a path it does not serve under /api/v1 with the JSON error shape', async () => {
    const r = await request(h.slate.express).get('/api/v1/nothing-here');
    expect([r.status, r.body]).toEqual([404, { error: 'not_found', message: 'no such endpoint' }]);
  });

  it('renders the document at /api/docs without scripts', async () => {
    const r = await request(h.slate.express).get('/api/docs').expect(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(r.text).toContain('/api/v1/devices/{id}/wipe');
    expect(r.text).not.toMatch(/<script/i);
  });
});
