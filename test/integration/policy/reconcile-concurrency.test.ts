import { randomUUID } from 'node:crypto';
import { createSlate, type Slate } from '../../../src/app';
import { silentLogger } from '../../../src/log/logger';
import { policySecretsEnv, testCatalog } from '../../helpers/policy-catalog';
import { testDialect } from '../../helpers/test-db';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';

/**
 * Two Slate processes (two composition roots, two connection pools) on one database, applying the
 * catalog and reconciling the same devices at the same moment. Meaningful on Postgres, where the
 * transactions really overlap (SQLite serialises writers and hides races); runs on both.
 */
describe(`policy reconcile under concurrency (${testDialect})`, () => {
  let a: TestSlate;
  let b: Slate;
  const ids: string[] = [];

  beforeAll(async () => {
    a = await createTestSlate({ ...policySecretsEnv(), PUBLIC_URL: 'https://mdm.slate.test' }, { importOrg: true });
    // SQLite: one process owns the file (a second connection in this process would block the event
    // loop at BEGIN IMMEDIATE while the first waits for it), so both "processes" are the same one.
    b = testDialect === 'postgres' ? await createSlate(a.config, silentLogger(), { migrate: false }) : a;
    const bildstock = await a.services.org.requireGrade('gs-bildstock', 3);
    const holz = await a.services.org.requireGrade('gs-holz', 4);
    for (let i = 0; i < 40; i++) {
      const place = i % 2 ? bildstock : holz;
      ids.push((await a.s.devices.create({ platform: 'apple', udid: randomUUID(), serialNumber: `CC${i}`, state: 'enrolled', schoolId: place.school.id, gradeId: place.grade.id })).id);
    }
  }, 60_000);
  afterAll(async () => {
    if (b !== a) await b?.close();
    await a?.dispose();
  });

  /** Per device: queued commands by request type, and whether every item names a queued command of its own. */
  const queued = async () => {
    const rows = await a.db.rows<{ device_id: string; request_type: string; n: number | string }>(
      `SELECT device_id, request_type, COUNT(*) AS n FROM command_queue GROUP BY device_id, request_type`);
    const orphans = await a.db.rows(`SELECT q.command_uuid FROM command_queue q LEFT JOIN device_policy_items i ON i.command_uuid = q.command_uuid WHERE i.command_uuid IS NULL`);
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) (out.get(r.device_id) ?? out.set(r.device_id, {}).get(r.device_id)!)[r.request_type] = Number(r.n);
    return { perDevice: ids.map((id) => out.get(id) ?? {}), orphans: orphans.length };
  };

  it('two processes applying the same catalog at once enqueue each device\'s difference once', async () => {
    const results = await Promise.all([a, b, a, b].map((s) => s.services.policy.apply({ sources: testCatalog(), by: 'test' })));
    expect(results.reduce((n, r) => n + r.enqueued, 0)).toBe(20 * 4 + 20 * 2);
    const q = await queued();
    expect(q.orphans).toBe(0);
    q.perDevice.forEach((c, i) => expect(c).toEqual(i % 2 ? { InstallProfile: 2, InstallApplication: 2 } : { InstallProfile: 2 }));
  });

  it('concurrent reconciles of the same devices (two applies, three sync-nows) add nothing', async () => {
    const ctxA = (await a.services.policy.status()).appliedVersion;
    expect(ctxA).toBeGreaterThan(0);
    const before = await queued();
    const again = await Promise.all([
      a.services.policy.apply({ sources: testCatalog(), by: 'test' }),
      b.services.policy.apply({ sources: testCatalog(), by: 'test' }),
      a.services.policy.reconcile(ids, 'test'),
      b.services.policy.reconcile([...ids].reverse(), 'test'),
      a.services.policy.reconcile(ids.slice(10), 'test'),
    ]);
    expect(again.slice(0, 2).map((r) => (r as { enqueued: number }).enqueued)).toEqual([0, 0]);
    expect(await queued()).toEqual(before);
  });

  it('an edited entry applied by two processes at once replaces each queued version once, cancelling the old one', async () => {
    const edited = testCatalog({ passcodeLength: 6 });
    const [r1, r2] = await Promise.all([a.services.policy.apply({ sources: edited, by: 'a' }), b.services.policy.apply({ sources: edited, by: 'b' })]);
    // Grade-4 devices (gs-holz) had passcode v1 queued: now exactly one v2 each, v1 cancelled.
    expect(r1!.enqueued + r2!.enqueued).toBe(20);
    const q = await queued();
    expect(q.orphans).toBe(0);
    q.perDevice.forEach((c, i) => expect(c).toEqual(i % 2 ? { InstallProfile: 2, InstallApplication: 2 } : { InstallProfile: 2 }));
    const cancelled = await a.db.one<{ n: number | string }>(`SELECT COUNT(*) AS n FROM command_history WHERE status = 'cancelled' AND note = 'policy: no longer wanted'`);
    expect(Number(cancelled!.n)).toBe(20);
  });
});
