import request from 'supertest';
import type { AuditActor } from '../../../src/audit/audit-log';
import { auditCsvLine } from '../../../src/audit/audit-csv';
import { startAdmin, type AdminHarness } from '../../helpers/admin-harness';
import { testDialect } from '../../helpers/test-db';

const actor: AuditActor = { type: 'cli', id: null, label: 'test', role: null, scopeCode: null, scopePath: null };

/** Lifts the append-only triggers, as someone with the database owner's rights could. */
async function liftTriggers(h: AdminHarness): Promise<void> {
  if (testDialect === 'postgres') await h.slate.db.run('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
  else for (const t of ['audit_log_no_update', 'audit_log_no_delete']) await h.slate.db.run(`DROP TRIGGER ${t}`);
}

/**
 * The audit log: appended in the action's transaction, hash-chained with a key from SECRET_KEY,
 * append-only by trigger, and `verify` finds the first broken link of an edited, deleted or cut log.
 */
describe('audit log', () => {
  let h: AdminHarness;
  beforeEach(async () => {
    h = await startAdmin();
  }, 60_000);
  afterEach(() => h?.close());
  const log = () => h.slate.services.audit;

  it('chains every entry to the one before and verifies', async () => {
    for (let i = 0; i < 5; i++) await log().record({ actor, action: 'test.step', detail: { i, at: new Date(0) } });
    const lines = await h.slate.stores.auditLog.scan(h.slate.db, 0, 100);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.prevHash).toBe(lines[i - 1]!.hash);
    expect(lines[0]!.detail).toBe('{"at":"1970-01-01T00:00:00.000Z","i":0}');
    expect(await log().verify()).toEqual({ ok: true, checked: 5, firstBroken: null });
  });

  it('refuses UPDATE and DELETE by trigger', async () => {
    await log().record({ actor, action: 'test.step' });
    await expect(h.slate.db.run("UPDATE audit_log SET action = 'x'")).rejects.toThrow(/append-only/);
    await expect(h.slate.db.run('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });

  it('finds an edited row, a deleted row and a cut-off tail', async () => {
    for (let i = 0; i < 6; i++) await log().record({ actor, action: 'test.step', detail: { i } });
    await liftTriggers(h);
    await h.slate.db.run("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3");
    expect(await log().verify()).toEqual({ ok: false, checked: 2, firstBroken: { seq: 3, reason: 'hash_mismatch' } });
    const h2 = await startAdmin();
    try {
      for (let i = 0; i < 6; i++) await h2.slate.services.audit.record({ actor, action: 'test.step', detail: { i } });
      await liftTriggers(h2);
      await h2.slate.db.run('DELETE FROM audit_log WHERE seq = 4');
      expect(await h2.slate.services.audit.verify()).toMatchObject({ ok: false, firstBroken: { seq: 4, reason: 'sequence_gap' } });
      await h2.slate.db.run('DELETE FROM audit_log WHERE seq >= 4');
      expect(await h2.slate.services.audit.verify()).toMatchObject({ ok: false, checked: 3, firstBroken: { seq: 4, reason: 'head_mismatch' } });
    } finally {
      await h2.close();
    }
  });

  it('keeps one chain under concurrent actions (no forks, no gaps)', async () => {
    const admin = await h.staff('authority_admin');
    const devices = await Promise.all(Array.from({ length: 12 }, (_, i) => h.device(i % 2 ? 'gs-holz' : 'gs-bildstock')));
    const head = await h.slate.stores.auditLog.head(h.slate.db);
    const rs = await Promise.all(devices.map((d) => admin.req('post', `/api/v1/devices/${d.id}/lock`).send({})));
    expect(rs.map((r) => r.status)).toEqual(Array(12).fill(202));
    await Promise.all(Array.from({ length: 20 }, (_, i) => log().record({ actor, action: 'test.parallel', detail: { i } })));
    const lines = await h.slate.stores.auditLog.scan(h.slate.db, head.seq, 1000);
    expect(lines).toHaveLength(32);
    expect(new Set(lines.map((l) => l.prevHash)).size).toBe(32);
    expect(await log().verify()).toMatchObject({ ok: true, firstBroken: null });
  });

  it('writes the action and its line in one transaction: a failing action leaves only its refusal', async () => {
    const admin = await h.staff('authority_admin');
    const device = await h.device('gs-bildstock', 3, { platform: 'android' });
    const head = await h.slate.stores.auditLog.head(h.slate.db);
    const r = await admin.req('post', `/api/v1/devices/${device.id}/lock`).send({});
    expect(r.body.error).toBe('validation_failed');
    const lines = await h.slate.stores.auditLog.scan(h.slate.db, head.seq, 10);
    expect(lines.map((l) => [l.action, l.outcome])).toEqual([['device.lock', 'refused']]);
  });

  it('answers queries by scope and exports CSV with formula cells defused', async () => {
    const admin = await h.staff('authority_admin');
    const inHolz = await h.device('gs-holz');
    await admin.req('post', `/api/v1/devices/${inHolz.id}/lock`).send({ message: '=HYPERLINK("x")' }).expect(202);
    const auditor = await h.token('auditor', 'heusweiler');
    const other = await h.token('auditor', 'sulzbach');
    const seen = (await h.asToken(auditor, 'get', '/api/v1/audit?action=device.lock').expect(200)).body.items;
    expect(seen.map((e: { targetId: string }) => e.targetId)).toEqual([inHolz.id]);
    expect((await h.asToken(other, 'get', '/api/v1/audit?action=device.lock').expect(200)).body.items).toEqual([]);
    const csv = await h.asToken(auditor, 'get', '/api/v1/audit/export.csv?action=device.lock').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toBe('seq,at,actor_type,actor_id,actor,role,scope,action,target_type,target_id,outcome,ip,detail,hash');
    expect(rows).toHaveLength(2);
    expect(auditCsvLine({ ...seen[0], at: new Date(seen[0].at), actorLabel: '=cmd|x' })).toContain(`"'=cmd|x"`);
    // Verification spans every scope: root only.
    expect((await h.asToken(auditor, 'get', '/api/v1/audit/verify')).body.error).toBe('forbidden');
    const root = await h.token('auditor');
    expect((await h.asToken(root, 'get', '/api/v1/audit/verify').expect(200)).body).toMatchObject({ ok: true });
    expect((await request(h.slate.express).get('/api/v1/audit?cursor=%%%')).status).toBe(401);
    expect((await h.asToken(root, 'get', '/api/v1/audit?cursor=bm90LWEtY3Vyc29y')).body.error).toBe('cursor_invalid');
  });
});
