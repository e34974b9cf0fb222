import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../../../src/db/stores';
import { startAdmin, type AdminHarness, type StaffClient } from '../../helpers/admin-harness';
import { auditLines } from '../../helpers/audit-lines';
import { policySecretsEnv, testCatalog } from '../../helpers/policy-catalog';

interface PlanBody {
  source: string; unit: string; catalogHash: string | null; report: { errors: unknown[] };
  devices: { deviceId: string; actions: { kind: string; identifier?: string; bundleId?: string }[] }[];
  overall: { devices: number } | null;
}
interface Command { deviceId: string; kind: string; target: string }

/** (device, kind, target) of every action a plan shows, as apply reports its commands. */
const planned = (plan: PlanBody) => plan.devices.flatMap((d) => d.actions.map((a) => `${d.deviceId} ${a.kind} ${a.identifier ?? a.bundleId}`)).sort();
const enqueued = (commands: Command[]) => commands.map((c) => `${c.deviceId} ${c.kind} ${c.target}`).sort();

/**
 * Profiles through the admin API (issue #13 over issue #12's PolicyService): the catalog in force,
 * plan, apply and status, each inside the caller's scope; helpdesk and auditors read but never
 * apply; a school-IT apply converges its school only; plan predicts exactly what apply enqueues.
 */
