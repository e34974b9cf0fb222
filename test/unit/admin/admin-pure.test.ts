import { decodeCursor, encodeCursor, pageOf } from '../../../src/admin/cursor';
import { FixedWindowLimiter } from '../../../src/admin/http/rate-limiter';
import { openApiPath } from '../../../src/admin/http/openapi';
import { can, canGrant, PERMISSIONS, ROLES } from '../../../src/admin/rbac/roles';
import { backoffMs } from '../../../src/admin/webhooks/webhook-dispatcher';
import { signWebhook, verifyWebhook } from '../../../src/admin/webhooks/webhook-signature';

describe('admin: roles (issue #13 matrix)', () => {
  it('authority admins may everything; helpdesk reads and handles lost devices only; auditors read', () => {
    expect(PERMISSIONS.every((p) => can('authority_admin', p))).toBe(true);
    expect(PERMISSIONS.filter((p) => can('helpdesk', p)).sort()).toEqual([
      'bulk.read', 'certificates.read', 'commands.read', 'devices.location', 'devices.lock', 'devices.lost_mode', 'devices.read', 'devices.sound',
      'enrollment.read', 'org.read', 'profiles.read',
    ]);
    expect(['helpdesk', 'auditor'].filter((r) => can(r, 'profiles.apply'))).toEqual([]);
    expect(['authority_admin', 'municipality_admin', 'school_it'].every((r) => can(r, 'profiles.apply'))).toBe(true);
    expect(PERMISSIONS.filter((p) => can('auditor', p)).every((p) => p.endsWith('.read'))).toBe(true);
    expect(can('auditor', 'audit.read')).toBe(true);
    expect(can('school_it', 'audit.read')).toBe(false);
    expect(can('janitor', 'devices.read')).toBe(false);
  });

  it('nobody grants a role above their own', () => {
    expect(ROLES.filter((r) => canGrant('school_it', r))).toEqual(['school_it', 'helpdesk']);
    expect(canGrant('municipality_admin', 'authority_admin')).toBe(false);
    expect(ROLES.some((r) => canGrant('helpdesk', r) || canGrant('auditor', r))).toBe(false);
  });
});

describe('admin: cursors', () => {
  it('round-trips and refuses anything it did not make', () => {
    const id = '0b9a2f34-5d6e-4f70-8a9b-0c1d2e3f4a5b';
    expect(decodeCursor(encodeCursor(id), 'uuid')).toBe(id);
    expect(decodeCursor(encodeCursor(42), 'seq')).toBe(42);
    for (const bad of ['', '!!', encodeCursor('x'), encodeCursor(id), Buffer.from('{"k":1.5}').toString('base64url')]) {
      expect(() => decodeCursor(bad, 'seq')).toThrow(expect.objectContaining({ code: 'cursor_invalid' }));
    }
    expect(decodeCursor(undefined, 'uuid')).toBeUndefined();
  });

  it('pages by one extra row', () => {
    expect(pageOf([1, 2, 3], 2, String)).toEqual({ items: [1, 2], nextCursor: encodeCursor('2') });
    expect(pageOf([1, 2], 2, String)).toEqual({ items: [1, 2], nextCursor: null });
  });
});

describe('admin: rate limiter', () => {
  it('counts per key in one-minute windows and says how long to wait', () => {
    let t = 0;
    const l = new FixedWindowLimiter(2, 3, () => t);
    expect([l.hit('a'), l.hit('a'), l.hit('a'), l.hit('b')]).toEqual([0, 0, 60, 0]);
    t = 30_000;
    expect(l.hit('a')).toBe(30);
    t = 60_000;
    expect(l.hit('a')).toBe(0);
    // Bounded: a flood of addresses does not grow the map past its size.
    for (let i = 0; i < 100; i++) l.hit(`k${i}`);
    expect((l as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(3);
  });
});

describe('webhooks: signature and backoff', () => {
  it('signs t.body with HMAC-SHA256; a changed body, secret or an old timestamp fails', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const sig = signWebhook('s3cret', '{"a":1}', at);
    expect(sig).toMatch(/^t=1796119200,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('s3cret', '{"a":1}', sig, at)).toBe(true);
    expect(verifyWebhook('s3cret', '{"a":2}', sig, at)).toBe(false);
    expect(verifyWebhook('other', '{"a":1}', sig, at)).toBe(false);
    expect(verifyWebhook('s3cret', '{"a":1}', sig, new Date(at.getTime() + 600_000))).toBe(false);
  });

  it('backs off exponentially from 30 s to at most 6 h, with jitter', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, () => 0.5))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(20, () => 0.5)).toBe(6 * 3_600_000);
    expect(backoffMs(0, () => 0)).toBe(24_000);
  });
});

describe('OpenAPI paths', () => {
  it('turns express parameters into OpenAPI templates', () => {
    expect(openApiPath('/devices/:id/lost-mode')).toBe('/devices/{id}/lost-mode');
  });
});
