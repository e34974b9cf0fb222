import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policySecretsEnv, testCatalog } from '../helpers/policy-catalog';
import { runCli } from '../helpers/run-cli';
import { PUBLIC, startSpine, type SpineHarness } from '../helpers/spine-harness';
import type { SimulatedIpad } from '../sim/ipad-simulator';


/**
 * `slate profiles validate|plan|apply|status` and `slate device move` as an operator runs them,
 * against the database of a running Slate with two enrolled iPads (gs-bildstock 3, gs-holz 3).
 */
describe('slate profiles CLI', () => {
  let h: SpineHarness;
  let bildstock: SimulatedIpad;
  let holz: SimulatedIpad;
  let env: Record<string, string>;
  const dirs = { good: '', bad: '' };

  beforeAll(async () => {
    const secrets = policySecretsEnv();
    h = await startSpine(secrets);
    bildstock = await h.enrolled();
    holz = h.ipad();
    await holz.enrol((await h.slate.services.enrollmentTokens.create({ schoolCode: 'gs-holz', gradeLevel: 3, createdBy: 'test' })).url);
    const db = h.slate.testDb;
    env = {
      PATH: process.env.PATH!, DATA_DIR: db.dir, CERTS_DIR: join(db.dir, 'certs'), LOG_LEVEL: 'silent', ...secrets,
      DATABASE_URL: db.database.kind === 'sqlite' ? `sqlite:${db.database.path}` : db.database.url, ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
      PUBLIC_URL: PUBLIC, APNS_URL: h.apns.url, APNS_CA_FILE: h.apns.caFile, ORG_IMPORT_ON_START: 'false',
    };
    const root = mkdtempSync(join(tmpdir(), 'slate-catalog-'));
    dirs.good = join(root, 'good');
    dirs.bad = join(root, 'bad');
    mkdirSync(dirs.good);
    mkdirSync(dirs.bad);
    for (const s of testCatalog()) writeFileSync(join(dirs.good, s.path.replace('catalog/', '')), s.bytes);
    writeFileSync(join(dirs.bad, 'broken.yaml'), 'version: 1\nentries:\n  - id: x\n    name: [unclosed\n');
    writeFileSync(join(dirs.bad, 'wifi.yaml'), [
      'version: 1', 'entries:', '  - id: bad-wifi', '    name: WLAN {{school.nme}}', '    scope: { include: { schools: [gs-bildstock] } }', '    apple:', '      payloads:',
      '        - PayloadType: com.apple.wifi.managed', '          SSID_STR: GS-Lernnetz', '          EncryptionType: WPA9', '', ''].join('\n'));
  }, 90_000);
  afterAll(() => h?.close());

  const run = (...args: string[]) => runCli(env, ...args);
  const json = async (...args: string[]) => {
    const r = await run(...args, '--json');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(r.stdout);
  };
  const id = async (ipad: SimulatedIpad) => (await h.slate.services.devices.require(ipad.udid)).id;

  it('validate: the starter catalog validates; a broken one is reported with file:line key and exit status 1', async () => {
    const starter = await run('profiles', 'validate', '--dir', 'profiles/catalog');
    expect(starter).toMatchObject({ status: 0, stderr: '', stdout: '0 error(s), 0 warning(s)\n' });
    const bad = await run('profiles', 'validate', '--dir', dirs.bad);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('slate: the catalog has 3 error(s)\n');
    expect(bad.stdout).toMatch(/^error {3}catalog\/broken\.yaml:5 .*\[yaml_syntax\]$/m);
    expect(bad.stdout).toMatch(/^error {3}catalog\/wifi\.yaml:4 entries\[0\]\.name: .*school\.nme.* \[unknown_variable\]$/m);
    expect(bad.stdout).toMatch(/^error {3}catalog\/wifi\.yaml:10 entries\[0\]\.apple\.payloads\[0\]\.EncryptionType: WPA9 is not one of .*\[out_of_range\]$/m);
  });

  it('apply of an invalid catalog changes nothing', async () => {
    const r = await run('profiles', 'apply', '--dir', dirs.bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('catalog/wifi.yaml:10');
    expect(r.stderr).toBe('slate: the catalog has 3 error(s); nothing was applied\n');
    expect(await h.slate.stores.policyCatalog.current(h.slate.db)).toBeNull();
    expect(await h.slate.stores.commands.pendingCount(h.slate.db, await id(bildstock))).toBe(0);
  });

  it('plan shows per device and per school what apply then enqueues', async () => {
    const holzOnly = await json('profiles', 'plan', '--dir', dirs.good, '--school', 'gs-holz');
    expect(holzOnly.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([await id(holz)]);
    const plan = await json('profiles', 'plan', '--dir', dirs.good);
    expect(Object.keys(plan.totals).sort()).toEqual(['gs-bildstock', 'gs-holz']);
    expect(plan.overall).toMatchObject({ devices: 2, installProfile: 4, installApp: 4 });
    const text = await run('profiles', 'plan', '--dir', dirs.good);
    expect(text.stdout).toContain(`${bildstock.facts.serial} gs-bildstock`);
    expect(text.stdout).toMatch(/install: wifi-bildstock, restrictions-grade-3; install app: com\.apple\.Pages, edu\.mitmedialab\.scratchjrfree/);
    const applied = await json('profiles', 'apply', '--dir', dirs.good);
    expect(applied).toMatchObject({ changed: true, enqueued: 8, devices: 2 });
    expect(await h.slate.stores.commands.pendingCount(h.slate.db, await id(bildstock))).toBe(4);
    expect((await json('profiles', 'apply', '--dir', dirs.good))).toMatchObject({ changed: false, enqueued: 0 });
  });

  it('status per device and per entry; device move swaps the set', async () => {
    const pending = await json('profiles', 'status', '--device', bildstock.facts.serial);
    expect(pending.rows.map((r: { state: string }) => r.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
    for (let i = 0; i < 5 && (await holz.connect()).length; i++);
    const entry = await json('profiles', 'status', '--entry', 'restrictions-grade-3');
    expect(entry.byEntry['restrictions-grade-3']).toEqual({ installed: 1, pending: 1 });
    expect(entry.rows.map((r: { deviceId: string }) => r.deviceId)).toEqual([await id(bildstock)]);
    const moved = await json('device', 'move', bildstock.facts.serial, '--school', 'gs-bildstock', '--grade', '4');
    expect(moved.to).toEqual({ school: 'gs-bildstock', grade: 'gs-bildstock-4', class: null });
    for (let i = 0; i < 5 && (await bildstock.connect()).length; i++);
    expect([...bildstock.installed.profiles.keys()].filter((k) => k.includes('.slate.policy.')).sort()).toEqual(['test.slate.mdm.slate.policy.passcode-grade-4', 'test.slate.mdm.slate.policy.wifi-bildstock']);
    const bad = await run('device', 'move', bildstock.facts.serial, '--school', 'gs-bildstock', '--grade', '4', '--class', '9z');
    expect(bad).toMatchObject({ status: 1, stderr: expect.stringMatching(/^slate: .*gs-bildstock-9z.*\n$/) });
  });
});