describe('admin API: profiles (plan, apply, status)', () => {
  let h: AdminHarness;
  let admin: StaffClient;
  let dir: string;
  let tokenA: string;
  const dev: Record<string, Device> = {};
  const commandsOf = async (deviceId: string) => Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM command_queue WHERE device_id = ?', [deviceId]))!.n);
  const versions = async () => Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM policy_catalog_versions'))!.n);
  const writeCatalog = (yaml: string) => writeFileSync(join(dir, 'test.yaml'), yaml);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slate-catalog-'));
    writeCatalog(testCatalog()[0]!.bytes.toString());
    h = await startAdmin({ ...policySecretsEnv(), POLICY_CATALOG_DIR: dir });
    admin = await h.staff('authority_admin');
    tokenA = await h.token('school_it', 'gs-bildstock');
    dev.a3 = await h.device('gs-bildstock', 3, { supervised: true });
    dev.a4 = await h.device('gs-bildstock', 4, { supervised: true });
    dev.b3 = await h.device('gs-friedrichsthal', 3, { supervised: true });
  }, 60_000);
  afterAll(() => h?.close());

  it('before any apply: no catalog in force (404), and the organisation-wide plan reads the catalog files', async () => {
    expect((await admin.req('get', '/api/v1/profiles')).body.error).toBe('not_found');
    const plan = (await admin.req('post', '/api/v1/profiles/plan').send({}).expect(200)).body as PlanBody;
    expect(plan).toMatchObject({ source: 'files', appliedVersion: null, report: { errors: [] }, overall: { devices: 3 } });
    expect(plan.devices.map((d) => d.deviceId).sort()).toEqual([dev.a3!.id, dev.a4!.id, dev.b3!.id].sort());
  });

  it('an administrator of the whole organisation applies the files: a new version, exactly the planned commands, audited with role and address', async () => {
    const plan = (await admin.req('post', '/api/v1/profiles/plan').send({}).expect(200)).body as PlanBody;
    const r = await admin.req('post', '/api/v1/profiles/apply').send({}).expect(202);
    expect(r.body).toMatchObject({ source: 'files', changed: true, version: { id: 1, hash: plan.catalogHash } });
    expect(enqueued(r.body.commands)).toEqual(planned(plan));
    expect(r.body.enqueued).toBe(r.body.commands.length);
    expect(await versions()).toBe(1);
    const [line] = await auditLines(h.slate, { action: 'policy.apply', outcome: 'ok' });
    expect(line).toMatchObject({ actorType: 'staff', actorLabel: admin.email, actorRole: 'authority_admin', targetType: 'catalog', targetId: '1', ip: expect.any(String) });
    const perDevice = await auditLines(h.slate, { action: 'policy.enqueue', targetId: dev.b3!.id });
    expect(perDevice[0]).toMatchObject({ actorRole: 'authority_admin', actorLabel: admin.email });
    // Nothing changed since: a second apply enqueues nothing and stores no version.
    const again = await admin.req('post', '/api/v1/profiles/apply').send({}).expect(202);
    expect(again.body).toMatchObject({ changed: false, enqueued: 0, commands: [] });
  });

  it('lists the entries in force in the caller\'s scope only', async () => {
    const ids = async (r: { body: { entries: { id: string }[] } }) => r.body.entries.map((e) => e.id).sort();
    expect(await ids(await admin.req('get', '/api/v1/profiles').expect(200)))
      .toEqual(['apps-grade-3', 'lock-screen-holz', 'passcode-grade-4', 'restrictions-grade-3', 'wifi-bildstock']);
    const a = await h.asToken(tokenA, 'get', '/api/v1/profiles').expect(200);
    expect(await ids(a)).toEqual(['apps-grade-3', 'passcode-grade-4', 'restrictions-grade-3', 'wifi-bildstock']);
    expect(a.body.version).toMatchObject({ id: 1, appliedBy: admin.email });
    expect(a.body.entries.find((e: { id: string }) => e.id === 'apps-grade-3').apps).toContainEqual({ adamId: 361309726, bundleId: 'com.apple.Pages', name: null });
  });

  it('a school-IT apply converges the applied version in its own school only, as its plan said', async () => {
    dev.a3b = await h.device('gs-bildstock', 3, { supervised: true });
    dev.b3b = await h.device('gs-friedrichsthal', 3, { supervised: true });
    // The files changed on the server; a school's IT does not roll them out for everyone.
    writeCatalog(testCatalog({ passcodeLength: 6 })[0]!.bytes.toString());
    const plan = (await h.asToken(tokenA, 'post', '/api/v1/profiles/plan').send({}).expect(200)).body as PlanBody;
    expect(plan).toMatchObject({ source: 'applied', unit: 'gs-bildstock', appliedVersion: { id: 1 } });
    expect(plan.devices.map((d) => d.deviceId)).toEqual([dev.a3b!.id]);
    const r = await h.asToken(tokenA, 'post', '/api/v1/profiles/apply').send({}).expect(202);
    expect(r.body).toMatchObject({ source: 'applied', unit: 'gs-bildstock', changed: false, version: { id: 1 } });
    expect(enqueued(r.body.commands)).toEqual(planned(plan));
    expect(new Set(r.body.commands.map((c: Command) => c.deviceId))).toEqual(new Set([dev.a3b!.id]));
    expect(await commandsOf(dev.b3b!.id)).toBe(0);
    expect(await versions()).toBe(1);
    const [line] = await auditLines(h.slate, { action: 'policy.apply', outcome: 'ok' });
    expect(line).toMatchObject({ actorType: 'token', actorRole: 'school_it', actorScope: 'gs-bildstock', targetId: '1' });
    expect(JSON.parse(line!.detail!)).toMatchObject({ changed: false, unit: 'gs-bildstock' });
    // An administrator naming a unit converges that unit the same way.
    const holz = await admin.req('post', '/api/v1/profiles/apply').send({ unit: 'gs-friedrichsthal' }).expect(202);
    expect(holz.body).toMatchObject({ source: 'applied', unit: 'gs-friedrichsthal', changed: false });
    expect(new Set(holz.body.commands.map((c: Command) => c.deviceId))).toEqual(new Set([dev.b3b!.id]));
  });

  it('status counts convergence in scope, per entry, and per device on a device filter', async () => {
    const a = await h.asToken(tokenA, 'get', '/api/v1/profiles/status').expect(200);
    const { converged, pending, failed, blocked } = a.body.devices;
    expect(converged + pending + failed + blocked).toBe(3);
    expect(a.body).toMatchObject({ appliedVersion: 1, unit: 'gs-bildstock', rows: [] });
    expect(Object.keys(a.body.byEntry).sort()).toEqual(['apps-grade-3', 'passcode-grade-4', 'restrictions-grade-3', 'wifi-bildstock']);
    const all = await admin.req('get', '/api/v1/profiles/status').expect(200);
    expect(Object.values(all.body.devices as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(5);
    const one = await h.asToken(tokenA, 'get', `/api/v1/profiles/status?device=${dev.a4!.serialNumber}`).expect(200);
    expect(one.body.rows.map((r: { deviceId: string }) => r.deviceId)).toEqual(expect.arrayContaining([dev.a4!.id]));
    expect(new Set(one.body.rows.map((r: { deviceId: string }) => r.deviceId)).size).toBe(1);
    expect(one.body.rows.find((r: { entryId: string }) => r.entryId === 'passcode-grade-4')).toMatchObject({ item: 'profile', state: 'pending' });
    const entry = await h.asToken(tokenA, 'get', '/api/v1/profiles/status?entry=wifi-bildstock').expect(200);
    expect(entry.body.rows.every((r: { entryId: string; state: string }) => r.entryId === 'wifi-bildstock' && r.state !== 'installed')).toBe(true);
  });

  it('helpdesk and auditors read plan and status but never apply (refusals audited, nothing enqueued)', async () => {
    const helpdesk = await h.staff('helpdesk', 'gs-bildstock');
    const auditor = await h.token('auditor', 'gs-bildstock');
    await helpdesk.req('post', '/api/v1/profiles/plan').send({}).expect(200);
    await helpdesk.req('get', '/api/v1/profiles/status').expect(200);
    await h.asToken(auditor, 'post', '/api/v1/profiles/plan').send({}).expect(200);
    await h.asToken(auditor, 'get', '/api/v1/profiles').expect(200);
    const dev3 = await h.device('gs-bildstock', 3, { supervised: true });
    const refused = [
      await helpdesk.req('post', '/api/v1/profiles/apply').send({}),
      await h.asToken(auditor, 'post', '/api/v1/profiles/apply').send({}),
    ];
    expect(refused.map((r) => [r.status, r.body.error])).toEqual([[403, 'forbidden'], [403, 'forbidden']]);
    expect(await commandsOf(dev3.id)).toBe(0);
    const lines = await auditLines(h.slate, { action: 'policy.apply', outcome: 'refused' });
    expect(lines.map((l) => l.actorRole)).toEqual(expect.arrayContaining(['helpdesk', 'auditor']));
  });

  describe('bad input', () => {
    const unchanged = async <T>(fn: () => Promise<T>): Promise<T> => {
      const before = await h.slate.stores.auditLog.head(h.slate.db);
      const queued = Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM command_queue'))!.n);
      const r = await fn();
      expect(await h.slate.stores.auditLog.head(h.slate.db)).toEqual(before);
      expect(Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM command_queue'))!.n)).toBe(queued);
      return r;
    };

    it('invalid JSON, unknown fields and wrong types → 400 with stable codes and the fields named; nothing changed', async () => {
      const cases = [
        [await unchanged(() => admin.req('post', '/api/v1/profiles/apply').set('Content-Type', 'application/json').send('{"unit": ')), 'json_invalid', undefined],
        [await unchanged(() => admin.req('post', '/api/v1/profiles/apply').send({ unit: 'gs-bildstock', force: true })), 'validation_failed', { force: 'unknown field' }],
        [await unchanged(() => admin.req('post', '/api/v1/profiles/apply').send({ unit: 42 })), 'validation_failed', { unit: expect.any(String) }],
        [await unchanged(() => admin.req('post', '/api/v1/profiles/apply').send([])), 'validation_failed', { body: expect.any(String) }],
        [await unchanged(() => admin.req('post', '/api/v1/profiles/plan').send({ unit: 'Not A Code' })), 'validation_failed', { unit: expect.any(String) }],
        [await unchanged(() => admin.req('get', '/api/v1/profiles/status?device=&verbose=1')), 'validation_failed', { device: expect.any(String), verbose: 'unknown field' }],
        [await unchanged(() => admin.req('get', '/api/v1/profiles').send({ x: 1 })), 'validation_failed', undefined],
      ] as const;
      for (const [r, error, fields] of cases) {
        expect([r.status, r.body.error]).toEqual([400, error]);
        if (fields) expect(r.body.fields).toEqual(fields);
      }
    });

    it('a unit or device outside the tree → 404; nothing enqueued', async () => {
      const r = await admin.req('post', '/api/v1/profiles/plan').send({ unit: 'gs-nirgendwo' });
      expect([r.status, r.body.error, r.body.fields]).toEqual([404, 'org_unit_unknown', { unit: "no unit 'gs-nirgendwo'" }]);
      expect((await admin.req('get', '/api/v1/profiles/status?device=NO-SUCH-SERIAL')).body.error).toBe('device_unknown');
    });

    it('an invalid catalog on the server: plan reports every problem, apply answers 400 catalog_invalid naming file:line and key; no version stored', async () => {
      writeCatalog(testCatalog()[0]!.bytes.toString().replace('minLength: 4', 'minLength: vier').replace('schools: [gs-holz]', 'schools: [gs-unbekannt]'));
      const plan = await admin.req('post', '/api/v1/profiles/plan').send({}).expect(200);
      expect(plan.body.catalogHash).toBeNull();
      expect(plan.body.report.errors.map((e: { code: string }) => e.code).sort()).toEqual(['unknown_scope_code', 'wrong_type']);
      const before = await versions();
      const r = await admin.req('post', '/api/v1/profiles/apply').send({});
      expect([r.status, r.body.error]).toEqual([400, 'catalog_invalid']);
      expect(Object.keys(r.body.fields).sort()).toEqual([expect.stringMatching(/^catalog\/test\.yaml:\d+ entries\[1\]\.scope/), expect.stringMatching(/^catalog\/test\.yaml:\d+ entries\[3\]\.apple\.payloads\[0\]\.minLength$/)].sort());
      expect(await versions()).toBe(before);
    });
  });
});
