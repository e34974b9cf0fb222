import { randomUUID } from 'node:crypto';
import type { Device } from '../../../src/db/stores';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAdmin, type AdminHarness, type StaffClient } from '../../helpers/admin-harness';
import { policySecretsEnv, testCatalog } from '../../helpers/policy-catalog';
import { servedApiRoutes } from '../../helpers/served-routes';

/**
 * Scope on every route: a school-IT token (and session) of school A (gs-bildstock) meets school B
 * (gs-friedrichsthal, the sibling school in the same municipality) only as "not found", for every
 * kind of object; lists leave B's objects out. The same requests for A's objects succeed.
 *
 * Driven by the route table express serves: every route with an object id is called with B's
 * object of that kind, every other route must either name B's units or devices in a case below or
 * be listed as naming no object, so a new route cannot go unchecked.
 */
describe('admin API: scope, roles, step-up', () => {
  let h: AdminHarness;
  let admin: StaffClient;
  let tokenA: string;
  let itA: StaffClient;
  let devA: Device;
  let devB: Device;
  const b: Record<string, string> = {};

  beforeAll(async () => {
    const catalogDir = mkdtempSync(join(tmpdir(), 'slate-catalog-'));
    writeFileSync(join(catalogDir, 'test.yaml'), testCatalog()[0]!.bytes);
    h = await startAdmin({ ...policySecretsEnv(), POLICY_CATALOG_DIR: catalogDir });
    admin = await h.staff('authority_admin');
    tokenA = await h.token('school_it', 'gs-bildstock');
    itA = await h.staff('school_it', 'gs-bildstock');
    devA = await h.device('gs-bildstock');
    devB = await h.device('gs-friedrichsthal', 4);
    const s = h.slate.s;
    b.school = (await s.org.getByCode('gs-friedrichsthal'))!.id;
    b.command = (await admin.req('post', `/api/v1/devices/${devB.id}/lock`).send({}).expect(202)).body.commandUuid;
    b.bulk = (await admin.req('post', '/api/v1/bulk-jobs').send({ action: 'lock', unit: 'gs-friedrichsthal' }).expect(202)).body.id;
    b.link = (await admin.req('post', '/api/v1/enrollment-links').send({ school: 'gs-friedrichsthal', grade: 3 }).expect(201)).body.link.id;
    b.serial = randomUUID().replace(/-/g, '').slice(0, 16);
    const now = new Date();
    await s.certificates.insert({
      id: randomUUID(), serial: b.serial, kind: 'device', subject: 'CN=b', fingerprint: randomUUID().replace(/-/g, '').repeat(2), deviceId: devB.id,
      schoolId: b.school, gradeId: devB.gradeId, classId: null, enrollmentTokenId: null, notBefore: now, notAfter: new Date(now.getTime() + 86_400_000), createdAt: now,
    });
    const staffB = await h.staff('helpdesk', 'gs-friedrichsthal');
    b.staff = (await h.slate.s.staff.getByEmail(staffB.email))!.id;
    b.passkey = staffB.authn.id;
    await h.token('helpdesk', 'gs-friedrichsthal');
    b.webhook = (await admin.req('post', '/api/v1/webhooks').send({ url: 'https://hooks.example/b', events: ['command.failed'], scope: 'gs-friedrichsthal' }).expect(201)).body.webhook.id;
    b.token = (await h.slate.db.one<{ id: string }>("SELECT id FROM api_tokens WHERE name = 'helpdesk-gs-friedrichsthal'"))!.id;
    // A catalog in force: the profiles routes answer from it (a missing catalog would be a 404 too).
    await admin.req('post', '/api/v1/profiles/apply').send({}).expect(202);
  }, 60_000);
  afterAll(() => h?.close());

  type Method = 'get' | 'post' | 'patch' | 'delete';
  type Case = [method: Method, path: string, body?: object];

  /** School B's object for each kind of `:id` in a route path, by the path's first segments. */
  const objectOfB = (route: string): string => {
    const kinds: [RegExp, string | undefined][] = [
      [/^\/org\/units\//, b.school], [/^\/devices\//, devB.id], [/^\/commands\//, b.command], [/^\/bulk-jobs\//, b.bulk],
      [/^\/enrollment-links\//, b.link], [/^\/certificates\//, b.serial], [/^\/staff\//, b.staff], [/^\/tokens\//, b.token],
      [/^\/webhooks\//, b.webhook], [/^\/auth\/passkeys\//, b.passkey],
    ];
    const hit = kinds.find(([re]) => re.test(route));
    if (!hit?.[1]) throw new Error(`no object of school B for ${route}: add its kind here`);
    return hit[1];
  };
  /** A valid body for routes that need one, so that only the scope check can refuse. */
  const bodyFor = (): Record<string, object> => ({
    'patch /org/units/:id': { name: 'x' }, 'post /org/units/:id/move': { parent: 'gs-bildstock' },
    'post /devices/:id/move': { school: 'gs-bildstock', grade: 'gs-bildstock-3' }, 'post /devices/:id/lost-mode': { message: 'Bitte abgeben' },
    'post /devices/:id/wipe': { confirmSerial: devB.serialNumber! }, 'post /certificates/:id/revoke': { reason: 'lost' },
  });
  /** Routes without an id in the path that name B's units or devices in their query or body (and more ways to name B's objects). */
  const namesB = (): Record<string, Case[]> => ({
    'get /org/units/:id': [['get', '/api/v1/org/units/gs-friedrichsthal'], ['get', '/api/v1/org/units/gs-friedrichsthal-4']],
    'post /org/units/:id/move': [['post', '/api/v1/org/units/gs-friedrichsthal-4/move', { parent: 'gs-bildstock' }], ['post', '/api/v1/org/units/gs-bildstock-4/move', { parent: 'gs-friedrichsthal' }]],
    'post /org/units': [['post', '/api/v1/org/units', { code: 'gs-friedrichsthal-5', kind: 'grade', name: 'Klasse 5', parent: 'gs-friedrichsthal', gradeLevel: 5 }]],
    'get /devices/:id': [['get', `/api/v1/devices/${devB.serialNumber}`], ['get', `/api/v1/devices/${devB.udid}`]],
    'get /devices': [['get', '/api/v1/devices?school=gs-friedrichsthal'], ['get', '/api/v1/devices?municipality=friedrichsthal'], ['get', '/api/v1/devices?grade=gs-friedrichsthal-4']],
    'post /devices/:id/move': [['post', `/api/v1/devices/${devA.id}/move`, { school: 'gs-friedrichsthal', grade: 'gs-friedrichsthal-3' }]],
    'get /commands': [['get', `/api/v1/commands?device=${devB.id}`], ['get', `/api/v1/commands?device=${devB.serialNumber}`]],
    'post /bulk-jobs': [['post', '/api/v1/bulk-jobs', { action: 'lock', unit: 'gs-friedrichsthal' }]],
    'post /enrollment-links': [['post', '/api/v1/enrollment-links', { school: 'gs-friedrichsthal', grade: 3 }]],
    'get /certificates': [['get', `/api/v1/certificates?device=${devB.id}`]],
    'post /staff/invites': [['post', '/api/v1/staff/invites', { email: 'x@schule.example', role: 'helpdesk', scope: 'gs-friedrichsthal' }]],
    'post /tokens': [['post', '/api/v1/tokens', { name: 'x', role: 'helpdesk', scope: 'gs-friedrichsthal' }]],
    'post /webhooks': [['post', '/api/v1/webhooks', { url: 'https://hooks.example/x', events: ['command.failed'], scope: 'gs-friedrichsthal' }]],
    'post /profiles/plan': [['post', '/api/v1/profiles/plan', { unit: 'gs-friedrichsthal' }], ['post', '/api/v1/profiles/plan', { unit: 'gs-friedrichsthal-4' }]],
    'post /profiles/apply': [['post', '/api/v1/profiles/apply', { unit: 'gs-friedrichsthal' }]],
    'get /profiles/status': [['get', `/api/v1/profiles/status?device=${devB.id}`], ['get', `/api/v1/profiles/status?device=${devB.serialNumber}`], ['get', '/api/v1/profiles/status?unit=gs-friedrichsthal']],
  });
  /** Routes that name no object of a school: sign-in and the caller's own things, or lists (checked for leaks below). */
  const NAMES_NO_OBJECT = new Set([
    'get /openapi.json', 'post /auth/invites/options', 'post /auth/invites/verify', 'post /auth/sign-in/options', 'post /auth/sign-in/verify',
    'post /auth/sign-out', 'get /auth/session', 'post /auth/step-up/options', 'post /auth/step-up/verify', 'get /auth/passkeys',
    'post /auth/passkeys/options', 'post /auth/passkeys/verify', 'get /org/units', 'get /bulk-jobs', 'get /enrollment-links', 'get /staff',
    'get /tokens', 'get /webhooks', 'get /audit', 'get /audit/export.csv', 'get /audit/verify', 'get /profiles',
  ]);
  const casesOf = (route: string): Case[] => {
    const [method, path] = route.split(' ') as [Method, string];
    const generated: Case[] = path.includes(':id') ? [[method, `/api/v1${path.replace(':id', objectOfB(path))}`, bodyFor()[route] ?? (method === 'get' ? undefined : {})]] : [];
    return [...generated, ...(namesB()[route] ?? [])];
  };

  it('knows every served route: each with an object id or naming a unit has a school-B case, the others are listed', () => {
    const served = servedApiRoutes(h.slate.express);
    expect(served.length).toBeGreaterThan(45);
    expect(served.filter((r) => casesOf(r).length === 0 && !NAMES_NO_OBJECT.has(r))).toEqual([]);
    expect(served.filter((r) => r.includes(':') && !r.includes(':id'))).toEqual([]);
    expect([...Object.keys(namesB()), ...NAMES_NO_OBJECT].filter((r) => !served.includes(r))).toEqual([]);
  });

  it("answers 404 to a school-IT token and session of school A for every one of school B's objects, and changes nothing", async () => {
    const headBefore = await h.slate.stores.auditLog.head(h.slate.db);
    const queued = Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM command_queue'))!.n);
    const versions = Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM policy_catalog_versions'))!.n);
    const answers: string[] = [];
    let checked = 0;
    for (const route of servedApiRoutes(h.slate.express)) {
      for (const [method, path, body] of casesOf(route)) {
        const byToken = await h.asToken(tokenA, method, path).send(body);
        const bySession = await itA.req(method, path).send(body);
        // Session-only routes (passkeys) refuse tokens before looking at the object.
        const tokenOk = byToken.status === 404 || (byToken.status === 403 && byToken.body.message === 'only a staff session can do this');
        answers.push(`${method.toUpperCase()} ${path} → token ${tokenOk ? 404 : `${byToken.status} ${byToken.body.error}`}, session ${bySession.status} ${bySession.body.error}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(45);
    expect(answers.filter((a) => !/ → token 404, session 404 (not_found|device_unknown|org_unit_unknown)$/.test(a))).toEqual([]);
    expect(Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM command_queue'))!.n)).toBe(queued);
    expect(Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM policy_catalog_versions'))!.n)).toBe(versions);
    expect(Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM staff WHERE disabled_at IS NOT NULL'))!.n)).toBe(0);
    expect((await h.slate.s.certificates.getBySerial(b.serial!))!.revokedAt).toBeNull();
    // Refused actions are audited (as refusals), nothing else was written.
    const lines = await h.slate.stores.auditLog.scan(h.slate.db, headBefore.seq, 1000);
    expect(lines.filter((l) => l.outcome === 'ok')).toEqual([]);
  });

  it("leaves school B's objects out of every list", async () => {
    const ids = async (path: string, key = 'id') => ((await h.asToken(tokenA, 'get', path).expect(200)).body.items as Record<string, string>[]).map((x) => x[key]);
    expect(await ids('/api/v1/devices?limit=200')).toEqual([devA.id]);
    expect(await ids(`/api/v1/devices?q=${devB.serialNumber}`)).toEqual([]);
    expect(await ids('/api/v1/org/units', 'code')).toEqual(['gs-bildstock', 'gs-bildstock-3', 'gs-bildstock-4']);
    expect(await ids('/api/v1/bulk-jobs')).not.toContain(b.bulk);
    expect(await ids('/api/v1/enrollment-links')).not.toContain(b.link);
    expect(await ids('/api/v1/certificates', 'serial')).not.toContain(b.serial);
    expect(await ids('/api/v1/staff')).not.toContain(b.staff);
    expect(await ids('/api/v1/tokens')).not.toContain(b.token);
    expect(await ids('/api/v1/webhooks')).not.toContain(b.webhook);
    // B's device has audit lines (its lock in beforeAll); school A's auditor sees none of them
    // (only A's own refused attempts on it, filed under A).
    expect((await admin.req('get', `/api/v1/audit?targetId=${devB.id}&outcome=ok`).expect(200)).body.items.length).toBeGreaterThan(0);
    const auditorA = await h.token('auditor', 'gs-bildstock');
    expect((await h.asToken(auditorA, 'get', `/api/v1/audit?targetId=${devB.id}&outcome=ok`).expect(200)).body.items).toEqual([]);
    const status = (await h.asToken(tokenA, 'get', '/api/v1/profiles/status').expect(200)).body;
    expect(Object.values(status.devices as Record<string, number>).reduce((x, y) => x + y, 0)).toBe(1);
  });

  it("serves the same requests for school A's own objects", async () => {
    await h.asToken(tokenA, 'get', `/api/v1/devices/${devA.serialNumber}`).expect(200);
    await h.asToken(tokenA, 'get', '/api/v1/devices?school=gs-bildstock').expect(200);
    const lock = await h.asToken(tokenA, 'post', `/api/v1/devices/${devA.id}/lock`).send({ message: 'Bitte im Sekretariat abgeben' }).expect(202);
    await h.asToken(tokenA, 'get', `/api/v1/commands/${lock.body.commandUuid}`).expect(200);
    await h.asToken(tokenA, 'post', `/api/v1/commands/${lock.body.commandUuid}/cancel`).send({}).expect(200);
    const job = await h.asToken(tokenA, 'post', '/api/v1/bulk-jobs').send({ action: 'restart', unit: 'gs-bildstock' }).expect(202);
    expect((await h.asToken(tokenA, 'get', `/api/v1/bulk-jobs/${job.body.id}`).expect(200)).body).toMatchObject({ total: 1, unit: 'gs-bildstock' });
    const link = await h.asToken(tokenA, 'post', '/api/v1/enrollment-links').send({ school: 'gs-bildstock', grade: 4 }).expect(201);
    expect(Buffer.from(link.body.qrPng, 'base64').subarray(1, 4).toString()).toBe('PNG');
    await h.asToken(tokenA, 'delete', `/api/v1/enrollment-links/${link.body.link.id}`).expect(204);
    await h.asToken(tokenA, 'patch', '/api/v1/org/units/gs-bildstock-4').send({ name: 'Klassenstufe 4' }).expect(200);
  });

  it('helpdesk reads, locks and handles lost mode but cannot wipe, restart or change configuration', async () => {
    const helpdesk = await h.staff('helpdesk', 'friedrichsthal');
    await helpdesk.req('post', `/api/v1/devices/${devA.id}/lock`).send({}).expect(202);
    await helpdesk.req('post', `/api/v1/devices/${devA.id}/lost-mode`).send({ message: 'Dieses iPad gehört der Grundschule' }).expect(202);
    const refused = [
      await helpdesk.req('post', `/api/v1/devices/${devA.id}/wipe`).send({ confirmSerial: devA.serialNumber }),
      await helpdesk.req('post', `/api/v1/devices/${devA.id}/restart`).send({}),
      await helpdesk.req('post', '/api/v1/enrollment-links').send({ school: 'gs-bildstock', grade: 3 }),
      await helpdesk.req('patch', '/api/v1/org/units/gs-bildstock').send({ name: 'x' }),
      await helpdesk.req('post', '/api/v1/bulk-jobs').send({ action: 'wipe', unit: 'gs-bildstock', confirm: 'gs-bildstock' }),
    ];
    expect(refused.map((r) => [r.status, r.body.error])).toEqual(Array(5).fill([403, 'forbidden']));
    // Even after a fresh passkey confirmation.
    await helpdesk.stepUp();
    expect((await helpdesk.req('post', `/api/v1/devices/${devA.id}/wipe`).send({ confirmSerial: devA.serialNumber })).body.error).toBe('forbidden');
    const audit = await h.slate.services.audit.query({ unitId: '', kind: 'authority', path: '/', root: true }, { action: 'device.wipe', outcome: 'refused', limit: 10 });
    expect(audit.some((a) => a.actorLabel === helpdesk.email)).toBe(true);
  });

  it('refuses a wipe without a fresh passkey confirmation, with a wrong serial, or by API token; then wipes', async () => {
    const it = await h.staff('school_it', 'gs-bildstock');
    const wipe = (client: StaffClient, serial: string | null | undefined) => client.req('post', `/api/v1/devices/${devA.id}/wipe`).send({ confirmSerial: serial });
    await h.slate.db.run('UPDATE staff_sessions SET step_up_at = ? WHERE staff_id = (SELECT id FROM staff WHERE email = ?)', [new Date(Date.now() - 6 * 60_000), it.email]);
    const stale = await wipe(it, devA.serialNumber);
    expect([stale.status, stale.body.error]).toEqual([403, 'step_up_required']);
    const byToken = await h.asToken(tokenA, 'post', `/api/v1/devices/${devA.id}/wipe`).send({ confirmSerial: devA.serialNumber });
    expect([byToken.status, byToken.body.error]).toEqual([403, 'step_up_required']);
    const bulkByToken = await h.asToken(tokenA, 'post', '/api/v1/bulk-jobs').send({ action: 'wipe', unit: 'gs-bildstock', confirm: 'gs-bildstock' });
    expect(bulkByToken.body.error).toBe('step_up_required');
    const erases = async () => Number((await h.slate.db.one<{ n: number }>("SELECT COUNT(*) AS n FROM command_queue WHERE request_type = 'EraseDevice'"))!.n);
    expect(await erases()).toBe(0);
    await it.stepUp();
    const wrong = await wipe(it, 'NOT-THE-SERIAL');
    expect([wrong.status, wrong.body.error, wrong.body.fields]).toEqual([400, 'confirmation_mismatch', { confirmSerial: 'does not match the device' }]);
    expect(await erases()).toBe(0);
    const done = await wipe(it, devA.serialNumber!.toLowerCase());
    expect([done.status, done.body.requestType]).toEqual([202, 'EraseDevice']);
    expect(await erases()).toBe(1);
    const [line] = await h.slate.services.audit.query({ unitId: '', kind: 'authority', path: '/', root: true }, { action: 'device.wipe', outcome: 'ok', limit: 1 });
    expect(line).toMatchObject({ actorLabel: it.email, actorRole: 'school_it', actorScope: 'gs-bildstock', targetId: devA.id, ip: expect.any(String) });
  });
});
